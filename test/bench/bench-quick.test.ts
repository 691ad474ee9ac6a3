/**
 * `npm run bench -- --quick` runs to the end. Not a timed test: no figure is judged here, only
 * that every section of bench/results/latest.json came out with numbers.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECTIONS = ['create_latency', 'source_length', 'throughput', 'memory', 'read_paths', 'portrait_stage', 'stages', 'hosted_engine'];

interface Figure {
  key: string;
  median: number;
  min: number;
  max: number;
  n: number;
  pass: boolean | null;
}

describe('bench', () => {
  it('npm run bench -- --quick runs every section to the end', async () => {
    const startedAt = Date.now();
    const env = { ...process.env };
    for (const k of ['VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'NODE_ENV', 'NODE_OPTIONS']) delete env[k];
    const r = await new Promise<{ code: number | null; out: string }>((res, rej) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'run.ts'), '--quick'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 230_000);
      child.on('error', rej);
      child.on('close', (code) => {
        clearTimeout(timer);
        res({ code, out });
      });
    });
    expect(r.code, r.out).toBe(0);

    const json = JSON.parse(await readFile(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as {
      date: string;
      mode: string;
      sections: Array<{ id: string; figures: Figure[] }>;
    };
    expect(json.mode).toBe('quick');
    expect(Date.parse(json.date)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(json.sections.map((s) => s.id)).toEqual(SECTIONS);
    for (const s of json.sections) {
      expect(s.figures.length, s.id).toBeGreaterThan(0);
      for (const f of s.figures) {
        for (const v of [f.median, f.min, f.max]) expect(Number.isFinite(v), `${s.id}.${f.key}`).toBe(true);
        expect(f.n, `${s.id}.${f.key}`).toBeGreaterThan(0);
      }
    }
    // Every target of docs/performance.md is judged (PASS or FAIL), whatever the outcome.
    const judged = json.sections.flatMap((s) => s.figures.filter((f) => f.pass !== null).map((f) => `${s.id}.${f.key}`));
    expect(judged).toEqual(
      expect.arrayContaining([
        'create_latency.create_p50_ratio',
        'create_latency.create_p95_ratio',
        'source_length.long_over_short',
        'throughput.c1_ratio',
        'throughput.c2_ratio',
        'throughput.c8_ratio',
        'memory.download_peak_mib',
        'memory.parallel8_peak_mib',
        'read_paths.character_ratio',
        'read_paths.profile_ratio',
        'read_paths.portrait_ratio',
      ]),
    );
  }, 240_000);
});
