import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, isAppError } from '../../errors.js';
import { renderVideoPage, renderVideosPage } from '../../web/dashboard/videos.js';
import { statusOf } from '../error-status.js';
import { ContentQuery, CreateVideoBody } from '../schemas/videos.js';
import { sendBlob } from '../send-blob.js';
import type { DashboardDeps } from './deps.js';
import { textField } from './form-body.js';
import { navOf } from './nav.js';
import { issueMessage } from './zod-message.js';

const TASKS_PAGE = 20;
const html = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');

/** The key's video tasks: the list with a create form, a task's page with its live progress and result, and its media. */
export function videoPages(deps: Pick<DashboardDeps, 'videos' | 'blobs'>) {
  const { videos } = deps;
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { after?: string } }>('/admin/videos', { schema: { hide: true } }, async (req, reply) => {
      const list = await videos.list(req.dashboard!.principal, { limit: TASKS_PAGE, order: 'desc', after: req.query.after || undefined });
      return html(reply).send(
        renderVideosPage({ nav: navOf(req, 'videos'), videos: list.data, nextAfter: list.has_more ? list.last_id : null, models: videos.models(), values: {} }),
      );
    });

    app.post('/admin/videos', { schema: { hide: true } }, async (req, reply) => {
      const p = req.dashboard!.principal;
      const values = {
        prompt: textField(req.body, 'prompt'),
        model: textField(req.body, 'model'),
        seconds: textField(req.body, 'seconds'),
        size: textField(req.body, 'size'),
      };
      const again = async (status: number, error: string) => {
        const list = await videos.list(p, { limit: TASKS_PAGE, order: 'desc' });
        return html(reply)
          .code(status)
          .send(renderVideosPage({ nav: navOf(req, 'videos'), videos: list.data, nextAfter: null, models: videos.models(), values, error }));
      };
      const parsed = CreateVideoBody.safeParse({ ...values, prompt: values.prompt ?? '' });
      if (!parsed.success) return again(400, issueMessage(parsed.error));
      try {
        const prepared = await videos.prepare(p, parsed.data);
        const video = await videos.create(p, prepared, null);
        return reply.code(303).header('location', `/admin/videos/${video.id}`).send();
      } catch (err) {
        if (!isAppError(err) || err.code === 'internal_error') throw err;
        return again(statusOf(err.code).status, err.message);
      }
    });

    app.get<{ Params: { id: string } }>('/admin/videos/:id', { schema: { hide: true } }, async (req, reply) => {
      const video = await videos.get(req.dashboard!.principal, req.params.id);
      return html(reply).send(renderVideoPage({ nav: navOf(req, 'videos'), video }));
    });

    app.get<{ Params: { id: string } }>('/admin/videos/:id/status', { schema: { hide: true } }, async (req, reply) => {
      const v = await videos.get(req.dashboard!.principal, req.params.id);
      const done = v.status === 'completed' || v.status === 'failed';
      return reply.type('application/json').send({ id: v.id, status: v.status, progress: v.progress, error: v.error, done });
    });

    app.get<{ Params: { id: string }; Querystring: { variant?: string } }>('/admin/videos/:id/content', { schema: { hide: true } }, async (req, reply) => {
      const query = ContentQuery.safeParse({ variant: req.query.variant });
      if (!query.success) throw new AppError('invalid_parameter', 'variant is video, thumbnail or spritesheet', { param: 'variant' });
      const { key, type } = await videos.content(req.dashboard!.principal, req.params.id, query.data.variant);
      // The page sets no-store; a task's media never changes, so the browser may keep it for this session.
      return sendBlob(req, reply.header('cache-control', 'private, max-age=3600'), deps.blobs, key, type);
    });

    app.post<{ Params: { id: string } }>('/admin/videos/:id/delete', { schema: { hide: true } }, async (req, reply) => {
      await videos.remove(req.dashboard!.principal, req.params.id);
      return reply.code(303).header('location', '/admin/videos').send();
    });
  };
}
