import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { BlobLoader, BlobStore } from '../../blobs/ports.js';
import { AppError } from '../../errors.js';
import type { InputReference } from '../../videos/ports.js';
import type { VideoService } from '../../videos/video-service.js';
import { decodeJsonFields, type FieldShape } from '../form-fields.js';
import { readMultipartForm, type ParsedForm } from '../multipart-form.js';
import { bodyCheckedByService } from '../service-validated-body.js';
import { sendBlob } from '../send-blob.js';
import { errorResponses } from '../schemas/common.js';
import {
  ContentQuery, CreateVideoBody, DeletedVideo, RemixBody, VideoList, VideoListQuery, VideoParams, VideoSchema,
} from '../schemas/videos.js';

export interface VideoRouteDeps {
  videos: VideoService;
  /** Where the rendered variants are read from (the route streams them). */
  blobs: Pick<BlobStore, 'stat' | 'read'> & Partial<BlobLoader>;
  tmpDir: string;
  maxUploadBytes: number;
  /** How long clients should wait between polls of an unfinished video. */
  pollAfterMs: number;
}

/** The fields of CreateVideoBody that are a list or an object, for JSON sent inside a form field. */
const CREATE_VIDEO_SHAPES: Record<string, FieldShape> = { characters: 'array', input_reference: 'object' };

async function readBody(
  req: FastifyRequest,
  deps: Pick<VideoRouteDeps, 'tmpDir' | 'maxUploadBytes'>,
  shapes: Record<string, FieldShape> = {},
): Promise<{ fields: Record<string, unknown>; form: ParsedForm | null }> {
  if (req.isMultipart()) {
    const form = await readMultipartForm(req, deps.tmpDir, deps.maxUploadBytes);
    try {
      return { fields: decodeJsonFields(form.fields, shapes), form };
    } catch (err) {
      await form.cleanup();
      throw err;
    }
  }
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new AppError('invalid_parameter', 'send a JSON object or multipart/form-data');
  }
  return { fields: req.body as Record<string, unknown>, form: null };
}

export function videoRoutes(deps: VideoRouteDeps) {
  const { videos } = deps;
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['videos'];
    const pollHeader = (reply: FastifyReply, status: string) => {
      if (status === 'queued' || status === 'in_progress') reply.header('openai-poll-after-ms', String(deps.pollAfterMs));
    };

    r.post('/v1/videos', {
      schema: { tags, summary: 'Create a video task', body: CreateVideoBody, response: { 200: VideoSchema, ...errorResponses(400, 401, 403, 413, 422, 429) } },
      validatorCompiler: bodyCheckedByService as never,
    }, async (req, reply) => {
      const { fields, form } = await readBody(req, deps, CREATE_VIDEO_SHAPES);
      try {
        const prepared = await videos.prepare(req.principal, fields);
        const file = form?.files.find((f) => f.field === 'input_reference');
        const imageUrl = (fields.input_reference as { image_url?: unknown } | undefined)?.image_url;
        let inputReference: InputReference | null = null;
        if (file) inputReference = { path: file.path };
        else if (typeof imageUrl === 'string') inputReference = { imageUrl };
        else if (fields.input_reference !== undefined) {
          throw new AppError('invalid_parameter', 'input_reference must be an image file or {"image_url": "..."}', { param: 'input_reference' });
        }
        const video = await videos.create(req.principal, prepared, inputReference);
        pollHeader(reply, video.status);
        return video;
      } finally {
        await form?.cleanup();
      }
    });

    r.get('/v1/videos', {
      schema: { tags, summary: 'List video tasks', querystring: VideoListQuery, response: { 200: VideoList, ...errorResponses(400, 401) } },
    }, async (req) => videos.list(req.principal, req.query));

    r.get('/v1/videos/:id', {
      schema: { tags, summary: 'Get a video task', params: VideoParams, response: { 200: VideoSchema, ...errorResponses(401, 404) } },
    }, async (req, reply) => {
      const video = await videos.get(req.principal, req.params.id);
      pollHeader(reply, video.status);
      return video;
    });

    r.delete('/v1/videos/:id', {
      schema: { tags, summary: 'Delete a video task and its assets', params: VideoParams, response: { 200: DeletedVideo, ...errorResponses(401, 404) } },
    }, async (req) => videos.remove(req.principal, req.params.id));

    r.get('/v1/videos/:id/content', {
      schema: { tags, summary: 'Download the video, its thumbnail or its spritesheet', params: VideoParams, querystring: ContentQuery, response: { ...errorResponses(401, 404, 409) } },
    }, async (req, reply) => {
      const { key, type } = await videos.content(req.principal, req.params.id, req.query.variant);
      return sendBlob(req, reply, deps.blobs, key, type);
    });

    r.post('/v1/videos/:id/remix', {
      schema: { tags, summary: 'Remix a completed video with a new prompt', params: VideoParams, body: RemixBody, response: { 200: VideoSchema, ...errorResponses(400, 401, 403, 404, 409) } },
      validatorCompiler: bodyCheckedByService as never,
    }, async (req, reply) => {
      const { fields, form } = await readBody(req, deps);
      try {
        const video = await videos.remix(req.principal, req.params.id, fields.prompt);
        pollHeader(reply, video.status);
        return video;
      } finally {
        await form?.cleanup();
      }
    });
  };
}
