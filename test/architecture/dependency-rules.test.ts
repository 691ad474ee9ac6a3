import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs dependency-cruiser with the project's rules on `src` under `cwd`. */
async function violationsIn(cwd: string): Promise<Violation[]> {
  const { stdout } = await exec(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** docs/ARCHITECTURE.md's rules, as dependency-cruiser checks them (.dependency-cruiser.cjs). */
describe('the dependency rules', () => {
  it('hold on src/', async () => {
    const found = await violationsIn(ROOT);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('catch a tree that breaks each of them (test/architecture/fixture)', async () => {
    const found = await violationsIn(join(ROOT, 'test/architecture/fixture'));
    const names = new Set(found.map((v) => v.rule.name));
    for (const rule of [
      'no-circular',
      'ports-are-declarations',
      'domain-uses-ports-not-adapters',
      'domain-uses-no-outside-packages',
      'services-are-not-libraries',
      'adapter-records-isolated',
      'adapter-engines-isolated',
      'adapters-do-not-use-the-domain-or-delivery',
      'api-calls-services-only',
    ]) {
      expect(names, rule).toContain(rule);
    }
  });
});

describe('docs/ARCHITECTURE.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');

  it('names every folder of src/', () => {
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `src/${d.name}/`);
    expect(folders.filter((f) => !doc.includes(f))).toEqual([]);
  });

  it('names only paths that exist', () => {
    const paths = [...doc.matchAll(/`((?:src|test|bench|docs)\/[\w./-]+)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(join(ROOT, p.replace(/\/$/, ''))))).toEqual([]);
  });
});

describe('docs/security.md', () => {
  it('names only test files and folders that exist', () => {
    const doc = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');
    const paths = [...doc.matchAll(/`((?:test|src)\/[\w./-]*)`/g)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(join(ROOT, p.replace(/\/$/, ''))))).toEqual([]);
  });
});
