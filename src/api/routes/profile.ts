import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CharacterService } from '../../characters/character-service.js';
import { AppError } from '../../errors.js';
import { pagePolicy } from '../../web/page-policy.js';
import { createProfilePageCache, renderNotFoundPage } from '../../web/profile-page.js';
import { clientAddress } from '../client-address.js';

/**
 * Who is looking at a page: the signed-in owner of a key (the dashboard's session), or null for a
 * visitor. The profile page shows a private character whole only when `keyId` owns it.
 */
export type PageViewer = (req: FastifyRequest) => Promise<{ keyId: string } | null>;

/** Without a session layer, everyone is a visitor. */
export const NO_VIEWER: PageViewer = async () => null;

export interface ProfileRouteDeps {
  characters: CharacterService;
  /** PROFILE_PAGES: which characters have a page. */
  mode: 'all' | 'public' | 'off';
  /**
   * Where the page's portrait and clip URLs point (PUBLIC_URL's origin, or the bucket's with
   * FILE_URLS=presigned), allowed by the page's Content-Security-Policy.
   */
  mediaOrigin: string;
  /** PROFILE_RATE_LIMIT_PER_MINUTE, per client address (src/api/client-address.ts); null: no limit. */
  rateLimitPerMinute: number | null;
  viewer?: PageViewer;
}

/**
 * GET /profile/{username}: the permalink. A private character's page opens (it is the sharing
 * link) but shows no portrait, clip or preview image except to its owner, and is never indexed.
 * Unknown and deleted characters, and those PROFILE_PAGES hides, answer one and the same 404 page.
 */
export function profileRoutes(deps: ProfileRouteDeps) {
  const policy = pagePolicy(deps.mediaOrigin);
  const viewer = deps.viewer ?? NO_VIEWER;
  const renderPage = createProfilePageCache();
  return async (app: FastifyInstance) => {
    if (deps.rateLimitPerMinute) {
      // Before the lookup, so a client trying names is refused before it costs a query.
      await app.register(rateLimit, {
        max: deps.rateLimitPerMinute,
        timeWindow: 60_000,
        hook: 'onRequest',
        keyGenerator: clientAddress,
        errorResponseBuilder: (_req, ctx) => {
          const seconds = Math.max(1, Math.ceil(ctx.ttl / 1000));
          return new AppError('rate_limit_exceeded', `too many pages from this address; try again in ${seconds} s`, { retryAfter: seconds });
        },
      });
    }
    app.get<{ Params: { username: string } }>(
      '/profile/:username',
      {
        config: { page: true },
        schema: {
          tags: ['pages'],
          summary: "A character's profile page (its permalink), HTML",
          security: [],
          params: z.object({ username: z.string().describe('<owner>.<handle>, with or without @') }),
          produces: ['text/html'],
        },
      },
      async (req, reply) => {
        const found = deps.mode === 'off' ? null : await deps.characters.findProfile(req.params.username);
        const shown = found && (deps.mode === 'all' || found.character.visibility === 'public') ? found : null;
        const isPrivate = shown?.character.visibility === 'private';
        const viewerOwns = isPrivate ? (await viewer(req))?.keyId === shown.ownerKeyId : false;
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', policy);
        if (!shown) return reply.code(404).send(renderNotFoundPage());
        if (isPrivate) reply.header('x-robots-tag', 'noindex, nofollow');
        return reply.send(renderPage(shown.character, { owner: shown.owner, viewerOwns }));
      },
    );
  };
}
