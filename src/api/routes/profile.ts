import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CharacterService } from '../../characters/character-service.js';
import { PROFILE_SCRIPT, PROFILE_SCRIPT_PATH, pagePolicy, renderNotFoundPage, renderProfilePage } from '../../web/profile-page.js';

/**
 * GET /profile/{username}: the permalink. PROFILE_PAGES decides which characters have a page.
 * `mediaOrigin`: where the page's portrait and clip URLs point (PUBLIC_URL's origin, or the
 * bucket's with FILE_URLS=presigned), allowed by the page's Content-Security-Policy.
 */
export function profileRoutes(characters: CharacterService, mode: 'all' | 'public' | 'off', mediaOrigin: string) {
  const policy = pagePolicy(mediaOrigin);
  return async (app: FastifyInstance) => {
    app.get(PROFILE_SCRIPT_PATH, { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(PROFILE_SCRIPT),
    );
    app.get<{ Params: { username: string } }>(
      '/profile/:username',
      {
        schema: {
          tags: ['pages'],
          summary: "A character's public profile page (its permalink), HTML",
          security: [],
          params: z.object({ username: z.string().describe('<owner>.<handle>, with or without @') }),
          produces: ['text/html'],
        },
      },
      async (req, reply) => {
        const c = mode === 'off' ? null : await characters.findByUsername(req.params.username);
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', policy);
        if (!c || (mode === 'public' && c.visibility !== 'public')) {
          return reply.code(404).send(renderNotFoundPage());
        }
        if (c.visibility === 'private') reply.header('x-robots-tag', 'noindex, nofollow');
        return reply.send(renderProfilePage(c));
      },
    );
  };
}
