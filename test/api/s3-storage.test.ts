import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { withSmallBlobCache } from '../../src/blobs/small-blob-cache.js';
import { readAll } from '../blobs/blob-store-contract.js';
import { dataUrlOf, type Harness, startHarness } from '../support/harness.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';
import { makeVideo } from '../support/videos.js';

/**
 * The service with STORAGE_URL on an S3 bucket (s3rver on loopback): a character's assets go to
 * the bucket, and its signed URLs still point at the service, which streams them from S3 with Range.
 */
let s3: S3rverHandle;
let bucket: string;
let source: string;

const s3Env = () => ({
  STORAGE_URL: `s3://${bucket}/media`,
  S3_ENDPOINT: s3.endpoint,
  S3_FORCE_PATH_STYLE: 'true',
  AWS_ACCESS_KEY_ID: s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
});

beforeAll(async () => {
  s3 = await startS3rver();
  bucket = await s3.newBucket();
  source = dataUrlOf(await readFile(await makeVideo({ durationSec: 4, width: 320, height: 180 })));
});
afterAll(async () => {
  await s3?.close();
});

const local = (absolute: string) => absolute.replace('http://sc.test', '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bucket as it is, without the service's prefix. */
const rawBucket = () =>
  createS3BlobStore({ bucket, prefix: '', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

async function createCharacter(h: Harness) {
  const res = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: source, timestamps: '1,3' } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { id: string; profile_picture_url: string; clip_url: string };
}

describe('STORAGE_URL=s3://: files through the service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(s3Env());
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps the assets in the bucket under the prefix and serves them through /files, with Range', async () => {
    const c = await createCharacter(h);
    expect(c.profile_picture_url).toMatch(/^http:\/\/sc\.test\/files\/characters\/ch_[0-9a-f]{32}\/portrait\.webp\?exp=\d+&sig=/);
    const raw = rawBucket();
    const portraitObject = await readAll(await raw.read(`media/characters/${c.id}/portrait.webp`));
    const clipObject = await readAll(await raw.read(`media/characters/${c.id}/clip.mp4`));
    expect(await raw.stat(`media/characters/${c.id}/clip.mp4`)).toMatchObject({ contentType: 'video/mp4' });
    raw.close();

    const portrait = await h.app.inject({ method: 'GET', url: local(c.profile_picture_url) });
    expect(portrait.statusCode).toBe(200);
    expect(portrait.headers['content-type']).toBe('image/webp');
    expect(portrait.rawPayload.equals(portraitObject)).toBe(true);
    const portraitPart = await h.app.inject({ method: 'GET', url: local(c.profile_picture_url), headers: { range: 'bytes=0-99' } });
    expect([portraitPart.statusCode, portraitPart.headers['content-range']]).toEqual([206, `bytes 0-99/${portraitObject.length}`]);
    expect(portraitPart.rawPayload.equals(portraitObject.subarray(0, 100))).toBe(true);

    const clip = await h.app.inject({ method: 'GET', url: local(c.clip_url) });
    expect([clip.statusCode, clip.headers['content-type'], clip.headers['accept-ranges']]).toEqual([200, 'video/mp4', 'bytes']);
    expect(clip.rawPayload.equals(clipObject)).toBe(true);
    const middle = await h.app.inject({ method: 'GET', url: local(c.clip_url), headers: { range: 'bytes=100-1099' } });
    expect([middle.statusCode, middle.headers['content-range'], middle.headers['content-length']]).toEqual([
      206,
      `bytes 100-1099/${clipObject.length}`,
      '1000',
    ]);
    expect(middle.rawPayload.equals(clipObject.subarray(100, 1100))).toBe(true);
    const tail = await h.app.inject({ method: 'GET', url: local(c.clip_url), headers: { range: 'bytes=-500' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(clipObject.subarray(clipObject.length - 500))).toBe(true);
    const first = await h.app.inject({ method: 'GET', url: local(c.clip_url), headers: { range: 'bytes=0-0' } });
    expect([first.statusCode, first.rawPayload.length, first.rawPayload[0]]).toEqual([206, 1, clipObject[0]]);
    const beyond = await h.app.inject({ method: 'GET', url: local(c.clip_url), headers: { range: `bytes=${clipObject.length}-` } });
    expect([beyond.statusCode, beyond.headers['content-range']]).toEqual([416, `bytes */${clipObject.length}`]);

    const tampered = await h.app.inject({ method: 'GET', url: local(c.clip_url).replace(/sig=./, (m) => `${m.slice(0, -1)}${m.endsWith('A') ? 'B' : 'A'}`) });
    expect([tampered.statusCode, tampered.json().error.code]).toEqual([403, 'invalid_signature']);
  });

  it('a hot portrait costs one HEAD and one GET in all, however long it is read (no recheck per second on S3)', async () => {
    const c = await createCharacter(h);
    const objectPath = `/${bucket}/media/characters/${c.id}/portrait.webp`;
    await s3.settled();
    const from = s3.requests.length;
    // 16 reads over more than 3 s: a once-a-second recheck would have sent 3 HEADs or more.
    const started = Date.now();
    for (let i = 0; i < 16; i++) {
      const res = await h.app.inject({ method: 'GET', url: local(c.profile_picture_url) });
      expect(res.statusCode).toBe(200);
      await sleep(220);
    }
    expect(Date.now() - started).toBeGreaterThan(3000);
    await s3.settled();
    const reaching = s3.requests.slice(from).filter((r) => r.split('?')[0]!.endsWith(objectPath));
    expect(reaching.map((r) => r.split(' ')[0])).toEqual(['HEAD', 'GET']);
  });

  it('the disk policy (recheck once a second) would cost a HEAD per second on S3: counted at s3rver', async () => {
    let t = 0;
    const store = createS3BlobStore({
      bucket,
      prefix: 'recheck/',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    const cache = withSmallBlobCache(store, { recheckMs: 1000, now: () => t });
    await cache.putBuffer('hot.webp', Buffer.alloc(2000, 1), 'image/webp');
    await s3.settled();
    const from = s3.requests.length;
    for (let second = 0; second < 10; second++) {
      t = second * 1000;
      for (let i = 0; i < 5; i++) await cache.load('hot.webp');
    }
    await s3.settled();
    const heads = s3.requests.slice(from).filter((r) => r.startsWith('HEAD') && r.includes('/recheck/hot.webp'));
    expect(heads.length).toBe(10);
    store.close();
  });

  it('deleting a character deletes its objects; its signed URLs then answer 404', async () => {
    const c = await createCharacter(h);
    expect((await h.app.inject({ method: 'GET', url: local(c.profile_picture_url) })).statusCode).toBe(200);
    const del = await h.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${c.id}`, headers: h.alice });
    expect(del.statusCode).toBe(200);
    const raw = rawBucket();
    expect(await raw.stat(`media/characters/${c.id}/portrait.webp`)).toBeNull();
    expect(await raw.stat(`media/characters/${c.id}/clip.mp4`)).toBeNull();
    raw.close();
    const gone = await h.app.inject({ method: 'GET', url: local(c.profile_picture_url) });
    expect([gone.statusCode, gone.json().error.code]).toEqual([404, 'not_found']);
  });

  it("a video task renders from the character's assets in the bucket, and its content is served from it with Range", async () => {
    const made = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: source, timestamps: '1,3' } });
    const c = made.json() as { username: string };
    const created = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.alice, payload: { prompt: `@${c.username} waves`, seconds: '4' } });
    expect(created.statusCode, created.body).toBe(200);
    const id = created.json().id as string;
    let task = created.json();
    for (let i = 0; i < 600 && task.status !== 'completed' && task.status !== 'failed'; i++) {
      await sleep(100);
      task = (await h.app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: h.alice })).json();
    }
    expect(task.status, JSON.stringify(task)).toBe('completed');
    const raw = rawBucket();
    const videoObject = await readAll(await raw.read(`media/videos/${id}/video.mp4`));
    expect(await raw.stat(`media/videos/${id}/thumbnail.webp`)).toMatchObject({ contentType: 'image/webp' });
    raw.close();
    const whole = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: h.alice });
    expect([whole.statusCode, whole.headers['content-type']]).toEqual([200, 'video/mp4']);
    expect(whole.rawPayload.equals(videoObject)).toBe(true);
    const part = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: { ...h.alice, range: 'bytes=1000-1999' } });
    expect([part.statusCode, part.headers['content-range']]).toEqual([206, `bytes 1000-1999/${videoObject.length}`]);
    expect(part.rawPayload.equals(videoObject.subarray(1000, 2000))).toBe(true);
  });

  it('/readyz says storage is unreachable while s3rver is down, and ok again when it is back', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok', checks: { store: 'ok', storage: 'ok', queue: 'ok' } });
    await s3.stop();
    try {
      const down = await h.app.inject({ method: 'GET', url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: 'unavailable', checks: { store: 'ok', storage: 'unreachable', queue: 'ok' } });
    } finally {
      await s3.restart();
    }
    const back = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect([back.statusCode, back.json().checks.storage]).toEqual([200, 'ok']);
  });
});

describe('API processes sharing one bucket and one SIGNING_SECRET', () => {
  let a: Harness;
  let b: Harness;
  let other: Harness;
  beforeAll(async () => {
    const secret = randomBytes(32).toString('hex');
    [a, b, other] = await Promise.all([
      startHarness({ ...s3Env(), SIGNING_SECRET: secret }),
      startHarness({ ...s3Env(), SIGNING_SECRET: secret }),
      startHarness({ ...s3Env(), SIGNING_SECRET: randomBytes(32).toString('hex') }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), other?.close()]);
  });

  it('each verifies the URLs the other signed; a process with another secret refuses them', async () => {
    const c = await createCharacter(a);
    const viaB = await b.app.inject({ method: 'GET', url: local(c.clip_url), headers: { range: 'bytes=0-9' } });
    expect([viaB.statusCode, viaB.rawPayload.length]).toEqual([206, 10]);
    const portraitViaB = await b.app.inject({ method: 'GET', url: local(c.profile_picture_url) });
    expect(portraitViaB.statusCode).toBe(200);
    const viaOther = await other.app.inject({ method: 'GET', url: local(c.profile_picture_url) });
    expect([viaOther.statusCode, viaOther.json().error.code]).toEqual([403, 'invalid_signature']);
  });

  it("a delete in one process reaches the other's small-blob cache through forget(prefix)", async () => {
    const c = await createCharacter(a);
    expect((await b.app.inject({ method: 'GET', url: local(c.profile_picture_url) })).statusCode).toBe(200); // kept by b
    expect((await a.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${c.id}`, headers: a.alice })).statusCode).toBe(200);
    // b is not told yet: no recheck on S3, so it still has the portrait in memory.
    expect((await b.app.inject({ method: 'GET', url: local(c.profile_picture_url) })).statusCode).toBe(200);
    b.rt.blobs.forget(`characters/${c.id}/`); // what the cross-process signal does
    const gone = await b.app.inject({ method: 'GET', url: local(c.profile_picture_url) });
    expect([gone.statusCode, gone.json().error.code]).toEqual([404, 'not_found']);
  });
});

