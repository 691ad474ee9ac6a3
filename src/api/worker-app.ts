import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { installErrorHandling } from './error-handler.js';
import { metricsRoutes } from './metrics.js';
import type { MetricsAccessSettings } from './metrics-access.js';
import { healthRoutes, type ReadinessChecks } from './routes/health.js';

export interface WorkerAppDeps {
  readiness: ReadinessChecks;
  queueDepth: () => Promise<number>;
  workMetrics: Registry;
  settings: MetricsAccessSettings;
  logger: FastifyBaseLogger;
}

/**
 * The `worker` process's only listener (WORKER_PORT): /healthz (the process answers), /readyz
 * (store, storage and queue by name) and /metrics (its jobs, under the same METRICS_ALLOW and
 * METRICS_TOKEN). No API route: a worker serves no client.
 */
export async function buildWorkerApp(deps: WorkerAppDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger, disableRequestLogging: true });
  installErrorHandling(app);
  await metricsRoutes({ queueDepth: deps.queueDepth, access: deps.settings, work: deps.workMetrics })(app);
  await app.register(healthRoutes(deps.readiness));
  return app;
}
