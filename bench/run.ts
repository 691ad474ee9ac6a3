/**
 * `npm run bench [-- --quick]`: the performance figures of issue #4 (see docs/performance.md).
 * Generates its inputs with ffmpeg, starts the service as `npm start` does on loopback on the
 * embedded defaults, measures, prints a table and writes bench/results/latest.json; a full run
 * also rewrites the table in docs/performance.md. Exits 0 when it ran to the end, whatever the
 * figures say; non-zero when something crashed.
 */
import { createLatency } from './create-latency.js';
import { hostedEngine } from './hosted-engine.js';
import { memory } from './memory.js';
import { portraitStage } from './portrait-stage.js';
import { readPaths } from './read-paths.js';
import { scale } from './scale.js';
import { sourceLength } from './source-length.js';
import { stages } from './stages.js';
import type { BenchConfig, BenchContext } from './support/context.js';
import type { Section } from './support/figures.js';
import { startFileServer } from './support/file-server.js';
import { closeHttp } from './support/http.js';
import { prepareInputs } from './support/inputs.js';
import { describeMachine, RESULTS, textTable, writeDoc, writeJson } from './support/report.js';
import { buildService, killAllChildren, startService } from './support/service.js';
import { throughput } from './throughput.js';

const quick = process.argv.includes('--quick');
/** `--only read_paths[,memory]`: just those sections (for working on one figure); writes no results. */
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',').filter(Boolean)) : null;
const wanted = (id: string) => !only || only.has(id);
const SECTION_IDS = ['create_latency', 'source_length', 'throughput', 'memory', 'read_paths', 'portrait_stage', 'stages', 'hosted_engine', 'scale'];
/** The sections that need the generated sources (the hosted engine's makes its own). */
const SOURCE_SECTIONS = SECTION_IDS.filter((id) => id !== 'hosted_engine');
if (only && (only.size === 0 || [...only].some((id) => !SECTION_IDS.includes(id)))) {
  process.stderr.write(`--only takes a comma-separated list of: ${SECTION_IDS.join(', ')}\n`);
  process.exit(2);
}

const cfg: BenchConfig = quick
  ? {
      quick,
      latencyRounds: 2,
      reps: 1,
      throughputLevels: [1, 2, 8],
      batchSize: (c) => Math.max(c, 2),
      bigBytes: 50e6,
      readRequests: 200,
      readConcurrency: 16,
      portraitFrames: 4,
    }
  : {
      quick,
      latencyRounds: 10,
      reps: 5,
      throughputLevels: [1, 2, 8],
      batchSize: (c) => Math.max(2 * c, 4),
      bigBytes: 500e6,
      readRequests: 10000,
      readConcurrency: 16,
      portraitFrames: 16,
    };

const startedAt = Date.now();
const log = (line: string) => {
  const t = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${t}s] ${line}\n`);
};

async function main(): Promise<void> {
  const machine = await describeMachine();
  log(`${quick ? 'quick' : 'full'} run on ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB, Node ${machine.node}, ${machine.ffmpeg}`);
  const sections: Section[] = [];
  if (!SOURCE_SECTIONS.some(wanted)) {
    log('building the service (tsc -p tsconfig.build.json)');
    await buildService();
  } else await measureWithSources(sections);
  if (wanted('hosted_engine')) {
    log('8. hosted engine (fal, fake upstream)');
    sections.push(await hostedEngine({ cfg, log }));
  }
  await report(sections, machine);
}

async function measureWithSources(sections: Section[]): Promise<void> {
  log('building the service (tsc -p tsconfig.build.json) and preparing the inputs');
  const [, inputs] = await Promise.all([buildService(), prepareInputs({ bigBytes: cfg.bigBytes, log })]);
  const origin = await startFileServer({
    short: { path: inputs.short, ranges: true },
    long: { path: inputs.long, ranges: true },
    big: { path: inputs.big, ranges: false },
  });
  const runSections = async (ctx: BenchContext, list: [string, string, (ctx: BenchContext) => Promise<Section>][]) => {
    for (const [id, label, measure] of list) {
      if (!wanted(id)) continue;
      log(label);
      sections.push(await measure(ctx));
    }
  };
  try {
    const service = await startService();
    const ctx: BenchContext = { cfg, inputs, origin, service, log };
    try {
      await runSections(ctx, [
        ['create_latency', '1. create latency vs floor', createLatency],
        ['source_length', '2. source length', sourceLength],
        ['throughput', '3. throughput', throughput],
        ['read_paths', '5. read paths', readPaths],
      ]);
    } catch (e) {
      process.stderr.write(`--- service output ---\n${service.output().slice(-8000)}\n`);
      throw e;
    } finally {
      await service.stop();
    }
    // These start their own processes (or none); the shared service is stopped by now.
    await runSections(ctx, [
      ['memory', '4. memory (fresh service)', memory],
      ['portrait_stage', '6. portrait stage', portraitStage],
      ['stages', '7. stage breakdown (information)', stages],
    ]);
    // Its own deployment of five processes: in full runs, and in a quick one only when asked by --only.
    if (!quick || only) await runSections(ctx, [['scale', '9. scale-out on PostgreSQL + S3 + Redis', scale]]);
  } finally {
    await origin.close();
    await closeHttp();
  }
}

async function report(sections: Section[], machine: Awaited<ReturnType<typeof describeMachine>>): Promise<void> {
  sections.sort((a, b) => SECTION_IDS.indexOf(a.id) - SECTION_IDS.indexOf(b.id));
  const durationSec = (Date.now() - startedAt) / 1000;
  const date = new Date().toISOString();
  process.stdout.write(`\n${textTable(sections)}\n\n`);
  const failing = sections.flatMap((s) => s.figures.filter((f) => f.pass === false).map((f) => f.key));
  if (only) {
    log(`done in ${durationSec.toFixed(0)} s (--only: nothing written); ${failing.length ? `targets missed: ${failing.join(', ')}` : 'every target met'}`);
    return;
  }
  await writeJson(RESULTS, {
    date,
    mode: quick ? 'quick' : 'full',
    durationSec,
    machine,
    config: { ...cfg, batchSize: Object.fromEntries(cfg.throughputLevels.map((c) => [c, cfg.batchSize(c)])) },
    failing,
    sections,
  });
  log(`results in ${RESULTS}`);
  if (!quick) {
    await writeDoc(sections, machine, { date, durationSec, mode: 'full' });
    log('table written to docs/performance.md');
  }
  log(`done in ${durationSec.toFixed(0)} s; ${failing.length ? `targets missed: ${failing.join(', ')}` : 'every target met'}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    killAllChildren();
    process.stderr.write(`bench crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
