import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArkHttpError, createArkApi } from '../../src/engines/ark/api.js';
import { toCreateTask } from '../../src/engines/ark/request.js';
import { type ArkFake, startArkFake } from '../support/fakes/ark-api.js';
import { makeVideo } from '../support/videos.js';

/** The ark API client (where to call) against the loopback fake of ModelArk. */
describe('ark api client against the ModelArk fake', () => {
  let fake: ArkFake;
  let videoPath: string;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    videoPath = await makeVideo({ durationSec: 1, width: 320, height: 180 });
    fake = await startArkFake({ apiKey: 'ark-test-key', videoPath, models: ['seedance-test'] });
  });
  afterAll(() => fake?.close());

  const body = () =>
    toCreateTask(
      {
        prompt: '@ab.cde waves',
        width: 720,
        height: 1280,
        seconds: 4,
        characters: [{ username: 'ab.cde', images: ['data:image/webp;base64,UklGRg=='] }],
        inputReference: null,
      },
      'seedance-test',
      4,
    );

  it('creates, polls queued -> running -> succeeded, and the video_url serves the MP4', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    const id = await api.createTask(body(), signal);
    expect(id).toMatch(/^cgt-/);
    const create = fake.requests.at(-1);
    expect(create).toMatchObject({ method: 'POST', path: '/api/v3/contents/generations/tasks', authorization: 'Bearer ark-test-key' });
    expect(create?.body).toEqual(body());
    const states = [];
    for (let i = 0; i < 5; i++) {
      const t = await api.getTask(id, signal);
      states.push(t.status);
      if (t.status === 'succeeded') {
        const res = await fetch(t.content?.video_url ?? '');
        expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(videoPath))).toBe(true);
        break;
      }
    }
    expect(states).toEqual(['queued', 'running', 'succeeded']);
  });

  it('a wrong key is a 401 AuthenticationError, not retryable, an engine_error naming it', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'wrong' });
    const e = await api.createTask(body(), signal).catch((x) => x);
    expect(e).toBeInstanceOf(ArkHttpError);
    expect(e).toMatchObject({ status: 401, code: 'AuthenticationError', retryable: false });
    expect(e.toAppError().code).toBe('engine_error');
    expect(e.toAppError().message).toMatch(/^The ark engine failed to render the video \(AuthenticationError: /);
  });

  it('a 429 carries its Retry-After and is retryable; the next call goes through', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    fake.rateLimitOnce();
    const e = await api.createTask(body(), signal).catch((x) => x);
    expect(e).toMatchObject({ status: 429, code: 'RateLimitExceeded.EndpointRPMExceeded', retryAfter: 1, retryable: true });
    await expect(api.createTask(body(), signal)).resolves.toMatch(/^cgt-/);
  });

  it('a refused prompt is moderation_blocked with the upstream message', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    fake.refuseNextCreate('InputTextSensitiveContentDetected', 'The request failed because the input text may contain sensitive information.');
    const e = await api.createTask(body(), signal).catch((x) => x);
    expect(e).toMatchObject({ status: 400, code: 'InputTextSensitiveContentDetected', retryable: false });
    expect(e.toAppError().code).toBe('moderation_blocked');
    expect(e.toAppError().message).toMatch(/^The request failed because the input text may contain sensitive information\. Request id: /);
  });

  it('an unknown model is a 404 engine_error naming the code', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    const e = await api.createTask({ ...body(), model: 'nope' }, signal).catch((x) => x);
    expect(e).toMatchObject({ status: 404, code: 'InvalidEndpointOrModel.NotFound' });
    expect(e.toAppError().code).toBe('engine_error');
  });

  it('DELETE cancels a queued task; a running one is refused unless the fake honours it', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    const queued = await api.createTask(body(), signal);
    await api.deleteTask(queued);
    expect((await api.getTask(queued, signal)).status).toBe('cancelled');
    fake.holdRunning();
    const running = await api.createTask(body(), signal);
    await api.getTask(running, signal);
    expect((await api.getTask(running, signal)).status).toBe('running');
    await expect(api.deleteTask(running)).rejects.toMatchObject({ status: 409 });
    fake.honourDeleteWhileRunning();
    await api.deleteTask(running);
    expect((await api.getTask(running, signal)).status).toBe('cancelled');
    fake.release();
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/api/v3/contents/generations/tasks/${queued}`,
      `/api/v3/contents/generations/tasks/${running}`,
      `/api/v3/contents/generations/tasks/${running}`,
    ]);
  });

  it('a task that fails upstream reports the error the SDK declares', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    fake.failTasks('OutputVideoSensitiveContentDetected', 'The request failed because the output video may contain sensitive information.');
    const id = await api.createTask(body(), signal);
    let t = await api.getTask(id, signal);
    while (t.status === 'queued' || t.status === 'running') t = await api.getTask(id, signal);
    expect(t).toMatchObject({ status: 'failed', error: { code: 'OutputVideoSensitiveContentDetected' } });
  });

  it('the fake refuses a body the SDK would not send (a bad ratio)', async () => {
    const api = createArkApi({ baseUrl: fake.baseUrl, apiKey: 'ark-test-key' });
    await expect(api.createTask({ ...body(), ratio: '2:1' }, signal)).rejects.toMatchObject({ status: 400, code: 'InvalidParameter' });
  });
});
