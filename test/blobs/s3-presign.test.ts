import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3UrlPresigner, presignS3Get } from '../../src/blobs/s3/presign-get-url.js';
import type { S3Address } from '../../src/blobs/s3/s3-address.js';
import { createS3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

// The example of AWS's "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"
// (docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html), GET Object.
const AWS_EXAMPLE = {
  address: { bucket: 'examplebucket', region: 'us-east-1', endpoint: 'https://s3.amazonaws.com', forcePathStyle: false },
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
};

/** The SDK's own SigV4 (the signer @aws-sdk/client-s3 uses), as an independent reference. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(toBuffer(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}
const toBuffer = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === 'string' ? Buffer.from(d) : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

/**
 * The same GET presigned by the SDK's signer, configured as @aws-sdk/s3-request-presigner does
 * (payload UNSIGNED-PAYLOAD, carried in a header that is neither hoisted nor signed).
 * Returned as [origin + path, query parameters].
 */
async function sdkPresign(url: URL, address: S3Address, credentials: typeof AWS_EXAMPLE.credentials, at: Date, expiresIn: number) {
  const signer = new SignatureV4({ credentials, region: address.region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const unsigned = new Set(['x-amz-content-sha256']);
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    { signingDate: at, expiresIn, unhoistableHeaders: unsigned, unsignableHeaders: unsigned },
  );
  return [`${url.origin}${signed.path}`, Object.fromEntries(Object.entries(signed.query ?? {}).map(([k, v]) => [k, String(v)]))];
}

const parts = (presigned: string) => {
  const url = new URL(presigned);
  return [`${url.origin}${url.pathname}`, Object.fromEntries(url.searchParams)];
};

describe('SigV4 presigned GET', () => {
  it("gives AWS's documented example URL, signature included", () => {
    const url = presignS3Get(AWS_EXAMPLE.address, AWS_EXAMPLE.credentials, 'test.txt', new Date('2013-05-24T00:00:00Z'), 86400);
    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z' +
        '&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it.each([
    ['virtual-hosted, AWS', { bucket: 'media-bucket', region: 'eu-west-3', endpoint: 'https://s3.eu-west-3.amazonaws.com', forcePathStyle: false }],
    ['path-style, a port', { bucket: 'sora-media', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }],
    ['path-style, https', { bucket: 'b-1.example', region: 'auto', endpoint: 'https://storage.example.com', forcePathStyle: true }],
  ])('matches the SDK signer (@smithy/signature-v4): %s', async (_name, address) => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE123', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    for (const [key, at, ttl] of [
      ['media/characters/ch_0123456789abcdef0123456789abcdef/portrait.webp', '2026-12-06T08:40:00Z', 604800],
      ['videos/video_1b4e28ba-2fa1-11d2-883f-0016d3cca427/video.mp4', '2026-01-31T23:59:59Z', 3600],
      ['a/B_c-d.e/F', '2030-06-15T12:00:00Z', 1],
    ] as const) {
      const date = new Date(at);
      const ours = presignS3Get(address, credentials, key, date, ttl);
      expect(parts(ours), key).toEqual(await sdkPresign(new URL(ours), address, credentials, date, ttl));
    }
  });

  it('refuses lifetimes S3 does not accept', () => {
    for (const ttl of [0, -1, 604801, 1.5]) {
      expect(() => presignS3Get(AWS_EXAMPLE.address, AWS_EXAMPLE.credentials, 'k', new Date(), ttl), String(ttl)).toThrow(RangeError);
    }
  });

  it('the signer puts the STORAGE_URL prefix before the key, signs afresh each second and refuses bad keys', () => {
    let now = Date.parse('2026-12-06T08:00:00.250Z');
    const sign = createS3UrlPresigner({ ...AWS_EXAMPLE, keyPrefix: 'media/', ttlSeconds: 600, now: () => now });
    const first = sign('characters/ch_1/portrait.webp');
    expect(first).toBe(
      presignS3Get(AWS_EXAMPLE.address, AWS_EXAMPLE.credentials, 'media/characters/ch_1/portrait.webp', new Date('2026-12-06T08:00:00Z'), 600),
    );
    now += 500;
    expect(sign('characters/ch_1/portrait.webp')).toBe(first);
    now += 500;
    expect(sign('characters/ch_1/portrait.webp')).toContain('X-Amz-Date=20261206T080001Z');
    expect(() => sign('../etc/passwd')).toThrow(/invalid blob key/);
  });
});

describe('presigned URLs against s3rver', () => {
  let s3: S3rverHandle;
  let bucket: string;
  beforeAll(async () => {
    s3 = await startS3rver();
    bucket = await s3.newBucket();
    const store = createS3BlobStore({
      bucket,
      prefix: 'media/',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    await store.putBuffer('characters/ch_1/clip.mp4', Buffer.from('0123456789'), 'video/mp4');
    store.close();
  });
  afterAll(async () => {
    await s3?.close();
  });

  const address = () => ({ bucket, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true });
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  it('s3rver serves a presigned URL, whole and with Range', async () => {
    const sign = createS3UrlPresigner({ address: address(), credentials, keyPrefix: 'media/', ttlSeconds: 600 });
    const url = sign('characters/ch_1/clip.mp4');
    expect(url.startsWith(`${s3.endpoint}/${bucket}/media/characters/ch_1/clip.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&`)).toBe(true);
    const whole = await fetch(url);
    expect([whole.status, whole.headers.get('content-type'), await whole.text()]).toEqual([200, 'video/mp4', '0123456789']);
    const part = await fetch(url, { headers: { range: 'bytes=2-5' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([206, 'bytes 2-5/10', '2345']);
  });

  it('s3rver refuses an expired presigned URL and an unknown access key', async () => {
    const expired = presignS3Get(address(), credentials, 'media/characters/ch_1/clip.mp4', new Date(Date.now() - 3600_000), 60);
    const res = await fetch(expired);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
    const stranger = presignS3Get(address(), { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'x' }, 'media/characters/ch_1/clip.mp4', new Date(), 60);
    expect((await fetch(stranger)).status).toBe(403);
  });
});
