import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../errors.js';
import { renderDashboardError } from '../../web/dashboard/errors.js';
import { dashboardPolicy } from '../../web/dashboard/policy.js';
import { statusOf } from '../error-status.js';
import { characterPages } from './character-pages.js';
import type { DashboardDeps } from './deps.js';
import { acceptUrlEncodedForms } from './form-body.js';
import { keyPages } from './key-pages.js';
import { navOf } from './nav.js';
import { signInPages } from './sign-in-pages.js';
import { videoPages } from './video-pages.js';

/**
 * /admin: the dashboard, pages rendered on the server from the same services the API calls.
 * Signed in with an API key (a signed session cookie that names the key by id), every POST
 * carries the session's CSRF token.
 */
export function dashboardRoutes(deps: DashboardDeps) {
  const mediaOrigin = new URL(deps.publicUrl).origin;
  return async (app: FastifyInstance) => {
    acceptUrlEncodedForms(app);
    await app.register(multipart);
    app.addHook('onRequest', (_req, reply, done) => {
      reply.header('cache-control', 'no-store').header('content-security-policy', dashboardPolicy(mediaOrigin)).header('x-robots-tag', 'noindex, nofollow');
      done();
    });
    app.setErrorHandler((err: FastifyError, req, reply) => answerError(err, req, reply));

    await app.register(signInPages(deps));
    // biome-ignore lint/nursery/noMisusedPromises: Fastify takes async plugins and awaits them.
    await app.register(async (signed) => {
      signed.addHook('onRequest', deps.guard.requireSession);
      if (deps.rateLimitPerMinute) {
        // The forms do what API calls do (create, change, delete): they count per key like them.
        await signed.register(rateLimit, {
          max: deps.rateLimitPerMinute,
          timeWindow: 60_000,
          hook: 'preHandler',
          allowList: (req) => req.method !== 'POST',
          keyGenerator: (req) => req.dashboard?.principal.keyId ?? req.ip,
          errorResponseBuilder: (_req, ctx) => {
            const seconds = Math.max(1, Math.ceil(ctx.ttl / 1000));
            return new AppError('rate_limit_exceeded', `too many forms sent with this key; try again in ${seconds} s`, { retryAfter: seconds });
          },
        });
      }
      signed.addHook('preHandler', async (req) => {
        if (req.method === 'POST') await deps.guard.requireCsrf(req);
      });
      signed.get('/admin', { schema: { hide: true } }, async (_req, reply) => reply.code(303).header('location', '/admin/characters').send());
      await signed.register(characterPages(deps));
      await signed.register(videoPages(deps));
      await signed.register(keyPages(deps));
      signed.get('/admin/*', { schema: { hide: true } }, async () => {
        throw new AppError('not_found', 'there is no such page in the dashboard');
      });
    });
  };
}

/** A refusal as a page (or JSON for the status endpoints the pages poll). */
function answerError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const appError = isAppError(err) ? err : toAppError(err as FastifyError);
  if (appError.code === 'internal_error') req.log.error({ err }, 'dashboard error');
  const { status } = statusOf(appError.code);
  if (appError.retryAfter !== undefined) reply.header('retry-after', String(appError.retryAfter));
  if (req.url.endsWith('/status') || req.url.includes('/status?')) {
    return reply
      .code(status)
      .type('application/json')
      .send({ error: { code: appError.code, message: appError.message } });
  }
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(renderDashboardError({ nav: req.dashboard ? navOf(req) : null, status, code: appError.code, message: appError.message }));
}

function toAppError(err: FastifyError): AppError {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('body_too_large', 'the form is too large');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('invalid_parameter', 'send the form as the page does');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new AppError('invalid_parameter', 'the request could not be understood');
  return new AppError('internal_error', 'something went wrong on our side');
}
