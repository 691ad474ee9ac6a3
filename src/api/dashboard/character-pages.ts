import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CharacterView } from '../../characters/view.js';
import { AppError, isAppError } from '../../errors.js';
import { renderCharacterPage, renderDeletePage, renderGallery, renderNewCharacterPage } from '../../web/dashboard/characters.js';
import { dashboardPolicy } from '../../web/dashboard/policy.js';
import { statusOf } from '../error-status.js';
import { multipartAsBody } from '../multipart-body.js';
import { UploadedFile } from '../multipart-form.js';
import { CreateCharacterBody, PatchCharacterBody } from '../schemas/characters.js';
import type { DashboardDeps } from './deps.js';
import { textField } from './form-body.js';
import { navOf } from './nav.js';
import { issueMessage } from './zod-message.js';

const GALLERY_PAGE = 24;
const html = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** The gallery, a character's page (edit, delete), the create form, and the status the pages poll. */
export function characterPages(deps: Pick<DashboardDeps, 'characters' | 'publicUrl' | 'tmpDir' | 'maxUploadBytes'>) {
  const { characters } = deps;
  const createPolicy = dashboardPolicy(new URL(deps.publicUrl).origin, { previewAnyVideo: true });

  /** One of the signed-in key's own characters; another key's (public or not) is not found here. */
  async function ownCharacter(req: IdRequest): Promise<CharacterView> {
    const p = req.dashboard!.principal;
    const c = await characters.get(p, req.params.id);
    if (c.username.slice(0, c.username.indexOf('.')) !== p.owner) throw new AppError('character_not_found', `no character ${req.params.id}`);
    return c;
  }

  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { after?: string; deleted?: string } }>('/admin/characters', { schema: { hide: true } }, async (req, reply) => {
      const list = await characters.list(req.dashboard!.principal, { limit: GALLERY_PAGE, after: req.query.after || undefined });
      return html(reply).send(
        renderGallery({
          nav: navOf(req, 'characters'),
          characters: list.data,
          nextAfter: list.has_more ? list.last_id : null,
          deleted: req.query.deleted ?? null,
        }),
      );
    });

    app.get('/admin/characters/new', { schema: { hide: true } }, async (req, reply) =>
      html(reply)
        .header('content-security-policy', createPolicy)
        .send(renderNewCharacterPage({ nav: navOf(req, 'new'), values: {} })),
    );

    app.post(
      '/admin/characters',
      { schema: { hide: true }, preValidation: multipartAsBody({ tmpDir: deps.tmpDir, maxFileBytes: deps.maxUploadBytes }) },
      async (req, reply) => {
        const body = req.body as Record<string, unknown>;
        const file = body.video instanceof UploadedFile && (await stat(body.video.path)).size > 0 ? body.video : undefined;
        const values = {
          url: file ? undefined : textField(body, 'url'),
          timestamps: textField(body, 'timestamps'),
          display_name: textField(body, 'display_name'),
          username: textField(body, 'username'),
          visibility: textField(body, 'visibility'),
        };
        const again = (status: number, error: string) =>
          html(reply)
            .code(status)
            .header('content-security-policy', createPolicy)
            .send(renderNewCharacterPage({ nav: navOf(req, 'new'), values, error }));
        const parsed = CreateCharacterBody.safeParse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
        if (!parsed.success) return again(400, issueMessage(parsed.error));
        if (!file && !parsed.data.url) return again(400, 'Choose a video file, or give the URL of a video.');
        try {
          const { body: c } = await characters.create(
            req.dashboard!.principal,
            { ...parsed.data, ...(file ? { upload: { path: file.path, filename: file.filename }, url: undefined } : {}) },
            { respondAsync: true },
          );
          return reply.code(303).header('location', `/admin/characters/${c.id}`).send();
        } catch (err) {
          if (!isAppError(err) || err.code === 'internal_error') throw err;
          return again(statusOf(err.code).status, err.message);
        }
      },
    );

    app.get<{ Params: { id: string }; Querystring: { saved?: string } }>('/admin/characters/:id', { schema: { hide: true } }, async (req, reply) => {
      const c = await ownCharacter(req);
      return html(reply).send(renderCharacterPage({ nav: navOf(req, 'characters'), character: c, saved: req.query.saved === '1' }));
    });

    app.get<{ Params: { id: string } }>('/admin/characters/:id/status', { schema: { hide: true } }, async (req, reply) => {
      const c = await ownCharacter(req);
      return reply.type('application/json').send({ id: c.id, status: c.status, error: c.error, done: c.status !== 'processing' });
    });

    app.post<{ Params: { id: string } }>('/admin/characters/:id', { schema: { hide: true } }, async (req, reply) => {
      const c = await ownCharacter(req);
      const parsed = PatchCharacterBody.safeParse({
        display_name: textField(req.body, 'display_name') ?? '',
        visibility: textField(req.body, 'visibility'),
      });
      const again = (status: number, error: string) =>
        html(reply)
          .code(status)
          .send(renderCharacterPage({ nav: navOf(req, 'characters'), character: c, error }));
      if (!parsed.success) return again(400, issueMessage(parsed.error));
      try {
        await characters.update(req.dashboard!.principal, c.id, parsed.data);
      } catch (err) {
        if (!isAppError(err) || err.code === 'internal_error') throw err;
        return again(statusOf(err.code).status, err.message);
      }
      return reply.code(303).header('location', `/admin/characters/${c.id}?saved=1`).send();
    });

    app.get<{ Params: { id: string } }>('/admin/characters/:id/delete', { schema: { hide: true } }, async (req, reply) => {
      const c = await ownCharacter(req);
      return html(reply).send(renderDeletePage({ nav: navOf(req, 'characters'), character: c }));
    });

    app.post<{ Params: { id: string } }>('/admin/characters/:id/delete', { schema: { hide: true } }, async (req, reply) => {
      const c = await ownCharacter(req);
      await characters.remove(req.dashboard!.principal, c.id);
      return reply
        .code(303)
        .header('location', `/admin/characters?deleted=${encodeURIComponent(c.username)}`)
        .send();
    });
  };
}
