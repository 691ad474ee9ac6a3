import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI, { toFile } from 'openai';
import { VERSION } from 'openai/version';
import OpenAIPinned, { toFile as toFilePinned } from 'openai-pinned';
import { VERSION as PINNED_VERSION } from 'openai-pinned/version';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { type Harness, startHarness } from '../support/harness.js';

const exec = promisify(execFile);

async function probe(path: string) {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
  const j = JSON.parse(stdout);
  const v = j.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  return { width: v.width as number, height: v.height as number, duration: Number(j.format.duration), codec: v.codec_name as string };
}

/** The current SDK and the pinned older one: the same calls must work with both. */
const SDKS = [
  { name: `openai ${VERSION}`, Client: OpenAI, toFile },
  { name: `openai-pinned ${PINNED_VERSION}`, Client: OpenAIPinned as unknown as typeof OpenAI, toFile: toFilePinned as unknown as typeof toFile },
];

/** The official `openai` npm SDK as the client of every video route, against a real server on loopback. */
describe.each(SDKS)('the official SDK ($name) against sora-characters', ({ Client, toFile }) => {
  let h: Harness;
  let alice: OpenAI;
  let bob: OpenAI;
  let dir: string;
  let faceVideo: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const baseURL = `http://127.0.0.1:${port}/v1`;
    alice = new Client({ apiKey: 'sk-alice-test-key', baseURL, maxRetries: 0 });
    bob = new Client({ apiKey: 'sk-bob-test-key', baseURL, maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'sc-sdk-'));
    faceVideo = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
  });
  afterAll(() => h?.close());

  async function pollDone(client: OpenAI, id: string) {
    for (let i = 0; i < 300; i++) {
      const v = await client.videos.retrieve(id);
      if (v.status === 'completed' || v.status === 'failed') return v;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('video did not finish');
  }

  let character: { id: string; username: string };
  let videoId: string;

  it('createCharacter and getCharacter: one character, the same in /sora/v1/characters', async () => {
    const created = await alice.videos.createCharacter({ name: 'Ada', video: await toFile(await readFile(faceVideo), 'face.mp4', { type: 'video/mp4' }) });
    expect(created.id).toMatch(/^ch_[0-9a-f]{32}$/);
    expect(created.name).toBe('Ada');
    expect(typeof created.created_at).toBe('number');
    const got = (await alice.videos.getCharacter(created.id!)) as typeof created & { username: string; status: string; timestamps: string };
    expect(got).toMatchObject({ id: created.id, name: 'Ada', status: 'ready', timestamps: '0,3' });
    const same = await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${created.id}`, headers: h.alice });
    expect(same.json().username).toBe(got.username);
    character = { id: got.id!, username: got.username };
  });

  it('creates a task mentioning the character, polls it to completed, downloads the three variants', async () => {
    const v = await alice.videos.create({ prompt: `@${character.username} waves at the camera`, seconds: '4', size: '720x1280' });
    expect(v.id).toMatch(/^video_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(v).toMatchObject({ object: 'video', model: 'sora-2', status: 'queued', progress: 0, size: '720x1280', seconds: '4' });
    expect((v as unknown as { characters: unknown[] }).characters).toEqual([{ id: character.id, username: character.username }]);
    const done = await pollDone(alice, v.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toBe(100);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    videoId = v.id;

    const mp4 = join(dir, 'out.mp4');
    await writeFile(mp4, Buffer.from(await (await alice.videos.downloadContent(v.id)).arrayBuffer()));
    const facts = await probe(mp4);
    expect(facts).toMatchObject({ width: 720, height: 1280, codec: 'h264' });
    expect(Math.abs(facts.duration - 4)).toBeLessThan(0.15);

    const thumb = Buffer.from(await (await alice.videos.downloadContent(v.id, { variant: 'thumbnail' })).arrayBuffer());
    expect((await sharp(thumb).metadata()).format).toBe('webp');
    const sprite = Buffer.from(await (await alice.videos.downloadContent(v.id, { variant: 'spritesheet' })).arrayBuffer());
    expect((await sharp(sprite).metadata()).format).toBe('jpeg');
  });

  it('characters: [{id}] (sent as the form field characters[][id]) puts the character in the video', async () => {
    const v = await alice.videos.create({ prompt: 'someone waves', characters: [{ id: character.id }] } as never);
    expect((v as unknown as { characters: unknown[] }).characters).toEqual([{ id: character.id, username: character.username }]);
    await pollDone(alice, v.id);
  });

  it('GET carries openai-poll-after-ms while unfinished', async () => {
    const v = await alice.videos.create({ prompt: 'a quiet lake', seconds: '4', size: '1280x720' });
    const { response } = await alice.videos.retrieve(v.id).withResponse();
    const status = (await alice.videos.retrieve(v.id)).status;
    if (status !== 'completed') expect(response.headers.get('openai-poll-after-ms')).toMatch(/^\d+$/);
    const done = await pollDone(alice, v.id);
    const file = join(dir, 'landscape.mp4');
    await writeFile(file, Buffer.from(await (await alice.videos.downloadContent(done.id)).arrayBuffer()));
    expect(await probe(file)).toMatchObject({ width: 1280, height: 720 });
  });

  it('lists with auto-pagination in both orders', async () => {
    const ids: string[] = [];
    for await (const v of alice.videos.list({ limit: 1 })) ids.push(v.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
    const asc: string[] = [];
    for await (const v of alice.videos.list({ limit: 1, order: 'asc' })) asc.push(v.id);
    expect(asc).toEqual([...ids].reverse());
    const bobs: string[] = [];
    for await (const v of bob.videos.list()) bobs.push(v.id);
    expect(bobs).toEqual([]);
  });

  it('remixes a completed video', async () => {
    const r = await alice.videos.remix(videoId, { prompt: 'the same, at night' });
    expect(r.remixed_from_video_id).toBe(videoId);
    const done = await pollDone(alice, r.id);
    expect(done.status).toBe('completed');
  });

  it('from_task: a completed task is a character source', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { from_task: videoId, timestamps: '1,3', url: 'https://ignored.example/x.mp4' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().source).toEqual({ type: 'task', task_id: videoId });
    const out = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { from_task: videoId, timestamps: '3,5' } });
    expect(out.statusCode).toBe(400);
    expect(out.json().error.code).toBe('timestamps_out_of_range');
    // Another key's task answers as a missing one: a task id reveals nothing.
    const other = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.bob, payload: { from_task: videoId, timestamps: '1,3' } });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('task_not_found');
  });

  it('mention rules: unknown and private-of-another-key are 403 before anything is queued; public is fine; more than 2 is 400', async () => {
    const before = await h.rt.queue.depth();
    const unknown = alice.videos.create({ prompt: 'hi @nobodyhere.nohandle' });
    await expect(unknown).rejects.toMatchObject({ status: 403, code: 'cameo_permission_denied' });
    const bobs = bob.videos.create({ prompt: `@${character.username} dances` });
    await expect(bobs).rejects.toMatchObject({ status: 403, code: 'cameo_permission_denied', param: 'prompt' });
    // Listed rather than mentioned, the refusal names `characters`.
    const listed = bob.videos.create({ prompt: 'dances', characters: [{ id: character.id }] } as never);
    await expect(listed).rejects.toMatchObject({ status: 403, code: 'cameo_permission_denied', param: 'characters' });
    expect(await h.rt.queue.depth()).toBe(before);

    await h.app.inject({ method: 'PATCH', url: `/sora/v1/characters/${character.id}`, headers: h.alice, payload: { visibility: 'public' } });
    const ok = await bob.videos.create({ prompt: `@${character.username} dances` });
    expect(ok.status).toBe('queued');

    const more: string[] = [];
    for (let i = 0; i < 2; i++) {
      more.push((await alice.videos.createCharacter({ name: `Extra ${i}`, video: await toFile(await readFile(faceVideo), 'f.mp4') })).id!);
    }
    const three = alice.videos.create({ prompt: `@${character.username} and friends`, characters: more.map((id) => ({ id })) } as never);
    await expect(three).rejects.toMatchObject({
      status: 400,
      code: 'invalid_parameter',
      param: 'characters',
      message: expect.stringMatching(/at most 2 characters \(got 3\)/),
    });
    await pollDone(bob, ok.id);
  });

  it('input_reference: an uploaded image (multipart) or {image_url} (JSON); not an image is 422', async () => {
    const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#c04020' } })
      .png()
      .toBuffer();
    const up = await alice.videos.create({ prompt: 'from a picture', input_reference: await toFile(png, 'ref.png', { type: 'image/png' }) });
    expect((await pollDone(alice, up.id)).status).toBe('completed');
    const json = await h.app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: h.alice,
      payload: { prompt: 'from a data URL', input_reference: { image_url: `data:image/png;base64,${png.toString('base64')}` } },
    });
    expect(json.statusCode, json.body).toBe(200);
    expect((await pollDone(alice, json.json().id)).status).toBe('completed');
    const notImage = alice.videos.create({ prompt: 'x', input_reference: await toFile(Buffer.from('<html></html>'), 'x.png', { type: 'image/png' }) });
    await expect(notImage).rejects.toMatchObject({ status: 422, code: 'unsupported_media' });
    const empty = await h.app.inject({ method: 'GET', url: '/v1/videos?limit=0', headers: h.alice });
    expect(empty.json()).toMatchObject({ object: 'list', data: [], has_more: false });
  });

  it('validation answers 400 with param', async () => {
    await expect(alice.videos.create({ prompt: '' })).rejects.toMatchObject({ status: 400, param: 'prompt' });
    await expect(alice.videos.create({ prompt: 'x', seconds: '5' as never })).rejects.toMatchObject({ status: 400, param: 'seconds' });
    await expect(alice.videos.create({ prompt: 'x', size: '640x480' as never })).rejects.toMatchObject({ status: 400, param: 'size' });
    await expect(alice.videos.create({ prompt: 'x', model: 'dall-e' })).rejects.toMatchObject({ status: 400, param: 'model' });
    await expect(alice.videos.create({ prompt: 'x'.repeat(32_001) })).rejects.toMatchObject({ status: 400, param: 'prompt' });
    await expect(alice.videos.retrieve('video_00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
  });

  it('models.list(): every routed model with its engine', async () => {
    const ids: string[] = [];
    for await (const m of alice.models.list()) {
      expect(m).toMatchObject({ object: 'model', owned_by: 'sora-characters', engine: 'local' });
      ids.push(m.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['sora-2', 'sora-2-pro']));
    await expect(new Client({ apiKey: 'sk-nobody', baseURL: alice.baseURL, maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('deletes a video and its assets', async () => {
    const del = await alice.videos.delete(videoId);
    expect(del).toEqual({ id: videoId, object: 'video.deleted', deleted: true });
    await expect(alice.videos.retrieve(videoId)).rejects.toMatchObject({ status: 404 });
    await expect(alice.videos.downloadContent(videoId)).rejects.toMatchObject({ status: 404 });
  });
});

/** The README's script imports `openai` itself: one run, not one per SDK. */
describe('the README script (examples/sdk-flow.mjs)', () => {
  let h: Harness;
  let faceVideo: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = await mkdtemp(join(tmpdir(), 'sc-sdk-'));
    faceVideo = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
  });
  afterAll(() => h?.close());

  it('runs end to end with only the SDK, writing into the folder it names and nowhere else', async () => {
    const { port } = h.app.server.address() as AddressInfo;
    const cwd = await mkdtemp(join(tmpdir(), 'sc-example-'));
    const env = { ...process.env, SORA_CHARACTERS_URL: `http://127.0.0.1:${port}`, OPENAI_API_KEY: 'sk-alice-test-key' };
    const { stdout } = await exec(process.execPath, [join(process.cwd(), 'examples/sdk-flow.mjs'), faceVideo], { cwd, env });
    expect(stdout).toMatch(/character ch_[0-9a-f]{32} is @/);
    const saved = /saved (\S+video\.mp4) and (\S+thumbnail\.webp)/.exec(stdout);
    expect(saved, stdout).not.toBeNull();
    expect((await probe(saved![1])).width).toBe(720);
    expect((await readFile(saved![2])).subarray(8, 12).toString()).toBe('WEBP');
    expect(await readdir(cwd)).toEqual([]);
    const made = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(made).toMatchObject({ status: 'ready', source: { type: 'task' } });
    expect(made.id).toMatch(/^ch_/);

    // Given a folder, it writes there.
    const out = join(cwd, 'out');
    const again = await exec(process.execPath, [join(process.cwd(), 'examples/sdk-flow.mjs'), faceVideo, out], { cwd, env });
    expect(again.stdout).toContain(`saved ${join(out, 'video.mp4')} and ${join(out, 'thumbnail.webp')}`);
    expect((await readdir(out)).sort()).toEqual(['thumbnail.webp', 'video.mp4']);
  });
});
