import type { FastifyReply, FastifyRequest } from 'fastify';
import { unixNow } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { KeyService } from '../../keys/key-service.js';
import type { Principal } from '../../principal.js';
import {
  cookie,
  csrfMatches,
  csrfToken,
  dashboardSecret,
  LOGIN_COOKIE,
  newNonce,
  parseCookies,
  readSession,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  signSession,
} from './session.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in dashboard user: the key's principal and the session's CSRF token. */
    dashboard?: { principal: Principal; csrf: string };
  }
}

export const LOGIN_PATH = '/admin/login';
const LOGIN_TTL_SECONDS = 60 * 60;

/**
 * Who is signed in to the dashboard, and the hooks that guard its routes. The session cookie
 * names the key by id; the key is looked up on every request, so a revoked key is signed out at
 * its next request.
 */
export function createDashboardGuard(opts: { keys: KeyService; signingSecret: string; publicUrl: string; now?: () => number }) {
  const secret = dashboardSecret(opts.signingSecret);
  const now = opts.now ?? unixNow;
  const httpsSite = opts.publicUrl.startsWith('https:');
  const secure = (req: FastifyRequest) => httpsSite || req.protocol === 'https';

  const cookieSession = (req: FastifyRequest) => readSession(secret, parseCookies(req.headers.cookie).get(SESSION_COOKIE), now());

  /** A cookie with a good signature, of a session still stored (not signed out), of a key not revoked. */
  async function signedIn(req: FastifyRequest): Promise<{ principal: Principal; csrf: string } | null> {
    const session = cookieSession(req);
    if (!session) return null;
    const principal = await opts.keys.sessionPrincipal(session.nonce);
    return principal && principal.keyId === session.keyId ? { principal, csrf: csrfToken(secret, 'session', session.nonce) } : null;
  }

  /** Where a signed-out visitor is sent: the sign-in page, back here afterwards (GET pages only). */
  const loginRedirect = (req: FastifyRequest, reply: FastifyReply) => {
    const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
    if (req.headers.cookie?.includes(`${SESSION_COOKIE}=`)) reply.header('set-cookie', cookie(SESSION_COOKIE, '', { maxAge: 0, secure: secure(req) }));
    return reply.code(303).header('location', `${LOGIN_PATH}${back}`).header('cache-control', 'no-store').send();
  };

  return {
    signedIn,

    /** The profile page's viewer seam: the signed-in key, or null. */
    viewer: async (req: FastifyRequest): Promise<{ keyId: string } | null> => {
      const who = await signedIn(req);
      return who ? { keyId: who.principal.keyId } : null;
    },

    /** onRequest: no session, no page (and no upload is read): a redirect to the sign-in page. */
    requireSession: async (req: FastifyRequest, reply: FastifyReply) => {
      const who = await signedIn(req);
      if (!who) return loginRedirect(req, reply);
      req.dashboard = who;
    },

    /** preHandler of every POST: the form's `csrf` field must be the session's token. */
    requireCsrf: async (req: FastifyRequest) => {
      const given = (req.body as Record<string, unknown> | undefined)?.csrf;
      const session = cookieSession(req);
      if (!session || !csrfMatches(secret, 'session', session.nonce, given)) {
        throw new AppError('invalid_csrf_token', 'this form is out of date or did not come from the dashboard: reload the page and send it again');
      }
    },

    /** onRequest of the key pages, after requireSession. */
    requireAdmin: async (req: FastifyRequest) => {
      if (!req.dashboard?.principal.admin) throw new AppError('admin_only', 'only keys listed in ADMIN_API_KEYS may manage keys and see usage');
    },

    /** The sign-in page's nonce cookie and the token its form carries. */
    startLogin(req: FastifyRequest, reply: FastifyReply): string {
      const existing = parseCookies(req.headers.cookie).get(LOGIN_COOKIE);
      const nonce = existing && /^[A-Za-z0-9_-]{22}$/.test(existing) ? existing : newNonce();
      reply.header('set-cookie', cookie(LOGIN_COOKIE, nonce, { maxAge: LOGIN_TTL_SECONDS, secure: secure(req) }));
      return csrfToken(secret, 'login', nonce);
    },

    checkLoginForm(req: FastifyRequest, given: unknown): void {
      const nonce = parseCookies(req.headers.cookie).get(LOGIN_COOKIE);
      if (!nonce || !csrfMatches(secret, 'login', nonce, given)) {
        throw new AppError('invalid_csrf_token', 'the sign-in form is out of date: reload the page and sign in again');
      }
    },

    /** Signs `principal` in: a stored session, its cookie, and the sign-in nonce dropped. */
    async startSession(req: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<void> {
      const { nonce, expiresAt } = await opts.keys.startSession(principal, SESSION_TTL_SECONDS);
      const value = signSession(secret, { keyId: principal.keyId, expiresAt, nonce });
      reply.header('set-cookie', [
        cookie(SESSION_COOKIE, value, { maxAge: SESSION_TTL_SECONDS, secure: secure(req) }),
        cookie(LOGIN_COOKIE, '', { maxAge: 0, secure: secure(req) }),
      ]);
    },

    /** Signs out: the stored session is deleted (every copy of the cookie stops working), and the cookie cleared. */
    async endSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
      const session = cookieSession(req);
      if (session) await opts.keys.endSession(session.nonce);
      reply.header('set-cookie', cookie(SESSION_COOKIE, '', { maxAge: 0, secure: secure(req) }));
    },
  };
}

export type DashboardGuard = ReturnType<typeof createDashboardGuard>;
