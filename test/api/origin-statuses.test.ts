import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerStatus } from '../fetch/hostile-answers.js';
import { type RawOrigin, startRawOrigin } from '../fetch/raw-origin.js';
import { type Harness, startHarness } from '../support/harness.js';

/** An origin's error status through the API: 4xx is the caller's URL at fault (400), 5xx the source failing (502). */
describe('origin error statuses', () => {
  let h: Harness;
  const origins: RawOrigin[] = [];

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await Promise.all(origins.map((o) => o.close()));
    await h?.close();
  });

  async function create(status: number, headers: Record<string, string> = {}) {
    const o = await startRawOrigin(answerStatus(status));
    origins.push(o);
    return h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { ...h.alice, ...headers },
      payload: { url: o.url('/clip.mp4'), timestamps: '0,1' },
    });
  }

  it.each([401, 403, 404, 410])('HTTP %i from the origin: 400 invalid_url on param url, naming the status', async (status) => {
    const res = await create(status);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({
      error: { message: `the source answered HTTP ${status}`, type: 'invalid_request_error', param: 'url', code: 'invalid_url' },
    });
  });

  it.each([500, 503])('HTTP %i from the origin: 502 source_unreachable, naming the status', async (status) => {
    const res = await create(status);
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json().error).toMatchObject({ message: `the source answered HTTP ${status}`, type: 'upstream_error', code: 'source_unreachable' });
  });

  it('an asynchronous create against a 404 origin ends failed with invalid_url', async () => {
    const res = await create(404, { prefer: 'respond-async' });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id;
    let c = res.json();
    for (let i = 0; i < 100 && c.status === 'processing'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      c = (await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${id}`, headers: h.alice })).json();
    }
    expect(c).toMatchObject({ status: 'failed', error: { code: 'invalid_url', message: 'the source answered HTTP 404' } });
  });
});
