import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors.js';
import { renderKeysPage } from '../../web/dashboard/keys.js';
import { statusOf } from '../error-status.js';
import type { DashboardDeps } from './deps.js';
import { textField } from './form-body.js';
import { navOf } from './nav.js';

const html = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');

/** For keys of ADMIN_API_KEYS: the stored keys (create, revoke), what each key used, and the queue depth. */
export function keyPages(deps: Pick<DashboardDeps, 'guard' | 'keys' | 'queueDepth'>) {
  const { keys } = deps;
  const page = async (req: FastifyRequest, extra: { newKey?: { key: string; name: string }; error?: string; revoked?: string } = {}) =>
    renderKeysPage({ nav: navOf(req, 'keys'), usage: await keys.usage(), queueDepth: await deps.queueDepth(), ...extra });

  return async (app: FastifyInstance) => {
    app.addHook('preHandler', deps.guard.requireAdmin);

    app.get<{ Querystring: { revoked?: string } }>('/admin/keys', { schema: { hide: true } }, async (req, reply) =>
      html(reply).send(await page(req, { revoked: req.query.revoked })),
    );

    app.post('/admin/keys', { schema: { hide: true } }, async (req, reply) => {
      try {
        const { key, record } = await keys.create(textField(req.body, 'name') ?? '');
        // Shown once, in this answer only: never in a URL, a cookie or a later page.
        return html(reply).send(await page(req, { newKey: { key, name: record.name } }));
      } catch (err) {
        if (!isAppError(err) || err.code === 'internal_error') throw err;
        return html(reply)
          .code(statusOf(err.code).status)
          .send(await page(req, { error: err.message }));
      }
    });

    app.post<{ Params: { id: string } }>('/admin/keys/:id/revoke', { schema: { hide: true } }, async (req, reply) => {
      const revoked = await keys.revoke(req.params.id);
      if (!revoked)
        return html(reply)
          .code(404)
          .send(await page(req, { error: `No active stored key ${req.params.id}.` }));
      return reply
        .code(303)
        .header('location', `/admin/keys?revoked=${encodeURIComponent(req.params.id)}`)
        .send();
    });
  };
}
