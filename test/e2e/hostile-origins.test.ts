import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hostile from '../fetch/hostile-answers.js';
import { type PythonOrigin, startPythonOrigin } from '../fetch/python-origin.js';
import { type RawAnswer, type RawOrigin, startRawOrigin } from '../fetch/raw-origin.js';
import { makeGarbage, makeVideo } from '../support/videos.js';
import { ALICE, bearer, ensureBuilt, killAll, removeDir, type ServerProcess, startServer } from './support/server-process.js';

const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/**
 * One real server process (`node dist/main.js serve`) against every kind of misbehaving origin in
 * turn: each create ends in its clear error or a character, and the process outlives them all.
 */
describe('e2e: hostile origins do not take the process down', () => {
  let server: ServerProcess;
  let pid: number | undefined;
  let python: PythonOrigin;
  let origin: RawOrigin;
  let videoName: string;

  beforeAll(async () => {
    const [videoPath] = await Promise.all([makeVideo({ durationSec: 4, width: 640, height: 360 }), ensureBuilt()]);
    const video = await readFile(videoPath);
    const garbage = await readFile(await makeGarbage());
    videoName = basename(videoPath);
    python = await startPythonOrigin(dirname(videoPath));
    // Each path of this one origin misbehaves its own way.
    const answers: Record<string, RawAnswer> = {
      '/good.mp4': hostile.http10WithLength(video),
      '/http10-no-length.mp4': hostile.http10WithoutLength(video),
      '/connection-close.mp4': hostile.connectionCloseWithoutLength(video),
      '/close-early.mp4': hostile.closeEarly(video),
      '/reset.mp4': hostile.resetMidBody(video),
      '/reset-at-once.mp4': hostile.resetWithoutAnswer(),
      '/garbage-status.mp4': hostile.garbageStatusLine(),
      '/bad-headers.mp4': hostile.invalidHeaderLines(video),
      '/bad-chunked.mp4': hostile.badChunkedEncoding(video),
      '/junk-media.mp4': hostile.http10WithLength(garbage),
      '/stall-headers.mp4': hostile.stallAfterHeaders(video),
      '/stall-body.mp4': hostile.stallMidBody(video),
      '/more-than-length.mp4': hostile.moreThanLength(Buffer.concat([video, randomBytes(64 * 1024)]), video.length),
      '/declares-too-much.mp4': hostile.declaresLength(50 * 1024 * 1024),
      '/runs-past-the-cap.mp4': hostile.http10WithoutLength(randomBytes(MAX_SOURCE_BYTES + 1024 * 1024)),
      '/404.mp4': hostile.answerStatus(404),
      '/503.mp4': hostile.answerStatus(503),
      '/range-honest.mp4': hostile.rangeOrigin(video, null),
      '/range-reset.mp4': hostile.rangeOrigin(video, 'reset'),
      '/range-reset-before-body.mp4': hostile.rangeOrigin(video, 'reset-before-body'),
      '/range-stall.mp4': hostile.rangeOrigin(video, 'stall'),
      '/range-wrong.mp4': hostile.rangeOrigin(video, 'wrong-range'),
      '/range-ignored.mp4': hostile.rangeOrigin(video, 'ignore-range'),
    };
    origin = await startRawOrigin((socket, req) => (answers[req.path] ?? hostile.answerStatus(404))(socket, req));
    server = await startServer({
      env: { DOWNLOAD_TIMEOUT_MS: '3000', RANGE_READ_MIN_BYTES: String(64 * 1024), MAX_SOURCE_BYTES: String(MAX_SOURCE_BYTES) },
    });
    pid = server.child.pid;
  });
  afterAll(async () => {
    await server?.stop();
    await killAll();
    await origin?.close();
    await python?.close();
    await removeDir(server?.dataDir);
  });

  async function create(url: string) {
    const res = await server
      .fetch('/sora/v1/characters', {
        method: 'POST',
        headers: { ...bearer(ALICE), 'content-type': 'application/json' },
        body: JSON.stringify({ url, timestamps: '1,3' }),
        signal: AbortSignal.timeout(60_000),
      })
      .catch((e: unknown) => {
        // The process going down shows here first: say why, with what it printed.
        throw new Error(`POST for ${url} failed (${String(e)}; exit code ${server.child.exitCode}, signal ${server.child.signalCode})\n${server.output()}`);
      });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text), text };
  }

  it('python3 -m http.server: 200 and a ready character', async () => {
    const res = await create(python.url(videoName));
    expect(res.status, `${res.text}\n${server.output()}`).toBe(200);
    expect(res.body.status).toBe('ready');
  });

  it.each([
    ['/http10-no-length.mp4', 200, 'ready'],
    ['/connection-close.mp4', 200, 'ready'],
    ['/more-than-length.mp4', 200, 'ready'],
    ['/close-early.mp4', 502, 'source_unreachable'],
    ['/reset.mp4', 502, 'source_unreachable'],
    ['/reset-at-once.mp4', 502, 'source_unreachable'],
    ['/garbage-status.mp4', 502, 'source_unreachable'],
    ['/bad-headers.mp4', 502, 'source_unreachable'],
    ['/bad-chunked.mp4', 502, 'source_unreachable'],
    ['/junk-media.mp4', 422, 'unsupported_media'],
    ['/stall-headers.mp4', 504, 'source_timeout'],
    ['/stall-body.mp4', 504, 'source_timeout'],
    ['/declares-too-much.mp4', 413, 'source_too_large'],
    ['/runs-past-the-cap.mp4', 413, 'source_too_large'],
    ['/404.mp4', 400, 'invalid_url'],
    ['/503.mp4', 502, 'source_unreachable'],
    ['/range-honest.mp4', 200, 'ready'],
    ['/range-reset.mp4', 200, 'ready'],
    ['/range-reset-before-body.mp4', 502, 'source_unreachable'],
    ['/range-stall.mp4', 504, 'source_timeout'],
    ['/range-wrong.mp4', 502, 'source_unreachable'],
    ['/range-ignored.mp4', 502, 'source_unreachable'],
  ] as const)('%s: %i %s', async (path, status, outcome) => {
    const res = await create(origin.url(path));
    expect(res.status, `${res.text}\n${server.output()}`).toBe(status);
    if (outcome === 'ready') expect(res.body.status).toBe('ready');
    else expect(res.body.error.code).toBe(outcome);
    expect(server.child.exitCode, server.output()).toBeNull();
  });

  it('afterwards the same process is alive, healthy, and still makes a character', async () => {
    expect(server.child.pid).toBe(pid);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    const health = await server.fetch('/healthz');
    expect(health.status).toBe(200);
    await health.body?.cancel();
    const res = await create(origin.url('/good.mp4'));
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(server.stderr()).not.toMatch(/uncaught|unhandled/i);
    expect(server.stdout()).not.toMatch(/uncaught|unhandled/i);
  });
});
