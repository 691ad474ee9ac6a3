/** The bench's HTTP client: character creation, and a small keep-alive load generator (undici Pool). */
import { Agent, Pool, request } from 'undici';
import { BENCH_KEY } from './service.js';

const agent = new Agent({ headersTimeout: 300_000, bodyTimeout: 300_000, connections: 64 });

export interface Created {
  ms: number;
  status: number;
  body: { id: string; username: string; status: string; profile_picture_url: string | null; error?: { code: string } | null; [k: string]: unknown };
}

/** POST /sora/v1/characters (synchronous: the answer is the settled character), timed client-side. */
export async function createCharacter(base: string, url: string, window: { start: number; end: number }): Promise<Created> {
  const t0 = performance.now();
  const res = await request(`${base}/sora/v1/characters`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, timestamps: `${window.start},${window.end}` }),
  });
  const text = await res.body.text();
  const ms = performance.now() - t0;
  let body: Created['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`create answered ${res.statusCode} with non-JSON: ${text.slice(0, 300)}`);
  }
  return { ms, status: res.statusCode, body };
}

/** Creates and insists on a ready character (a failed creation is a crash of the bench, not a figure). */
export async function createReady(base: string, url: string, window: { start: number; end: number }): Promise<Created> {
  const c = await createCharacter(base, url, window);
  if (c.status !== 200 || c.body.status !== 'ready') {
    throw new Error(`create did not return a ready character: HTTP ${c.status} ${JSON.stringify(c.body).slice(0, 400)}`);
  }
  return c;
}

export async function getBytes(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await request(url, { dispatcher: agent, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body };
}

/**
 * `total` GETs of `path` on `origin` with `concurrency` requests in flight over as many
 * keep-alive connections; every body is read to the end. Returns requests per second.
 */
export async function loadTest(origin: string, path: string, headers: Record<string, string>, total: number, concurrency: number): Promise<number> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  let next = 0;
  let bad = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const res = await pool.request({ path, method: 'GET', headers });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) bad++;
    }
  };
  try {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const sec = (performance.now() - t0) / 1000;
    if (bad > 0) throw new Error(`${bad} of ${total} GET ${origin}${path} did not answer 200`);
    return total / sec;
  } finally {
    await pool.close();
  }
}

export async function closeHttp(): Promise<void> {
  await agent.close();
}
