import { expect } from 'vitest';
import type { OfflineHarness, WriteCounts } from './offline-harness.js';

/** One answer of the service, as app.inject gives it. */
export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** Never a 5xx; on an API route a refusal is the error envelope, and a JSON answer is JSON. */
export function expectWellFormed(res: Answer, what: string, api = true): void {
  expect(res.statusCode, `${what}: ${res.body.slice(0, 500)}`).toBeLessThan(500);
  if (!api) return;
  // A success may be media (/files, video content); a refusal never is.
  if (res.statusCode < 400 && !String(res.headers['content-type'] ?? '').includes('json')) return;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(`${what}: answered ${res.statusCode} with a body that is not JSON: ${res.body.slice(0, 200)}`);
  }
  if (res.statusCode >= 400) {
    expect(body, `${what}: ${res.body.slice(0, 500)}`).toEqual({
      error: { message: expect.any(String), type: expect.any(String), param: expect.toBeOneOf([expect.any(String), null]), code: expect.any(String) },
    });
  }
}

/** For a refused request: nothing was written (no character, task, job, idempotency row, blob or temp file). */
export async function expectNothingWritten(h: OfflineHarness, before: WriteCounts, res: Answer, what: string): Promise<WriteCounts> {
  const after = await h.writes();
  if (res.statusCode >= 400) expect(after, `${what} was refused (${res.statusCode}) yet wrote something: ${res.body.slice(0, 300)}`).toEqual(before);
  // Accepted or not, a request's temp files (uploads, scratch) are gone when its answer is out.
  if (after.tmp !== before.tmp) throw new Error(`${what} answered ${res.statusCode} and left temp files: ${(await h.tmpFiles()).join(', ')}`);
  return after;
}

/** The process still answers. */
export async function expectAlive(h: OfflineHarness): Promise<void> {
  const res = await h.app.inject({ method: 'GET', url: '/healthz' });
  expect(res.statusCode).toBe(200);
}

/** `work`, or an error naming `what` if it takes longer than `ms`: a hang is a failure, not a stuck run. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
