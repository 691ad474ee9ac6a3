import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CharacterService } from '../../characters/character-service.js';
import { AppError } from '../../errors.js';
import { toSdkCharacter, type VideoService } from '../../videos/video-service.js';
import { decodeJsonFields, type FieldShape } from '../form-fields.js';
import { readMultipartForm, type ParsedForm } from '../multipart-form.js';
import { sendBlob } from '../send-blob.js';
import { errorResponses } from '../schemas/common.js';
import { CharacterParams } from '../schemas/characters.js';
import {
  ContentQuery, CreateSdkCharacterBody, CreateVideoBody, DeletedVideo, RemixBody, SdkCharacter, VideoList, VideoListQuery, VideoParams, VideoSchema,
} from '../schemas/videos.js';

export interface VideoRouteDeps {
  videos: VideoService;
  characters: CharacterService;
  /** Stores an input reference (uploaded file or image URL) for a video id; returns its blob key. */
  storeInputReference: (videoId: string, ref: { path: string } | { imageUrl: string }) => Promise<string>;
  tmpDir: string;
  maxUploadBytes: number;
  /** How long clients should wait between polls of an unfinished video. */
  pollAfterMs: number;
}

/**
 * Bodies that may be JSON or multipart are documented by their schema but checked by the
 * service, which knows the exact codes; other parts keep the zod validator.
 */
const bodyCheckedByService = ({ httpPart, ...rest }: Parameters<typeof validatorCompiler>[0]) =>
  httpPart === 'body' ? () => true : validatorCompiler({ httpPart, ...rest });

/** The fields of CreateVideoBody that are a list or an object, for JSON sent inside a form field. */
const CREATE_VIDEO_SHAPES: Record<string, FieldShape> = { characters: 'array', input_reference: 'object' };

async function readBody(req: FastifyRequest, deps: VideoRouteDeps, shapes: Record<string, FieldShape> = {}): Promise<{ fields: Record<string, unknown>; form: ParsedForm | null }> {
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
  const { videos, characters } = deps;
  return async (app: FastifyInstance) => {
    await app.register(import('@fastify/multipart'));
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
        let refKey: string | null = null;
        if (file) refKey = await deps.storeInputReference(prepared.id, { path: file.path });
        else if (typeof imageUrl === 'string') refKey = await deps.storeInputReference(prepared.id, { imageUrl });
        else if (fields.input_reference !== undefined) {
          throw new AppError('invalid_parameter', 'input_reference must be an image file or {"image_url": "..."}', { param: 'input_reference' });
        }
        const video = await videos.create(req.principal, prepared, refKey);
        pollHeader(reply, video.status);
        return video;
      } finally {
        await form?.cleanup();
      }
    });

    r.get('/v1/videos', {
      schema: { tags, summary: 'List video tasks', querystring: VideoListQuery, response: { 200: VideoList, ...errorResponses(400, 401) } },
    }, async (req) => videos.list(req.principal, req.query));

    r.post('/v1/videos/characters', {
      schema: { tags: ['characters'], summary: "The official SDK's createCharacter", body: CreateSdkCharacterBody, response: { 200: SdkCharacter, 202: SdkCharacter, ...errorResponses(400, 401, 409, 413, 422, 429) } },
      validatorCompiler: bodyCheckedByService as never,
    }, async (req, reply) => {
      if (!req.isMultipart()) throw new AppError('invalid_parameter', 'send multipart/form-data with a `video` file and a `name`');
      const form = await readMultipartForm(req, deps.tmpDir, deps.maxUploadBytes);
      try {
        const file = form.files.find((f) => f.field === 'video');
        if (!file) throw new AppError('missing_source', 'send the video as the `video` file field', { param: 'video' });
        const { status, body } = await characters.createFromUpload(req.principal, {
          path: file.path, filename: file.filename, name: form.fields.name, timestamps: form.fields.timestamps,
        });
        return reply.code(status).send(toSdkCharacter(body));
      } finally {
        await form.cleanup();
      }
    });

    r.get('/v1/videos/characters/:id', {
      schema: { tags: ['characters'], summary: "The official SDK's getCharacter", params: CharacterParams, response: { 200: SdkCharacter, ...errorResponses(401, 404) } },
    }, async (req) => toSdkCharacter(await characters.get(req.principal, req.params.id)));

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
      return sendBlob(req, reply, videos, key, type);
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
