import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors.js';
import { renderLoginPage } from '../../web/dashboard/login.js';
import type { DashboardDeps } from './deps.js';
import { textField } from './form-body.js';

/** Only a dashboard path of this site may be the page to go back to after signing in. */
const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/admin(\/[A-Za-z0-9_./?=&%-]*)?$/.test(next) && !next.includes('//') ? next : '/admin/characters';

/** GET/POST /admin/login and POST /admin/logout. */
export function signInPages(deps: Pick<DashboardDeps, 'guard' | 'keys'>) {
  const { guard, keys } = deps;
  return async (app: FastifyInstance) => {
    const form = (req: FastifyRequest<{ Querystring: { next?: string } }>) => ({ next: safeNext(req.query.next) });

    app.get<{ Querystring: { next?: string } }>('/admin/login', { schema: { hide: true } }, async (req, reply) => {
      if (await guard.signedIn(req)) return reply.code(303).header('location', safeNext(req.query.next)).send();
      const csrf = guard.startLogin(req, reply);
      return reply.type('text/html; charset=utf-8').send(renderLoginPage({ csrf, ...form(req) }));
    });

    app.post<{ Querystring: { next?: string } }>('/admin/login', { schema: { hide: true } }, async (req, reply) => {
      const next = safeNext(textField(req.body, 'next'));
      try {
        guard.checkLoginForm(req, textField(req.body, 'csrf'));
        const principal = await keys.authenticate(textField(req.body, 'key'));
        await guard.startSession(req, reply, principal);
        return reply.code(303).header('location', next).send();
      } catch (err) {
        if (!isAppError(err) || (err.code !== 'invalid_api_key' && err.code !== 'invalid_csrf_token')) throw err;
        const csrf = guard.startLogin(req, reply);
        const message = err.code === 'invalid_api_key' ? 'That API key is not valid (unknown or revoked).' : err.message;
        return reply
          .code(err.code === 'invalid_api_key' ? 401 : 403)
          .type('text/html; charset=utf-8')
          .send(renderLoginPage({ csrf, next, error: message }));
      }
    });

    app.post('/admin/logout', { schema: { hide: true } }, async (req, reply) => {
      // Signing out needs the session's token too: another site cannot sign you out.
      if (await guard.signedIn(req)) await guard.requireCsrf(req);
      await guard.endSession(req, reply);
      return reply.code(303).header('location', '/admin/login').send();
    });
  };
}
