import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CharacterService } from '../../characters/character-service.js';
import { pagePolicy } from '../../web/page-policy.js';
import { renderNotFoundPage, renderProfilePage } from '../../web/profile-page.js';

/** GET /profile/{username}: the permalink. PROFILE_PAGES decides which characters have a page. */
export function profileRoutes(characters: CharacterService, mode: 'all' | 'public' | 'off', publicUrl: string) {
  const policy = pagePolicy(new URL(publicUrl).origin);
  return async (app: FastifyInstance) => {
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
        return reply.send(renderProfilePage(c, { owner: c.username.split('.')[0] ?? '', viewerOwns: false }));
      },
    );
  };
}
