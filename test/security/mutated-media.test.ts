import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';
import { within } from './support/invariants.js';
import { corpusSeeds, type Mutant, seededRandom, writeMutants } from './support/media-corpus.js';
import { AnswerTally } from './support/tally.js';

/**
 * issue #12 point 7: a corpus of mutated and truncated media (MP4 with moov first and last, WebM,
 * MKV; bit flips, cuts, spliced headers, zeroed and repeated ranges, rewritten box sizes), each
 * through the real pipeline via the API from a loopback file server: a 4xx or a ready
 * character, never a 5xx, never a hang (each settles within PER_FILE_MS).
 */
const COUNT = sized(20, 500);
const PER_FILE_MS = 30_000;

describe('mutated media through the real pipeline', () => {
  let dir: string;
  let h: Harness;
  let mutants: Mutant[];
  let files: Awaited<ReturnType<typeof startFileServer>>;
  const tally = new AnswerTally();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-mutants-'));
    mutants = await writeMutants(await corpusSeeds(dir), COUNT, ATTACK_SEED, dir);
    files = await startFileServer(Object.fromEntries(mutants.map((m) => [m.name, { path: m.path, type: m.type }])));
    // A synchronous create waits up to SYNC_WAIT_MS: a character still processing then is a hang.
    h = await startHarness({ SYNC_WAIT_MS: String(PER_FILE_MS), DOWNLOAD_TIMEOUT_MS: '10000' });
  });
  afterAll(async () => {
    console.info(`mutated media (${COUNT} files): ${tally.summary()}`);
    await h?.close();
    await files?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    `${COUNT} mutants: each a 4xx or a ready character within ${PER_FILE_MS / 1000} s, and the service still answers`,
    async () => {
      const rnd = seededRandom(ATTACK_SEED + 1);
      const failures: string[] = [];
      for (const m of mutants) {
        const timestamps = ['0,1', '0.5,2', '1,3'][Math.floor(rnd() * 3)]!;
        const what = `${m.name} (${m.how}), timestamps ${timestamps}`;
        const started = Date.now();
        const res = await within(
          PER_FILE_MS + 10_000,
          what,
          h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: files.url(m.name), timestamps } }),
        );
        tally.add(res);
        const body = res.json();
        const ok = (res.statusCode === 200 && body.status === 'ready') || (res.statusCode >= 400 && res.statusCode < 500 && body.error?.code);
        if (!ok) failures.push(`${what}: ${res.statusCode} after ${Date.now() - started} ms ${res.body.slice(0, 300)}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
      expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    },
    COUNT * (PER_FILE_MS + 10_000),
  );
});
