import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';
import { makeVideo } from '../support/videos.js';
import { ALICE, bearer, killAll, type ServerProcess, startServer } from './support/server-process.js';

/**
 * The built service (`node dist/main.js serve`) with its assets on s3rver, started with exactly
 * the settings docs/api.md lists for an S3-compatible store.
 */
describe('e2e: the service on an S3-compatible bucket (s3rver)', () => {
  let s3: S3rverHandle;
  let server: ServerProcess;
  let bucket: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    bucket = await s3.newBucket();
    server = await startServer({
      env: {
        STORAGE_URL: `s3://${bucket}/sora-media`,
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: 'us-east-1',
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
  });
  afterAll(async () => {
    await killAll();
    await s3?.close();
  });

  it('creates a character whose portrait and clip come from the bucket through /files', async () => {
    const video = await readFile(await makeVideo({ durationSec: 4, width: 320, height: 180 }));
    const res = await server.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `data:video/mp4;base64,${video.toString('base64')}`, timestamps: '1,3' }),
    });
    const c = await res.json();
    expect(res.status, `${JSON.stringify(c)}\n${server.output()}`).toBe(200);
    expect(c.profile_picture_url.startsWith(`${server.url}/files/characters/${c.id}/portrait.webp?`)).toBe(true);

    const portrait = await fetch(c.profile_picture_url);
    expect([portrait.status, portrait.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const clip = Buffer.from(await (await fetch(c.clip_url)).arrayBuffer());
    const part = await fetch(c.clip_url, { headers: { range: 'bytes=4-11' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 4-11/${clip.length}`]);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe(clip.subarray(4, 12).toString('latin1'));

    await s3.settled();
    expect(s3.requests).toContain(`PUT /${bucket}/sora-media/characters/${c.id}/clip.mp4?x-id=PutObject`);
    expect(await (await server.fetch('/readyz')).json()).toEqual({ status: 'ok', checks: { store: 'ok', storage: 'ok', queue: 'ok' } });
  });
});
