import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFalEngine } from '../../src/engines/fal/index.js';
import type { RenderRequest, UpstreamCheckpoint, UpstreamJobRef } from '../../src/engines/ports.js';
import { AppError } from '../../src/errors.js';
import { type FakeFalQueue, startFakeFalQueue } from '../support/fakes/fal-queue.js';
import { makeCharacterFiles, makeUpstreamVideo } from '../support/fal-fixtures.js';

const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';
const KLING = 'fal-ai/kling-video/o3/pro/reference-to-video';

let dir: string;
let fake: FakeFalQueue;
let video: Buffer;
let ada: Awaited<ReturnType<typeof makeCharacterFiles>>;
let bo: Awaited<ReturnType<typeof makeCharacterFiles>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sc-fal-'));
  video = await makeUpstreamVideo(dir);
  fake = await startFakeFalQueue({ video });
  ada = await makeCharacterFiles(dir, 'ada', '#c0392b');
  bo = await makeCharacterFiles(dir, 'bo', '#2980b9');
});
afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.setBehaviour('complete');
  fake.release();
  fake.setPollsToComplete(2);
  fake.requests.length = 0;
});

/** The task's checkpoint, kept in memory the way the render job keeps it in the store. */
function memoryCheckpoint(start: UpstreamCheckpoint['state'] = { phase: 'none' }, slots = { free: 4 }) {
  const rec = { state: start, exists: true, claims: 0, job: null as UpstreamJobRef | null };
  const cp: UpstreamCheckpoint = {
    state: start,
    async claimSlot(_limit, _model, at) {
      rec.claims++;
      if (slots.free <= 0) return false;
      slots.free--;
      rec.state = { phase: 'submitting', since: at };
      return true;
    },
    async recordSubmitted(job) {
      rec.job = job;
      rec.state = { phase: 'submitted', job };
    },
    exists: async () => rec.exists,
  };
  return { cp, rec };
}

function engine(over: Partial<Parameters<typeof createFalEngine>[0]> = {}) {
  return createFalEngine({
    key: fake.key,
    queueUrl: fake.url,
    concurrency: 2,
    pollIntervalMs: 20,
    taskTimeoutMs: 60_000,
    download: async (url, dest) => {
      const res = await fetch(url);
      await import('node:fs/promises').then((fs) => res.arrayBuffer().then((b) => fs.writeFile(dest, Buffer.from(b))));
    },
    binaries: { ffmpeg: process.env.FFMPEG_PATH || 'ffmpeg', ffprobe: process.env.FFPROBE_PATH || 'ffprobe' },
    upstreamModels: [SEEDANCE, KLING],
    retry: { baseDelayMs: 10 },
    ...over,
  });
}

async function request(model: string, cp: UpstreamCheckpoint, prompt = '@aaa.ada and @bbb.bob wave'): Promise<RenderRequest> {
  const workDir = await mkdtemp(join(dir, 'work-'));
  return {
    taskId: 'video_t',
    prompt,
    width: 720,
    height: 1280,
    seconds: 8,
    inputReferencePath: null,
    characters: [
      {
        id: 'ch_a',
        username: 'aaa.ada',
        displayName: 'Ada',
        clipPath: ada.clipPath,
        portraitPath: ada.portraitPath,
        framePaths: ada.framePaths,
        voicePath: ada.voicePath,
      },
      { id: 'ch_b', username: 'bbb.bob', displayName: 'Bo', clipPath: bo.clipPath, portraitPath: bo.portraitPath, framePaths: [], voicePath: null },
    ],
    remixOfVideoPath: null,
    workDir,
    upstreamModel: model,
    upstream: cp,
  };
}

const imageOf = async (dataUri: string) => {
  const m = /^data:(image\/[a-z]+);base64,(.*)$/.exec(dataUri);
  expect(m).not.toBeNull();
  return { type: m?.[1], meta: await sharp(Buffer.from(m?.[2] ?? '', 'base64')).metadata() };
};

