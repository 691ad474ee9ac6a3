/**
 * Figure 5: read paths. GET /sora/v1/characters/{id} (bearer key), GET /profile/{username} and
 * GET of the signed portrait URL on the service, against a bare Fastify process
 * (bench/support/bare-fastify.ts) answering the very bytes the service answered (captured just
 * before). Both servers are separate processes, loaded the same way by the same generator
 * (bench/support/http.ts loadTest: undici Pool, keep-alive, fixed request count, 16 in flight),
 * so they share the machine with the load generator equally. Runs alternate service/baseline;
 * a warm-up run of each goes first. Figure: service req/s / baseline req/s per run pair.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './support/context.js';
import { type Figure, figure, type Section } from './support/figures.js';
import { createReady, getBytes, loadTest } from './support/http.js';
import { WINDOW } from './support/inputs.js';
import { BENCH_KEY, startBareFastify } from './support/service.js';
import { spread } from './support/stats.js';

export async function readPaths(ctx: BenchContext): Promise<Section> {
  const { figures, details } = await measureReadPaths(ctx, ctx.service.url);
  return {
    id: 'read_paths',
    title: `5. Read paths, req/s (${ctx.cfg.readRequests} requests, ${ctx.cfg.readConcurrency} in flight, keep-alive)`,
    figures,
    details,
  };
}

/** The three read paths of the service at `serviceUrl` (a character made there first) against bare Fastify; figure keys start with `keyPrefix`. */
export async function measureReadPaths(
  ctx: BenchContext,
  serviceUrl: string,
  keyPrefix = '',
): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const { origin, cfg } = ctx;
  const service = { url: serviceUrl };
  const c = await createReady(service.url, origin.url('short'), WINDOW);
  const auth = { authorization: `Bearer ${BENCH_KEY}` };
  const portraitUrl = new URL(c.body.profile_picture_url!);
  const paths = {
    character: { svc: `/sora/v1/characters/${c.body.id}`, bare: '/character', file: 'character.json' },
    profile: { svc: `/profile/${c.body.username}`, bare: '/profile', file: 'profile.html' },
    portrait: { svc: `${portraitUrl.pathname}${portraitUrl.search}`, bare: '/portrait', file: 'portrait.webp' },
  } as const;

  const dir = await mkdtemp(join(tmpdir(), 'sc-bench-bodies-'));
  const sizes: Record<string, number> = {};
  for (const [name, p] of Object.entries(paths)) {
    const got = await getBytes(`${service.url}${p.svc}`, auth);
    if (got.status !== 200) throw new Error(`GET ${p.svc} answered ${got.status}`);
    await writeFile(join(dir, p.file), got.body);
    sizes[name] = got.body.length;
  }
  const bare = await startBareFastify(dir);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { bodyBytes: sizes, requests: cfg.readRequests, concurrency: cfg.readConcurrency };
  try {
    for (const [name, p] of Object.entries(paths)) {
      const warm = Math.max(100, Math.round(cfg.readRequests / 4));
      await loadTest(service.url, p.svc, auth, warm, cfg.readConcurrency);
      await loadTest(bare.url, p.bare, auth, warm, cfg.readConcurrency);
      const svc: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < cfg.reps; i++) {
        svc.push(await loadTest(service.url, p.svc, auth, cfg.readRequests, cfg.readConcurrency));
        base.push(await loadTest(bare.url, p.bare, auth, cfg.readRequests, cfg.readConcurrency));
      }
      ctx.log(`  ${name}: service ${spread(svc).median.toFixed(0)} req/s, bare Fastify ${spread(base).median.toFixed(0)} req/s`);
      figures.push(
        figure(`${keyPrefix}${name}_service_rps`, `GET ${name}: service`, 'req/s', spread(svc)),
        figure(`${keyPrefix}${name}_bare_rps`, `GET ${name}: bare Fastify, same bytes`, 'req/s', spread(base)),
        figure(`${keyPrefix}${name}_ratio`, `GET ${name}: service / bare`, 'x', spread(svc.map((x, i) => x / base[i])), { op: '>=', value: 0.5 }),
      );
      details[name] = { serviceRps: svc, bareRps: base };
    }
  } finally {
    await bare.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { figures, details };
}
