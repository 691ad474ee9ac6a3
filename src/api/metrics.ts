import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type MetricsAccessSettings, metricsAccess } from './metrics-access.js';

/**
 * GET /metrics (Prometheus): process metrics, requests by route and status, the queue's depth, and
 * the work metrics of src/api/work-metrics.ts (characters, jobs, queue latency).
 * METRICS_ALLOW and METRICS_TOKEN restrict who may read it.
 */
export function metricsRoutes(opts: { queueDepth: () => Promise<number>; access: MetricsAccessSettings; work?: Registry }) {
  return async (app: FastifyInstance) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'sora_characters_' });
    const requests = new Counter({
      name: 'sora_characters_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'sora_characters_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers: [registry],
    });
    new Gauge({
      name: 'sora_characters_queue_depth',
      help: 'Jobs waiting to run',
      registers: [registry],
      async collect() {
        // The queue unreachable (Redis away): no sample this scrape, never a failed scrape.
        const depth = await opts.queueDepth().catch(() => null);
        if (depth === null) this.reset();
        else this.set(depth);
      },
    });

    const served = opts.work ? Registry.merge([registry, opts.work]) : registry;

    // Registered on the root instance so every route is counted, by its pattern (not its URL).
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      requests.inc({ method: req.method, route, status: String(reply.statusCode) });
      duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    });
    app.get(
      '/metrics',
      { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [] }, onRequest: metricsAccess(opts.access) },
      async (_req, reply) => reply.type(served.contentType).send(await served.metrics()),
    );
  };
}
