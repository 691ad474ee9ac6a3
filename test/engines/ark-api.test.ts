import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArkApi } from '../../src/engines/ark/ark-api.js';
import type { UpstreamApi, UpstreamCharacter, UpstreamRender } from '../../src/engines/upstream-api.js';
import { UpstreamRefusal } from '../../src/engines/upstream-api.js';
import { type ArkFake, startArkFake } from '../support/fakes/ark-api.js';
import { makeVideo } from '../support/videos.js';

const KEY = 'ark-test-key';
const MODEL = 'seedance-test';
const jpeg = (s: string) => ({ url: `data:image/jpeg;base64,${Buffer.from(s).toString('base64')}`, contentType: 'image/jpeg' });
const ada: UpstreamCharacter = {
  username: 'sapkomrid.oddwingduo',
  displayName: 'Ada',
  portrait: jpeg('portrait'),
  frames: [jpeg('frame1'), jpeg('frame2')],
  voice: null,
  clip: null,
};
const render: UpstreamRender = {
  taskId: 'video_1',
  model: MODEL,
  prompt: `@${ada.username} waves at the camera`,
  width: 1280,
  height: 720,
  seconds: 8,
  characters: [ada],
  inputReference: null,
};

/** The ark adapter (an UpstreamApi) against the loopback fake of ModelArk. */
describe('ark adapter against the ModelArk fake', () => {
  let fake: ArkFake;
  let videoPath: string;
  let api: UpstreamApi;
  const signal = new AbortController().signal;
  const job = (id: string) => ({ id, model: MODEL });

  beforeAll(async () => {
    videoPath = await makeVideo({ durationSec: 1, width: 320, height: 180 });
  });
  beforeEach(async () => {
    await fake?.close();
    fake = await startArkFake({ apiKey: KEY, videoPath, models: [MODEL] });
    api = createArkApi({ apiKey: KEY, baseUrl: fake.baseUrl, send: { maxImages: 4, media: 'images' }, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
  });
  afterAll(() => fake?.close());

  it('submits the documented body with the Bearer key, polls queued -> in_progress -> completed, and the result URL serves the MP4', async () => {
    const id = await api.submit(render, signal);
    expect(id).toMatch(/^cgt-/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/api/v3/contents/generations/tasks', authorization: `Bearer ${KEY}` });
    expect(fake.requests[0].body).toEqual({
      model: MODEL,
      content: [
        { type: 'text', text: '[Image 1][Image 2][Image 3] waves at the camera' },
        { type: 'image_url', image_url: { url: ada.portrait.url }, role: 'reference_image' },
        { type: 'image_url', image_url: { url: ada.frames[0].url }, role: 'reference_image' },
        { type: 'image_url', image_url: { url: ada.frames[1].url }, role: 'reference_image' },
      ],
      ratio: '16:9',
      resolution: '720p',
      duration: 8,
      watermark: false,
    });
    const states = [];
    for (let i = 0; i < 5; i++) {
      const s = await api.status(job(id), signal);
      states.push(s.state);
      if (s.state === 'completed') break;
    }
    expect(states).toEqual(['queued', 'in_progress', 'completed']);
    const url = await api.resultUrl(job(id), signal);
    expect(url).toBe(`${fake.baseUrl.replace('/api/v3', '')}/media/${id}.mp4`);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(bytes.equals(await readFile(videoPath))).toBe(true);
    expect(
      fake.requests
        .filter((r) => r.method === 'GET')
        .every((r) => r.path === `/api/v3/contents/generations/tasks/${id}` && r.authorization === `Bearer ${KEY}`),
    ).toBe(true);
  });

  it('a 429 on the create is retried after its Retry-After, and only one task exists', async () => {
    fake.rateLimitOnce();
    const id = await api.submit(render, signal);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect([...fake.tasks.keys()]).toEqual([id]);
  });

  it('a wrong key is refused for good (no retry), naming AuthenticationError', async () => {
    const wrong = createArkApi({ apiKey: 'wrong', baseUrl: fake.baseUrl, send: { maxImages: 4, media: 'images' }, retry: { baseDelayMs: 10 } });
    const e = await wrong.submit(render, signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamRefusal);
    expect((e as UpstreamRefusal).failure).toMatchObject({ moderation: false, code: 'AuthenticationError' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.tasks.size).toBe(0);
  });

  it('a prompt refused at create is a moderation refusal with the upstream message', async () => {
    fake.refuseNextCreate('InputTextSensitiveContentDetected', 'The request failed because the input text may contain sensitive information.');
    const e = (await api.submit(render, signal).catch((x: unknown) => x)) as UpstreamRefusal;
    expect(e).toBeInstanceOf(UpstreamRefusal);
    expect(e.failure.moderation).toBe(true);
    expect(e.failure.code).toBe('InputTextSensitiveContentDetected');
    expect(e.failure.message).toMatch(/^The request failed because the input text may contain sensitive information\. Request id: /);
  });

  it('a task that fails on its output is a moderation failure in status, and resultUrl refuses', async () => {
    fake.failTasks('OutputVideoSensitiveContentDetected', 'The request failed because the output video may contain sensitive information.');
    const id = await api.submit(render, signal);
    let s = await api.status(job(id), signal);
    while (s.state === 'queued' || s.state === 'in_progress') s = await api.status(job(id), signal);
    expect(s).toEqual({
      state: 'failed',
      failure: {
        moderation: true,
        code: 'OutputVideoSensitiveContentDetected',
        message: 'The request failed because the output video may contain sensitive information.',
      },
    });
    await expect(api.resultUrl(job(id), signal)).rejects.toMatchObject({ failure: { moderation: true, code: 'OutputVideoSensitiveContentDetected' } });
  });

  it('an unknown model is refused naming its code', async () => {
    await expect(api.submit({ ...render, model: 'nope' }, signal)).rejects.toMatchObject({
      failure: { moderation: false, code: 'InvalidEndpointOrModel.NotFound' },
    });
  });

  it('cancel DELETEs the task: a queued one ends cancelled; a running one only when the upstream honours it', async () => {
    const queued = await api.submit(render, signal);
    await api.cancel(job(queued), signal);
    expect(fake.tasks.get(queued)?.status).toBe('cancelled');
    expect(await api.status(job(queued), signal)).toMatchObject({ state: 'failed', failure: { code: 'cancelled' } });

    fake.holdRunning();
    const running = await api.submit(render, signal);
    await api.status(job(running), signal);
    expect(await api.status(job(running), signal)).toEqual({ state: 'in_progress' });
    await expect(api.cancel(job(running), signal)).rejects.toMatchObject({ failure: { code: 'InvalidAction.TaskRunning' } });
    fake.honourDeleteWhileRunning();
    await api.cancel(job(running), signal);
    expect(fake.tasks.get(running)?.status).toBe('cancelled');
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/api/v3/contents/generations/tasks/${queued}`,
      `/api/v3/contents/generations/tasks/${running}`,
      `/api/v3/contents/generations/tasks/${running}`,
    ]);
  });

  it('with ARK_REFERENCE_MEDIA=all a linked clip and voice go as video_url / audio_url references', async () => {
    const all = createArkApi({ apiKey: KEY, baseUrl: fake.baseUrl, send: { maxImages: 1, media: 'all' } });
    const linked: UpstreamCharacter = {
      ...ada,
      clip: { url: 'https://sc.example/files/clip.mp4?sig=1', contentType: 'video/mp4' },
      voice: { url: 'https://sc.example/files/voice.m4a?sig=1', contentType: 'audio/mp4' },
    };
    const id = await all.submit({ ...render, characters: [linked] }, signal);
    expect(fake.tasks.get(id)?.body.content).toEqual([
      { type: 'text', text: '[Image 1][Video 1][Audio 1] waves at the camera' },
      { type: 'image_url', image_url: { url: ada.portrait.url }, role: 'reference_image' },
      { type: 'video_url', video_url: { url: 'https://sc.example/files/clip.mp4?sig=1' }, role: 'reference_video' },
      { type: 'audio_url', audio_url: { url: 'https://sc.example/files/voice.m4a?sig=1' }, role: 'reference_audio' },
    ]);
  });

  it('the fake refuses a body the SDK would not send (a ratio ModelArk does not know)', async () => {
    const { createArkClient } = await import('../../src/engines/ark/api.js');
    const client = createArkClient({ apiKey: KEY, baseUrl: fake.baseUrl });
    await expect(client.createTask({ model: MODEL, content: [{ type: 'text', text: 'x' }], ratio: '2:1' }, signal)).rejects.toMatchObject({
      failure: { code: 'InvalidParameter' },
    });
  });
});
