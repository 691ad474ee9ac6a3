import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, request } from 'undici';
import { REQUEST_HEADERS, requestFollowingRedirects, singleHeader } from './checked-request.js';
import type { DownloadLimits, NetworkOverrides } from './download-options.js';
import { originAnswered, timedOut, toDownloadError, tooLarge, unreachable } from './fetch-errors.js';
import { parseSourceUrl, type SourceUrlRules } from './parse-source-url.js';
import { createSafeDispatcher } from './safe-dispatcher.js';

/** A remote source read in place: ffmpeg reads `localUrl`, and only the bytes it asks for cross the network. */
export interface RangeSource {
  /** http://127.0.0.1:<port>/<random token>: answers only ffmpeg's range reads of this one source. */
  localUrl: string;
  size: number;
  /** Bytes fetched from the origin so far. */
  bytesRead(): number;
  /** Why the relay stopped serving ffmpeg (the byte cap, the origin failing), if it did: ffmpeg only sees a cut stream. */
  failure(): Error | null;
  close(): Promise<void>;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** How much of the origin one relay request fetches at a time. */
const RELAY_CHUNK_BYTES = 1024 * 1024;
/**
 * The first bytes of the source are kept as they pass through: the probe reads the header
 * (the whole `moov` of a faststart MP4, ~2 MB for 30 minutes), then ffmpeg reads it again, and
 * the second time it does not cross the network.
 */
const RELAY_HEAD_KEEP_BYTES = 4 * 1024 * 1024;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;
const RANGE = /^bytes=(\d+)-(\d*)$/;

/**
 * Opens `url` for range reads when its server honours Range and it is at least `minBytes` long;
 * otherwise returns null (the caller downloads it whole). Every origin request goes through the
 * same checked dispatcher as downloads, to the final URL of the redirects checked here; ffmpeg
 * itself only ever talks to the loopback relay, whose path is an unguessable token.
 */
export async function openRangeSource(
  url: string,
  limits: DownloadLimits,
  opts: { minBytes: number; signal?: AbortSignal },
  overrides: NetworkOverrides = {},
): Promise<RangeSource | null> {
  const rules: SourceUrlRules = { allowPrivate: limits.allowPrivate, isForbiddenAddress: overrides.isForbiddenAddress };
  const start = parseSourceUrl(url, rules);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(timedOut(limits.timeoutMs)), limits.timeoutMs);
  timer.unref();
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  const dispatcher = createSafeDispatcher({
    allowPrivate: limits.allowPrivate,
    resolveHost: overrides.resolveHost,
    isForbiddenAddress: overrides.isForbiddenAddress,
    connectTimeoutMs: Math.min(limits.timeoutMs, 10_000),
  });
  const giveUp = async () => {
    clearTimeout(timer);
    await dispatcher.destroy().catch(() => {});
  };

  let origin: URL;
  let size: number;
  try {
    const { response, url: finalUrl } = await requestFollowingRedirects(start, {
      rules,
      dispatcher,
      maxRedirects: limits.maxRedirects,
      signal,
      headers: { ...REQUEST_HEADERS, range: 'bytes=0-0' },
    });
    const range = CONTENT_RANGE.exec(singleHeader(response.headers['content-range']) ?? '');
    await response.body.dump();
    if (response.statusCode !== 206 || !range) {
      if (response.statusCode >= 400) throw originAnswered(response.statusCode);
      await giveUp();
      return null;
    }
    origin = finalUrl;
    size = Number(range[3]);
  } catch (err) {
    await giveUp();
    throw toDownloadError(err, deadline.signal, opts.signal);
  }
  if (size < opts.minBytes) {
    await giveUp();
    return null;
  }

  let fetched = 0;
  /** Ends every later reply: the byte cap, or an origin that answers other bytes than those asked. */
  let failure: Error | null = null;
  /**
   * Why the origin's latest answer broke (a reset, a short answer, the deadline), until it sends
   * good bytes again: ffmpeg asks again from where it stopped and may get the rest.
   */
  let broken: Error | null = null;
  const head = sourceHead(Math.min(size, RELAY_HEAD_KEEP_BYTES));
  const token = randomBytes(24).toString('hex');
  const server = createServer((req, res) => {
    relay(req, res).catch((err: unknown) => {
      broken = toDownloadError(err, deadline.signal, opts.signal) as Error;
      res.destroy();
    });
  });