describe('FILE_URLS=presigned: media URLs point at the bucket', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ...s3Env(), FILE_URLS: 'presigned', SIGNED_URL_TTL_SECONDS: '3600' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('hands out presigned S3 GETs that s3rver serves, with Range, and lets the profile page load them', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: source, timestamps: '1,3', visibility: 'public' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json() as { id: string; username: string; profile_picture_url: string; clip_url: string };
    const objectBase = `${s3.endpoint}/${bucket}/media/characters/${c.id}`;
    expect(c.profile_picture_url.startsWith(`${objectBase}/portrait.webp?X-Amz-Algorithm=AWS4-HMAC-SHA256&`)).toBe(true);
    expect(new URL(c.clip_url).searchParams.get('X-Amz-Expires')).toBe('3600');

    const raw = rawBucket();
    const clipObject = await readAll(await raw.read(`media/characters/${c.id}/clip.mp4`));
    raw.close();
    const portrait = await fetch(c.profile_picture_url);
    expect([portrait.status, portrait.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const part = await fetch(c.clip_url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(clipObject.subarray(10, 20))).toBe(true);

    const page = await h.app.inject({ method: 'GET', url: `/profile/${c.username}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain(`img-src 'self' ${s3.endpoint};`);
    expect(page.headers['content-security-policy']).toContain(`media-src 'self' ${s3.endpoint};`);
    expect(page.body).toContain(c.profile_picture_url.replaceAll('&', '&amp;'));
  });
});
