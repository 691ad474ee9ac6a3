/** The machine, the table (stdout and Markdown), bench/results/latest.json and docs/performance.md. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Figure, Section } from './figures.js';
import { BENCH_DIR, FFMPEG, ROOT } from './inputs.js';

const exec = promisify(execFile);

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  node: string;
  ffmpeg: string;
}

export async function describeMachine(): Promise<Machine> {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    /* not Linux */
  }
  const { stdout } = await exec(FFMPEG, ['-version']);
  return {
    cpu,
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `Linux ${release()}`,
    node: process.version,
    ffmpeg: stdout.split('\n')[0].replace(/ Copyright.*$/, ''),
  };
}

function fmt(x: number, unit: string): string {
  if (!Number.isFinite(x)) return '-';
  if (unit === 'x') return `${x.toFixed(2)}x`;
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const verdict = (f: Figure) => (f.pass === null ? '' : f.pass ? 'PASS' : 'FAIL');

export function markdownTable(sections: Section[]): string {
  const lines: string[] = [];
  for (const s of sections) {
    lines.push(`### ${s.title}`, '', '| figure | median | min | max | n | unit | target | result |', '|---|--:|--:|--:|--:|---|---|---|');
    for (const f of s.figures) {
      lines.push(
        `| ${f.label.trim()} | ${fmt(f.median, f.unit)} | ${fmt(f.min, f.unit)} | ${fmt(f.max, f.unit)} | ${f.n} | ${f.unit} | ${f.target ?? ''} | ${verdict(f)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function textTable(sections: Section[]): string {
  const rows: string[][] = [['figure', 'median', 'min', 'max', 'n', 'target', 'result']];
  const heads = new Set<number>();
  for (const s of sections) {
    heads.add(rows.length);
    rows.push([s.title, '', '', '', '', '', '']);
    for (const f of s.figures) {
      const u = f.unit === 'x' ? '' : ` ${f.unit}`;
      rows.push([`  ${f.label}`, fmt(f.median, f.unit) + u, fmt(f.min, f.unit), fmt(f.max, f.unit), String(f.n), f.target ?? '', verdict(f)]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.filter((_r, j) => !heads.has(j)).map((r) => r[i].length)));
  return rows.map((r, j) => (heads.has(j) ? r[0] : r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))).join('\n');
}

export async function writeJson(out: string, payload: unknown): Promise<void> {
  await mkdir(join(out, '..'), { recursive: true });
  await writeFile(out, JSON.stringify(payload, null, 2) + '\n');
}

export const RESULTS = join(BENCH_DIR, 'results', 'latest.json');
const DOC = join(ROOT, 'docs', 'performance.md');
const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/**
 * Rewrites the generated part of docs/performance.md (between the markers); whatever is written
 * outside them (the analysis) is kept.
 */
export async function writeDoc(sections: Section[], machine: Machine, meta: { date: string; durationSec: number; mode: string }): Promise<void> {
  const failing = sections.flatMap((s) =>
    s.figures
      .filter((f) => f.pass === false)
      .map((f) => `${f.label.trim()} (${fmt(f.median, f.unit)}${f.unit === 'x' ? '' : ` ${f.unit}`}, target ${f.target})`),
  );
  const generated = [
    BEGIN,
    `Last run: ${meta.date}, \`npm run bench\` (${meta.mode}), ${Math.round(meta.durationSec)} s.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, ${machine.kernel}, Node ${machine.node}, ${machine.ffmpeg}.`,
    '',
    failing.length ? `Targets missed: ${failing.join('; ')}.` : 'Every target met.',
    '',
    markdownTable(sections),
    END,
  ].join('\n');
  let doc: string;
  try {
    doc = await readFile(DOC, 'utf8');
  } catch {
    doc = '';
  }
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + generated + doc.slice(b + END.length);
  else doc = `# Performance\n\nWhat \`npm run bench\` measured (bench/run.ts; method below the table).\n\n${generated}\n`;
  await writeFile(DOC, doc);
}
