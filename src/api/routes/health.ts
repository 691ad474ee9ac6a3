import type { FastifyInstance } from 'fastify';

export interface ReadinessChecks {
  [name: string]: () => Promise<void>;
}

/** /healthz: the process answers. /readyz: the store, the storage and the queue answer. */
export function healthRoutes(checks: ReadinessChecks) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up', security: [] } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { tags: ['operations'], summary: 'Store, storage and queue are reachable', security: [] } }, async (_req, reply) => {
      const results: Record<string, string> = {};
      let ok = true;
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await check();
            results[name] = 'ok';
          } catch {
            ok = false;
            results[name] = 'unreachable';
          }
        }),
      );
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: results });
    });
  };
}
