/**
 * The fal engine end to end: the built process (`node dist/main.js serve`) with ENGINE_MODELS
 * routing models to fal, the loopback fake of the fal queue as the upstream, and the official
 * `openai` SDK as the only client: the README's SDK flow gets the fake's video byte for byte.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { type FakeFalQueue, startFakeFalQueue } from '../support/fakes/fal-queue.js';
import { makeUpstreamVideo } from '../support/fal-fixtures.js';
import { ALICE, BOB, killAll, removeDir, runCli, type ServerProcess, startServer, tempDataDir } from './support/server-process.js';

const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';
const KLING = 'fal-ai/kling-video/o3/pro/reference-to-video';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let fake: FakeFalQueue;
let upstreamVideo: Buffer;
let faceVideo: string;

const falEnv = () => ({
  ENGINE_MODELS: `sora-2=fal:${SEEDANCE},kling-o3=fal:${KLING}`,
  FAL_KEY: fake.key,
  FAL_QUEUE_URL: fake.url,
  ENGINE_POLL_INTERVAL_MS: '100',
});

const client = (s: ServerProcess, key = ALICE) => new OpenAI({ apiKey: key, baseURL: `${s.url}/v1`, maxRetries: 0 });

async function makeCharacter(c: OpenAI, name: string): Promise<{ id: string; username: string }> {
  const created = await c.videos.createCharacter({ name, video: await toFile(await readFile(faceVideo), 'face.mp4', { type: 'video/mp4' }) });
  const got = (await c.videos.getCharacter(created.id as string)) as unknown as { id: string; username: string };
  return { id: got.id, username: got.username };
}

async function pollDone(c: OpenAI, id: string) {
  for (let i = 0; i < 600; i++) {
    const v = await c.videos.retrieve(id);
    if (v.status === 'completed' || v.status === 'failed') return v;
    await sleep(100);
  }
  throw new Error(`video ${id} did not finish`);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sc-e2e-fal-'));
  upstreamVideo = await makeUpstreamVideo(dir, { width: 720, height: 1280, seconds: 2 });
  fake = await startFakeFalQueue({ video: upstreamVideo });
  faceVideo = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
});
afterAll(async () => {
  await killAll();
  await fake?.close();
  await removeDir(dir);
});
beforeEach(() => {
  fake.setBehaviour('complete');
  fake.release();
});

describe('the fal engine behind the built process, through the official openai SDK', () => {
  let server: ServerProcess;
  let alice: OpenAI;
  let ada: { id: string; username: string };
  let bob: { id: string; username: string };

  beforeAll(async () => {
    server = await startServer({ env: falEnv() });
    alice = client(server);
    ada = await makeCharacter(alice, 'Ada');
    bob = await makeCharacter(alice, 'Bob');
  });
  afterAll(async () => {
    await server?.stop();
    await removeDir(server?.dataDir);
  });

  it('lists every routed model with its engine (client.models.list())', async () => {
    const models = [];
    for await (const m of alice.models.list()) models.push(m as typeof m & { engine: string });
    expect(models.map((m) => [m.id, m.engine])).toEqual([
      ['sora-2', 'fal'],
      ['sora-2-pro', 'local'],
      ['kling-o3', 'fal'],
    ]);
  });

  it('the README flow on sora-2 (fal Seedance): the download is the upstream video byte for byte; the fake got the references and @Image1', async () => {
    const before = fake.submits().length;
    let video = await alice.videos.create({ prompt: `@${ada.username} waves hello`, seconds: '4' });
    expect(video).toMatchObject({ model: 'sora-2', status: 'queued' });
    video = await pollDone(alice, video.id);
    expect(video.status).toBe('completed');
    expect(video.progress).toBe(100);
    const mp4 = Buffer.from(await (await alice.videos.downloadContent(video.id)).arrayBuffer());
    expect(mp4.equals(upstreamVideo)).toBe(true);
    const thumb = await alice.videos.downloadContent(video.id, { variant: 'thumbnail' });
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('webp');
    const sprite = await alice.videos.downloadContent(video.id, { variant: 'spritesheet' });
    expect((await sharp(Buffer.from(await sprite.arrayBuffer())).metadata()).format).toBe('jpeg');

    const submits = fake.submits().slice(before);
    expect(submits).toHaveLength(1);
    expect(submits[0].endpoint).toBe(SEEDANCE);
    const input = submits[0].input as { prompt: string; image_urls: string[]; duration: string; aspect_ratio: string };
    expect(input.prompt).toBe('@Image1 waves hello');
    expect(input).toMatchObject({ duration: '4', aspect_ratio: '9:16' });
    expect(input.image_urls.length).toBeGreaterThanOrEqual(1);
    const portrait = /^data:image\/jpeg;base64,(.+)$/.exec(input.image_urls[0]);
    expect(portrait).not.toBeNull();
    expect((await sharp(Buffer.from(portrait?.[1] ?? '', 'base64')).metadata()).format).toBe('jpeg');
    // The fal result link is never handed out: the content is served from our copy.
    const again = Buffer.from(await (await alice.videos.downloadContent(video.id)).arrayBuffer());
    expect(again.equals(upstreamVideo)).toBe(true);
  });

  it('Kling O3 with two characters: @Element1 and @Element2, one element each', async () => {
    const before = fake.submits().length;
    const created = await alice.videos.create({ model: 'kling-o3', prompt: `@${ada.username} dances with @${bob.username}`, seconds: '8', size: '1280x720' });
    const video = await pollDone(alice, created.id);
    expect(video.status).toBe('completed');
    expect(Buffer.from(await (await alice.videos.downloadContent(video.id)).arrayBuffer()).equals(upstreamVideo)).toBe(true);
    const [s] = fake.submits().slice(before);
    expect(s.endpoint).toBe(KLING);
    const input = s.input as {
      prompt: string;
      elements: { frontal_image_url: string; reference_image_urls: string[] }[];
      duration: string;
      aspect_ratio: string;
    };
    expect(input.prompt).toBe('@Element1 dances with @Element2');
    expect(input.elements).toHaveLength(2);
    for (const e of input.elements) {
      expect(e.frontal_image_url).toMatch(/^data:image\/jpeg;base64,/);
      expect(e.reference_image_urls.length).toBeGreaterThanOrEqual(1);
    }
    expect(input).toMatchObject({ duration: '8', aspect_ratio: '16:9' });
  });

  it('DELETE of a running task reaches the upstream cancel', async () => {
    fake.hold();
    const before = fake.submits().length;
    const created = await alice.videos.create({ prompt: `@${ada.username} waits` });
    await until('the submit', () => fake.submits().length > before);
    const { requestId } = fake.submits()[before];
    await until('the job to be polled', () => (fake.job(requestId)?.polls ?? 0) > 0);
    const deleted = await alice.videos.delete(created.id);
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    await until('the upstream cancel', () => fake.cancels().includes(requestId));
    expect(fake.job(requestId)?.cancelled).toBe(true);
  });

  it('a content-safety refusal ends the task failed with moderation_blocked and the upstream message', async () => {
    fake.setBehaviour('content_policy');
    const created = await alice.videos.create({ prompt: `@${ada.username} does something flagged` });
    const video = await pollDone(alice, created.id);
    expect(video.status).toBe('failed');
    expect(video.error).toMatchObject({ code: 'moderation_blocked', message: expect.stringMatching(/flagged by a content checker/) });
  });

  it('another upstream failure ends the task engine_error with the upstream code', async () => {
    fake.setBehaviour('fail');
    const created = await alice.videos.create({ prompt: `@${ada.username} breaks the runner` });
    const video = await pollDone(alice, created.id);
    expect(video.status).toBe('failed');
    expect(video.error).toMatchObject({ code: 'engine_error', message: expect.stringMatching(/runner_server_error/) });
  });

  it('an upstream 429 is retried (after Retry-After) and the task completes with one submit', async () => {
    const before = fake.requests.length;
    const submitsBefore = fake.submits().length;
    fake.rateLimitNext(1, 1);
    const created = await alice.videos.create({ prompt: `@${ada.username} is patient` });
    const video = await pollDone(alice, created.id);
    expect(video.status).toBe('completed');
    const posts = fake.requests.slice(before).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(fake.submits().length - submitsBefore).toBe(1);
  });

  it('a mention the key may not use is refused with 403 cameo_permission_denied before any upstream call', async () => {
    const bobsClient = client(server, BOB);
    const before = fake.requests.length;
    const err = await bobsClient.videos.create({ prompt: `@${ada.username} is not yours` }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(403);
    expect(err.error).toMatchObject({ code: 'cameo_permission_denied' });
    await sleep(300);
    expect(fake.requests.length).toBe(before);
  });
});

describe('PUBLIC_URL_REACHABLE=true', () => {
  it('sends signed URLs of this service instead of inline data, clips included; the upstream can fetch them', async () => {
    const server = await startServer({ env: { ...falEnv(), PUBLIC_URL_REACHABLE: 'true' } });
    try {
      const alice = client(server);
      const ada = await makeCharacter(alice, 'Ada');
      const before = fake.submits().length;
      const video = await pollDone(alice, (await alice.videos.create({ prompt: `@${ada.username} on a public stage` })).id);
      expect(video.status).toBe('completed');
      const input = fake.submits()[before].input as { prompt: string; image_urls: string[]; video_urls: string[] };
      expect(input.prompt).toBe('@Image1 on a public stage');
      // The portrait stays inline JPEG (the stored one is WebP); the clip goes as a signed link.
      expect(input.image_urls[0]).toMatch(/^data:image\/jpeg;base64,/);
      expect(input.video_urls).toHaveLength(1);
      expect(input.video_urls[0].startsWith(`${server.url}/files/characters/${ada.id}/clip.mp4?`)).toBe(true);
      const clip = await fetch(input.video_urls[0]);
      expect(clip.status).toBe(200);
      expect(clip.headers.get('content-type')).toBe('video/mp4');
      await clip.arrayBuffer();
    } finally {
      await server.stop();
      await removeDir(server.dataDir);
    }
  });
});

describe('restart safety of a hosted render', () => {
  it('kill -9 mid-render: the restarted process resumes polling the same upstream job, never submitting again', async () => {
    const dataDir = await tempDataDir();
    try {
      const first = await startServer({ dataDir, env: falEnv() });
      const alice = client(first);
      const ada = await makeCharacter(alice, 'Ada');
      fake.hold();
      const before = fake.submits().length;
      const created = await alice.videos.create({ prompt: `@${ada.username} survives a crash` });
      await until('the submit', () => fake.submits().length > before);
      const { requestId } = fake.submits()[before];
      await until('the job to be polled', () => (fake.job(requestId)?.polls ?? 0) > 0);
      await first.kill();

      const second = await startServer({ dataDir, env: falEnv() });
      const alice2 = client(second);
      const polls = fake.job(requestId)?.polls ?? 0;
      await until('the restarted process to poll the job', () => (fake.job(requestId)?.polls ?? 0) > polls);
      fake.release();
      const video = await pollDone(alice2, created.id);
      expect(video.status).toBe('completed');
      expect(Buffer.from(await (await alice2.videos.downloadContent(video.id)).arrayBuffer()).equals(upstreamVideo)).toBe(true);
      expect(fake.submits().length - before).toBe(1);
      expect(fake.cancels()).not.toContain(requestId);
      await second.stop();
    } finally {
      await removeDir(dataDir);
    }
  });
});

describe('boot checks', () => {
  it('a model routed to fal without FAL_KEY refuses the boot with one line naming FAL_KEY', async () => {
    const dataDir = await tempDataDir();
    try {
      const r = await runCli(['serve'], { DATA_DIR: dataDir, PORT: '0', ENGINE_MODELS: `sora-2=fal:${SEEDANCE}`, FAL_KEY: undefined });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe('sora-characters: missing setting FAL_KEY: ENGINE_MODELS routes sora-2 to the fal engine');
    } finally {
      await removeDir(dataDir);
    }
  });

  it('a fal model of no known family refuses the boot naming it', async () => {
    const dataDir = await tempDataDir();
    try {
      const r = await runCli(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ENGINE_MODELS: 'sora-2=fal:fal-ai/flux/dev', FAL_KEY: 'k' });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/the fal engine does not know the model 'fal-ai\/flux\/dev'/);
    } finally {
      await removeDir(dataDir);
    }
  });
});
