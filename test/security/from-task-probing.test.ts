import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoTaskRecord } from '../../src/records/ports.js';
import { type Harness, startHarness } from '../support/harness.js';
import { rawExchange } from './support/raw-http.js';

/**
 * `from_task` cannot probe other keys' tasks: naming one answers, byte for byte on the wire
 * (status line, headers but Date, body), exactly as naming a task that does not exist.
 */
describe('from_task of another key answers as a missing one', () => {
  let h: Harness;
  let port: number;
  let bobQueued: string;
  const bobCompleted = `video_${randomUUID()}`;

  beforeAll(async () => {
    h = await startHarness();
    // Bob's tasks: one as the API makes it (queued), one completed with a video.
    await h.rt.queue.stop();
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.bob, payload: { prompt: 'a walk' } });
    expect(res.statusCode, res.body).toBe(200);
    bobQueued = res.json().id;
    const bob = await h.rt.keys.authenticate('sk-bob-test-key');
    const task: VideoTaskRecord = {
      id: bobCompleted,
      keyId: bob.keyId,
      model: 'sora-2',
      engine: 'local',
      status: 'completed',
      progress: 100,
      prompt: 'p',
      size: '720x1280',
      seconds: '4',
      remixedFromVideoId: null,
      characterIds: [],
      inputReferenceKey: null,
      videoKey: 'videos/x/video.mp4',
      thumbnailKey: null,
      spritesheetKey: null,
      durationSec: 4,
      errorCode: null,
      errorMessage: null,
      createdAt: 1,
      completedAt: 2,
      expiresAt: null,
    };
    await h.rt.store.tasks.insert(task);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Alice's create naming `taskId`, as raw bytes with the Date header out and the id replaced. */
  async function aliceCreateFrom(taskId: string): Promise<string> {
    const body = JSON.stringify({ from_task: taskId, timestamps: '1,3' });
    const request = [
      'POST /sora/v1/characters HTTP/1.1',
      'Host: 127.0.0.1',
      'Authorization: Bearer sk-alice-test-key',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n');
    const r = await rawExchange(port, [request], { giveUpMs: 10_000 });
    expect(r.closedByServer).toBe(true);
    return r.received.replace(/^date: .*\r\n/im, '').replaceAll(taskId, '<ID>');
  }

  it('a queued and a completed task of another key: the same bytes as a missing task id', async () => {
    const missing = await aliceCreateFrom(`video_${randomUUID()}`);
    expect(missing).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    const body = JSON.parse(missing.slice(missing.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ error: { message: 'no video task <ID>', type: 'not_found_error', param: 'from_task', code: 'task_not_found' } });
    for (const other of [bobQueued, bobCompleted]) {
      expect(other).toHaveLength(`video_${randomUUID()}`.length);
      expect(await aliceCreateFrom(other)).toBe(missing);
    }
  });
});
