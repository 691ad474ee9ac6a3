import type { FastifyInstance } from 'fastify';

/** Headers every answer carries, errors and files included. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Registered on the root instance before any route, so every route and the 404 handler get them. */
export function installSecurityHeaders(app: FastifyInstance): void {
  // Callback hooks on every request: no promise per request on the read paths.
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });
}