  async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' || req.url !== `/${token}`) {
      res.writeHead(404).end();
      return;
    }
    const asked = RANGE.exec(req.headers.range ?? 'bytes=0-');
    const from = asked ? Number(asked[1]) : 0;
    const to = asked?.[2] ? Math.min(Number(asked[2]), size - 1) : size - 1;
    if (from >= size || from > to) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'content-range': `bytes ${from}-${to}/${size}`,
      'content-length': String(to - from + 1),
    });
    let pos = from;
    if (pos < head.length) {
      const upto = Math.min(to + 1, head.length);
      if (!res.write(head.bytes.subarray(pos, upto))) await drainedOrClosed(res);
      pos = upto;
    }
    // ffmpeg asks for open-ended ranges and drops the connection when it seeks: fetching in
    // bounded chunks keeps what it never reads from crossing the network.
    while (pos <= to && !res.destroyed && !failure) {
      const end = Math.min(to, pos + RELAY_CHUNK_BYTES - 1);
      const upstream: Dispatcher.ResponseData = await request(origin, {
        method: 'GET',
        dispatcher,
        signal,
        headers: { ...REQUEST_HEADERS, range: `bytes=${pos}-${end}` },
      });
      failure ??= refusedRange(upstream, pos, size);
      if (failure) {
        upstream.body.on('error', () => {}).destroy();
        res.destroy();
        return;
      }
      for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
        fetched += chunk.length;
        if (fetched > limits.maxBytes) failure ??= tooLarge(limits.maxBytes);
        // An origin that sends more than the range it was asked for would shift every later byte.
        if (pos + chunk.length > end + 1) failure ??= unreachable('the source sent more than the range it was asked for');
        if (failure || res.destroyed) {
          upstream.body.on('error', () => {}).destroy();
          res.destroy();
          return;
        }
        head.keep(pos, chunk);
        pos += chunk.length;
        broken = null; // the origin answers again
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      if (res.destroyed) return;
      if (pos !== end + 1) {
        broken = unreachable('the source sent less than the range it was asked for');
        res.destroy(); // ...and one that sends fewer leaves a hole
        return;
      }
    }
    if (pos <= to)
      res.destroy(); // stopped by a failure
    else res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    localUrl: `http://127.0.0.1:${port}/${token}`,
    size,
    bytesRead: () => fetched,
    failure: () => failure ?? broken,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await giveUp();
    },
  };
}

/** Why an origin's answer to `bytes=<pos>-...` cannot be relayed, or null when it is the range asked of a source of `size` bytes. */
function refusedRange(upstream: Dispatcher.ResponseData, pos: number, size: number): Error | null {
  if (upstream.statusCode !== 206) {
    if (upstream.statusCode >= 400) return originAnswered(upstream.statusCode);
    return unreachable(`the source stopped honouring Range (HTTP ${upstream.statusCode})`);
  }
  const range = CONTENT_RANGE.exec(singleHeader(upstream.headers['content-range']) ?? '');
  if (!range || Number(range[1]) !== pos || Number(range[3]) !== size) {
    return unreachable('the source answered a range other than the one asked');
  }
  return null;
}

/** A prefix of the source, grown only by bytes that continue it exactly. */
function sourceHead(capacity: number) {
  let bytes = Buffer.alloc(0);
  let length = 0;
  return {
    get length() {
      return length;
    },
    get bytes() {
      return bytes;
    },
    /** Keeps what of `chunk` (which starts at `offset`) extends the prefix, up to the capacity. */
    keep(offset: number, chunk: Buffer) {
      if (offset > length || offset + chunk.length <= length || length >= capacity) return;
      if (bytes.length === 0) bytes = Buffer.allocUnsafe(capacity);
      length += chunk.copy(bytes, length, length - offset, Math.min(chunk.length, capacity - offset));
    },
  };
}