describe('the fal engine on the fake fal queue', () => {
  it('Seedance: submits once with @Image names and inline JPEGs, keeps the upstream id, and brings the video home byte for byte with local previews', async () => {
    const { cp, rec } = memoryCheckpoint();
    const seen: number[] = [];
    const req = await request(SEEDANCE, cp);
    const result = await engine().render(req, (p) => seen.push(p), new AbortController().signal);
    const submits = fake.submits();
    expect(submits).toHaveLength(1);
    expect(submits[0].endpoint).toBe(SEEDANCE);
    const input = submits[0].input as {
      prompt: string;
      image_urls: string[];
      audio_urls: string[];
      duration: string;
      aspect_ratio: string;
      resolution: string;
    };
    expect(input.prompt).toBe('@Image1 and @Image2 wave');
    expect(input).toMatchObject({ duration: '8', aspect_ratio: '9:16', resolution: '720p' });
    // Portraits first (the WebP converted to JPEG), then the frames.
    expect(input.image_urls).toHaveLength(4);
    const first = await imageOf(input.image_urls[0]);
    expect(first).toMatchObject({ type: 'image/jpeg', meta: { format: 'jpeg', width: 512, height: 512 } });
    expect(input.image_urls[2]).toBe(`data:image/jpeg;base64,${(await readFile(ada.framePaths[0])).toString('base64')}`);
    expect(input.audio_urls).toEqual([`data:audio/mp4;base64,${(await readFile(ada.voicePath)).toString('base64')}`]);
    expect(fake.requests.find((r) => r.method === 'POST')?.headers).toMatchObject({ authorization: `Key ${fake.key}`, 'x-fal-queue-priority': 'normal' });
    // The id was written on the task, and status went to the app path, as fal-js does.
    expect(rec.job).toMatchObject({ id: submits[0].requestId, model: SEEDANCE });
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === `/bytedance/seedance-2.0/requests/${submits[0].requestId}/status?logs=0`)).toBe(true);
    expect(await readFile(result.videoPath)).toEqual(video);
    expect((await sharp(result.thumbnailPath).metadata()).format).toBe('webp');
    expect((await sharp(result.spritesheetPath).metadata()).format).toBe('jpeg');
    expect(result.durationSec).toBeCloseTo(2, 1);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(100);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('Kling O3: one element per character (portrait frontal, frames as references), @Element names', async () => {
    const { cp } = memoryCheckpoint();
    await engine().render(await request(KLING, cp, 'a duel: @aaa.ada versus @BBB.Bob'), () => {}, new AbortController().signal);
    const [s] = fake.submits();
    expect(s.endpoint).toBe(KLING);
    const input = s.input as {
      prompt: string;
      elements: { frontal_image_url: string; reference_image_urls: string[] }[];
      duration: string;
      aspect_ratio: string;
    };
    expect(input.prompt).toBe('a duel: @Element1 versus @Element2');
    expect(input.elements).toHaveLength(2);
    expect((await imageOf(input.elements[0].frontal_image_url)).type).toBe('image/jpeg');
    expect(input.elements[0].reference_image_urls).toHaveLength(2);
    // A character without frames: its portrait stands alone.
    expect(input.elements[1].reference_image_urls).toEqual([input.elements[1].frontal_image_url]);
    expect(input).toMatchObject({ duration: '8', aspect_ratio: '9:16' });
    expect(fake.requests.some((r) => r.path.startsWith(`/fal-ai/kling-video/requests/${s.requestId}/status`))).toBe(true);
  });

  it('retries a 429 (Retry-After honoured) and submits once', async () => {
    fake.rateLimitNext(1, 0);
    const { cp } = memoryCheckpoint();
    await engine().render(await request(SEEDANCE, cp), () => {}, new AbortController().signal);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(fake.submits()).toHaveLength(1);
  });

  it('a content_policy_violation becomes moderation_blocked with the upstream message', async () => {
    fake.setBehaviour('content_policy');
    const { cp } = memoryCheckpoint();
    const err = await engine()
      .render(await request(SEEDANCE, cp), () => {}, new AbortController().signal)
      .catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'moderation_blocked', message: expect.stringMatching(/flagged by a content checker/) });
  });

  it('another upstream failure becomes engine_error naming the upstream code', async () => {
    fake.setBehaviour('fail');
    const { cp } = memoryCheckpoint();
    const err = await engine()
      .render(await request(SEEDANCE, cp), () => {}, new AbortController().signal)
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'engine_error', message: expect.stringMatching(/runner_server_error/) });
  });

  it('resumes a job found on the task: polls it, never submits again', async () => {
    const first = memoryCheckpoint();
    fake.hold();
    const ac = new AbortController();
    const running = engine().render(await request(SEEDANCE, first.cp), () => {}, ac.signal);
    while (!first.rec.job) await new Promise((r) => setTimeout(r, 10));
    // A shutdown: the render stops, the upstream job is not cancelled.
    ac.abort(new Error('shutdown'));
    await expect(running).rejects.toMatchObject({ code: 'engine_error' });
    expect(fake.cancels()).toEqual([]);
    fake.release();
    const again = memoryCheckpoint({ phase: 'submitted', job: first.rec.job });
    const result = await engine().render(await request(SEEDANCE, again.cp), () => {}, new AbortController().signal);
    expect(await readFile(result.videoPath)).toEqual(video);
    expect(fake.submits()).toHaveLength(1);
    expect(again.rec.claims).toBe(0);
  });

  it('a task found mid-submit is failed, not submitted a second time', async () => {
    const { cp } = memoryCheckpoint({ phase: 'submitting', since: Date.now() });
    await expect(engine().render(await request(SEEDANCE, cp), () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'engine_error',
      message: expect.stringMatching(/not sent twice/),
    });
    expect(fake.requests).toEqual([]);
  });

  it('cancels upstream when the task is deleted while it renders', async () => {
    fake.hold();
    const { cp, rec } = memoryCheckpoint();
    const running = engine().render(await request(SEEDANCE, cp), () => {}, new AbortController().signal);
    while (!rec.job) await new Promise((r) => setTimeout(r, 10));
    rec.exists = false;
    await expect(running).rejects.toMatchObject({ code: 'engine_error', message: expect.stringMatching(/deleted/) });
    expect(fake.cancels()).toEqual([rec.job.id]);
    expect(fake.requests.find((r) => r.method === 'PUT')?.path).toBe(`/bytedance/seedance-2.0/requests/${rec.job.id}/cancel`);
  });

  it('cancels upstream and fails a job that outlives the task timeout', async () => {
    fake.setBehaviour('hang');
    const { cp, rec } = memoryCheckpoint();
    await expect(engine({ taskTimeoutMs: 1000 }).render(await request(SEEDANCE, cp), () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'engine_error',
      message: expect.stringMatching(/did not finish/),
    });
    expect(fake.cancels()).toEqual([rec.job?.id]);
  });

  it('waits for a free upstream slot before submitting', async () => {
    const slots = { free: 0 };
    const { cp, rec } = memoryCheckpoint({ phase: 'none' }, slots);
    const running = engine().render(await request(SEEDANCE, cp), () => {}, new AbortController().signal);
    while (rec.claims < 3) await new Promise((r) => setTimeout(r, 10));
    expect(fake.requests).toEqual([]);
    slots.free = 1;
    await running;
    expect(fake.submits()).toHaveLength(1);
  });

  it('keeps polling through an upstream that stops answering (connection refused), and completes when it is back', async () => {
    let down = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes('/status') && down < 9) {
        down++;
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      }
      return fetch(input, init);
    };
    const { cp } = memoryCheckpoint();
    const result = await engine({ fetchImpl: flaky, retry: { attempts: 2, baseDelayMs: 5 } }).render(
      await request(SEEDANCE, cp),
      () => {},
      new AbortController().signal,
    );
    expect(down).toBe(9);
    expect(await readFile(result.videoPath)).toEqual(video);
    expect(fake.submits()).toHaveLength(1);
  });

  it('a submit that gets no answer is not sent again (the upstream may have the job): the task fails', async () => {
    let posts = 0;
    const broken: typeof fetch = async (input, init) => {
      if (init?.method === 'POST') {
        posts++;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const { cp } = memoryCheckpoint();
    await expect(engine({ fetchImpl: broken }).render(await request(SEEDANCE, cp), () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'engine_error',
    });
    expect(posts).toBe(1);
  });

  it('refuses at boot a fal model of no known family', () => {
    expect(() => engine({ upstreamModels: ['fal-ai/some-image-model'] })).toThrow(/does not know the model 'fal-ai\/some-image-model'/);
  });
});
