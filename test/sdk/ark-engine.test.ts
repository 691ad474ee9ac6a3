import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, ensureBuilt, killAll, removeDir, runCli, startServer, tempDataDir } from '../e2e/support/server-process.js';
import { makeFaceVideo } from '../support/faces.js';
import { type ArkFake, type ArkFakeRequest, startArkFake } from '../support/fakes/ark-api.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

const ARK_KEY = 'ark-e2e-key';
const UPSTREAM_MODEL = 'seedance-1-0-lite-i2v-250428';
const TASKS = '/api/v3/contents/generations/tasks';

type ImageItem = { type: 'image_url'; image_url: { url: string }; role?: string };
type CreateBody = { model: string; content: ({ type: 'text'; text: string } | ImageItem)[]; ratio: string; resolution: string; duration: number };

/**
 * The ark engine end to end: the official `openai` SDK against a real server on loopback whose
 * ENGINE_MODELS routes `sora-2-pro` to ark, with ModelArk played by the loopback fake
 * (test/support/fakes/ark-api.ts, which follows the Go SDK's contract).
 */
describe('the ark engine through the official openai SDK', () => {
  let fake: ArkFake;
  let h: Harness;
  let client: OpenAI;
  let dir: string;
  let arkVideo: string;
  let character: { id: string; username: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-ark-'));
    arkVideo = await makeVideo({ durationSec: 2, width: 640, height: 360 });
    fake = await startArkFake({ apiKey: ARK_KEY, videoPath: arkVideo, models: [UPSTREAM_MODEL] });
    h = await startHarness({
      ENGINE_MODELS: `sora-2-pro=ark:${UPSTREAM_MODEL}`,
      ARK_API_KEY: ARK_KEY,
      ARK_BASE_URL: fake.baseUrl,
      ENGINE_POLL_INTERVAL_MS: '50',
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    client = new OpenAI({ apiKey: 'sk-alice-test-key', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const face = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
    const created = await client.videos.createCharacter({ name: 'Ada', video: await toFile(await readFile(face), 'face.mp4', { type: 'video/mp4' }) });
    const got = (await client.videos.getCharacter(created.id!)) as typeof created & { username: string };
    character = { id: got.id!, username: got.username };
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => fake.clearScript());

  async function pollDone(id: string) {
    for (let i = 0; i < 600; i++) {
      const v = await client.videos.retrieve(id);
      if (v.status === 'completed' || v.status === 'failed') return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('video did not finish');
  }
  async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const v = probe();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const creates = (): ArkFakeRequest[] => fake.requests.filter((r) => r.method === 'POST' && r.path === TASKS);

  it('GET /v1/models lists sora-2-pro on the ark engine', async () => {
    const models = await client.models.list();
    expect(models.data.find((m) => m.id === 'sora-2-pro')).toMatchObject({ id: 'sora-2-pro', engine: 'ark' });
  });

  it('create -> poll -> download: the content is the fake video byte for byte; ModelArk got the prompt as [Image 1] and the portrait', async () => {
    const before = creates().length;
    const v = await client.videos.create({ model: 'sora-2-pro', prompt: `@${character.username} waves at the camera`, seconds: '8', size: '1280x720' });
    expect(v).toMatchObject({ model: 'sora-2-pro', status: 'queued' });
    const done = await pollDone(v.id);
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'completed', progress: 100, error: null });

    const mp4 = Buffer.from(await (await client.videos.downloadContent(v.id)).arrayBuffer());
    expect(mp4.equals(await readFile(arkVideo))).toBe(true);
    const thumb = await client.videos.downloadContent(v.id, { variant: 'thumbnail' });
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('webp');

    const sent = creates().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].authorization).toBe(`Bearer ${ARK_KEY}`);
    const body = sent[0].body as CreateBody;
    expect(body).toMatchObject({ model: UPSTREAM_MODEL, ratio: '16:9', resolution: '720p', duration: 8 });
    // The character travels as its portrait and then its reference frames, within ARK_MAX_REFERENCE_IMAGES (4),
    // and the mention names every image it sent.
    const profile = await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${character.id}`, headers: h.alice });
    const frames = (profile.json().reference_frame_urls as string[]).length;
    expect(frames).toBeGreaterThanOrEqual(2);
    const images = body.content.slice(1) as ImageItem[];
    expect(images.map((i) => [i.type, i.role])).toEqual(Array.from({ length: 1 + Math.min(3, frames) }, () => ['image_url', 'reference_image']));
    const names = images.map((_, i) => `[Image ${i + 1}]`).join('');
    expect(body.content[0]).toEqual({ type: 'text', text: `${names} waves at the camera` });
    for (const i of images) expect(i.image_url.url).toMatch(/^data:image\/jpeg;base64,/);

    // The first reference image is the character's portrait: an inline JPEG of the same picture.
    const m = /^data:image\/jpeg;base64,(.+)$/.exec(images[0].image_url.url);
    expect(m).not.toBeNull();
    const sentPortrait = await sharp(Buffer.from(m![1], 'base64')).raw().toBuffer({ resolveWithObject: true });
    const portraitUrl = new URL(profile.json().profile_picture_url);
    const stored = await h.app.inject({ method: 'GET', url: portraitUrl.pathname + portraitUrl.search });
    const storedPortrait = await sharp(stored.rawPayload).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
    expect([sentPortrait.info.width, sentPortrait.info.height]).toEqual([storedPortrait.info.width, storedPortrait.info.height]);
    let diff = 0;
    for (let i = 0; i < sentPortrait.data.length; i++) diff += Math.abs(sentPortrait.data[i] - storedPortrait.data[i]);
    expect(diff / sentPortrait.data.length).toBeLessThan(4);

    // The upstream id is kept and polled; nothing was submitted twice.
    const id = [...fake.tasks.values()].find((t) => t.body === body)?.id;
    expect(id).toBeDefined();
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === `${TASKS}/${id}`)).toBe(true);
  });

  it('a 429 from ModelArk is retried: the task completes and one upstream task exists', async () => {
    const tasksBefore = fake.tasks.size;
    const postsBefore = creates().length;
    fake.rateLimitOnce();
    const v = await client.videos.create({ model: 'sora-2-pro', prompt: 'a quiet lake at dawn', seconds: '4' });
    const done = await pollDone(v.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(creates().length - postsBefore).toBe(2);
    expect(fake.tasks.size - tasksBefore).toBe(1);
  });

  it('an output refused by ModelArk ends the task moderation_blocked with the upstream message', async () => {
    const message = 'The request failed because the output video may contain sensitive information.';
    fake.failTasks('OutputVideoSensitiveContentDetected', message);
    const v = await client.videos.create({ model: 'sora-2-pro', prompt: `@${character.username} does something`, seconds: '4' });
    const done = await pollDone(v.id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'moderation_blocked', message } });
  });

  it('a prompt refused at create ends the task moderation_blocked too; another failure is engine_error naming the code', async () => {
    fake.refuseNextCreate('InputTextSensitiveContentDetected', 'The request failed because the input text may contain sensitive information.');
    const refused = await pollDone((await client.videos.create({ model: 'sora-2-pro', prompt: 'something refused', seconds: '4' })).id);
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('moderation_blocked');
    expect(refused.error?.message).toMatch(/^The request failed because the input text may contain sensitive information\. Request id: /);

    fake.failTasks('InternalServiceError', 'The service encountered an unexpected internal error.');
    const broken = await pollDone((await client.videos.create({ model: 'sora-2-pro', prompt: 'something broken', seconds: '4' })).id);
    expect(broken).toMatchObject({ status: 'failed', error: { code: 'engine_error' } });
    expect(broken.error?.message).toContain('InternalServiceError: The service encountered an unexpected internal error.');
  });

  it('DELETE of a running task reaches ModelArk as DELETE of its upstream task', async () => {
    fake.holdRunning();
    fake.honourDeleteWhileRunning();
    const before = new Set(fake.tasks.keys());
    const v = await client.videos.create({ model: 'sora-2-pro', prompt: `@${character.username} keeps running`, seconds: '4' });
    const task = await until('the upstream task to run', () => [...fake.tasks.values()].find((t) => !before.has(t.id) && t.status === 'running'));
    const deleted = await client.videos.delete(v.id);
    expect(deleted).toMatchObject({ id: v.id, deleted: true });
    await until('the DELETE upstream', () => fake.requests.some((r) => r.method === 'DELETE' && r.path === `${TASKS}/${task.id}`));
    expect(fake.requests.find((r) => r.method === 'DELETE' && r.path === `${TASKS}/${task.id}`)?.authorization).toBe(`Bearer ${ARK_KEY}`);
    await until('the upstream task to be cancelled', () => task.status === 'cancelled');
  });

  it('a route to ark without ARK_API_KEY refuses the boot of the real process with one line naming it', async () => {
    await ensureBuilt();
    const dataDir = await tempDataDir();
    try {
      const r = await runCli(['serve'], { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ENGINE_MODELS: `sora-2-pro=ark:${UPSTREAM_MODEL}` }, 60_000);
      expect(r.code, r.stderr).not.toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines, r.stderr).toEqual(['sora-characters: missing setting ARK_API_KEY: ENGINE_MODELS routes sora-2-pro to the ark engine']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

/** The built process (`node dist/main.js serve`) killed mid-render: the ark task is polled again, never created twice. */
describe('restart safety of an ark render', () => {
  let fake: ArkFake;
  let arkVideo: string;
  let dir: string;
  afterAll(async () => {
    await killAll();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 while ModelArk runs the task: the restarted process resumes polling the same task and keeps its video', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-ark-restart-'));
    arkVideo = await makeVideo({ durationSec: 2, width: 640, height: 360 });
    fake = await startArkFake({ apiKey: ARK_KEY, videoPath: arkVideo, models: [UPSTREAM_MODEL] });
    const env = { ENGINE_MODELS: `sora-2-pro=ark:${UPSTREAM_MODEL}`, ARK_API_KEY: ARK_KEY, ARK_BASE_URL: fake.baseUrl, ENGINE_POLL_INTERVAL_MS: '100' };
    const dataDir = await tempDataDir();
    const wait = async (what: string, check: () => boolean) => {
      for (let i = 0; i < 1200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!check()) throw new Error(`timed out waiting for ${what}`);
    };
    try {
      const first = await startServer({ dataDir, env });
      const alice = new OpenAI({ apiKey: ALICE, baseURL: `${first.url}/v1`, maxRetries: 0 });
      const face = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
      const made = await alice.videos.createCharacter({ name: 'Ada', video: await toFile(await readFile(face), 'face.mp4', { type: 'video/mp4' }) });
      const { username } = (await alice.videos.getCharacter(made.id!)) as unknown as { username: string };
      fake.holdRunning();
      const created = await alice.videos.create({ model: 'sora-2-pro', prompt: `@${username} survives a crash`, seconds: '4' });
      await wait('the upstream task to run', () => [...fake.tasks.values()].some((t) => t.status === 'running'));
      const task = [...fake.tasks.values()][0];
      await first.kill();

      const second = await startServer({ dataDir, env });
      const polls = task.polls;
      await wait('the restarted process to poll the same task', () => task.polls > polls);
      fake.release();
      const alice2 = new OpenAI({ apiKey: ALICE, baseURL: `${second.url}/v1`, maxRetries: 0 });
      let video = await alice2.videos.retrieve(created.id);
      for (let i = 0; i < 600 && (video.status === 'queued' || video.status === 'in_progress'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        video = await alice2.videos.retrieve(created.id);
      }
      expect(video.status, JSON.stringify(video.error)).toBe('completed');
      expect(Buffer.from(await (await alice2.videos.downloadContent(created.id)).arrayBuffer()).equals(await readFile(arkVideo))).toBe(true);
      expect(fake.requests.filter((r) => r.method === 'POST').length).toBe(1);
      expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
      await second.stop();
    } finally {
      await removeDir(dataDir);
    }
  }, 240_000);
});

/** ARK_REFERENCE_MEDIA=all with PUBLIC_URL_REACHABLE=true: the clip goes as Seedance 2.0's reference_video, a signed link that answers. */
describe('ark with ARK_REFERENCE_MEDIA=all and PUBLIC_URL_REACHABLE=true', () => {
  let fake: ArkFake;
  let h: Harness;
  let dir: string;
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("sends the character's clip as a video_url item named [Video 1]; the link is this service's signed clip", async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-ark-all-'));
    fake = await startArkFake({ apiKey: ARK_KEY, videoPath: await makeVideo({ durationSec: 2, width: 640, height: 360 }), models: [UPSTREAM_MODEL] });
    h = await startHarness({
      ENGINE_MODELS: `sora-2-pro=ark:${UPSTREAM_MODEL}`,
      ARK_API_KEY: ARK_KEY,
      ARK_BASE_URL: fake.baseUrl,
      ARK_REFERENCE_MEDIA: 'all',
      PUBLIC_URL_REACHABLE: 'true',
      ENGINE_POLL_INTERVAL_MS: '50',
    });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const client = new OpenAI({ apiKey: 'sk-alice-test-key', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const face = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
    const made = await client.videos.createCharacter({ name: 'Ada', video: await toFile(await readFile(face), 'face.mp4', { type: 'video/mp4' }) });
    const { username } = (await client.videos.getCharacter(made.id!)) as unknown as { username: string };
    let v = await client.videos.create({ model: 'sora-2-pro', prompt: `@${username} on a public stage`, seconds: '4' });
    for (let i = 0; i < 600 && (v.status === 'queued' || v.status === 'in_progress'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await client.videos.retrieve(v.id);
    }
    expect(v.status, JSON.stringify(v.error)).toBe('completed');
    type Item = { type: string; role?: string; image_url?: { url: string }; video_url?: { url: string } };
    const body = fake.requests.find((r) => r.method === 'POST')?.body as { content: Item[] };
    // The portrait and the reference frames (images), then the clip (a video); the mention names them all.
    const kinds = body.content.slice(1).map((c) => [c.type, c.role]);
    const imageCount = kinds.filter(([t]) => t === 'image_url').length;
    expect(imageCount).toBeGreaterThanOrEqual(3);
    expect(kinds).toEqual([...Array.from({ length: imageCount }, () => ['image_url', 'reference_image']), ['video_url', 'reference_video']]);
    const names = Array.from({ length: imageCount }, (_, i) => `[Image ${i + 1}]`).join('');
    expect(body.content[0]).toEqual({ type: 'text', text: `${names}[Video 1] on a public stage` });
    // The portrait stays an inline JPEG; the clip is a signed link of this service (PUBLIC_URL), and it answers.
    expect(body.content[1].image_url?.url).toMatch(/^data:image\/jpeg;base64,/);
    const clipUrl = new URL(body.content[imageCount + 1].video_url?.url ?? '');
    expect(`${clipUrl.origin}${clipUrl.pathname}`).toBe(`http://sc.test/files/characters/${made.id}/clip.mp4`);
    const clip = await h.app.inject({ method: 'GET', url: clipUrl.pathname + clipUrl.search });
    expect(clip.statusCode).toBe(200);
    expect(clip.headers['content-type']).toBe('video/mp4');
  }, 180_000);
});
