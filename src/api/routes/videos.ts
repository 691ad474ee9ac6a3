import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { BlobLoader, BlobStore } from '../../blobs/ports.js';
import type { InputReference } from '../../videos/ports.js';
import type { VideoService } from '../../videos/video-service.js';
import { multipartAsBody } from '../multipart-body.js';
import { type FileFieldLimit, UploadedFile } from '../multipart-form.js';
import { errorResponses } from '../schemas/common.js';
import { ContentQuery, CreateVideoBody, DeletedVideo, RemixBody, VideoList, VideoListQuery, VideoParams, VideoSchema } from '../schemas/videos.js';
import { sendBlob } from '../send-blob.js';

export interface VideoRouteDeps {
  videos: VideoService;
  /** Where the rendered variants are read from (the route streams them). */
  blobs: Pick<BlobStore, 'stat' | 'read'> & Partial<BlobLoader>;
  tmpDir: string;
  maxUploadBytes: number;
  /** The input_reference file of a multipart create: MAX_REFERENCE_IMAGE_BYTES, and an image from its first bytes. */
  inputReferenceUpload: FileFieldLimit;
  /** How long clients should wait between polls of an unfinished video. */
  pollAfterMs: number;
}

export function videoRoutes(deps: VideoRouteDeps) {
  const { videos } = deps;
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['videos'];
    const pollHeader = (reply: FastifyReply, status: string) => {
      if (status === 'queued' || status === 'in_progress') reply.header('openai-poll-after-ms', String(deps.pollAfterMs));
    };

    r.post(
      '/v1/videos',
      {
        schema: {
          tags,
          summary: 'Create a video task',
          body: CreateVideoBody,
          response: { 200: VideoSchema, ...errorResponses(400, 401, 403, 413, 422, 429) },
        },
        // input_reference is the one file this route takes: no file of it may be larger than that image's cap.
        preValidation: multipartAsBody({
          tmpDir: deps.tmpDir,
          maxFileBytes: deps.inputReferenceUpload.maxBytes,
          fileFields: { input_reference: deps.inputReferenceUpload },
          shapes: { characters: 'array', input_reference: 'object' },
        }),
      },
      async (req, reply) => {
        const { input_reference: ref, ...fields } = req.body;
        const prepared = await videos.prepare(req.principal, fields);
        const inputReference: InputReference | null = !ref ? null : ref instanceof UploadedFile ? { path: ref.path } : { imageUrl: ref.image_url };
        const video = await videos.create(req.principal, prepared, inputReference);
        pollHeader(reply, video.status);
        return video;
      },
    );

    r.get(
      '/v1/videos',
      {
        schema: { tags, summary: 'List video tasks', querystring: VideoListQuery, response: { 200: VideoList, ...errorResponses(400, 401) } },
      },
      async (req) => videos.list(req.principal, req.query),
    );

    r.get(
      '/v1/videos/:id',
      {
        schema: { tags, summary: 'Get a video task', params: VideoParams, response: { 200: VideoSchema, ...errorResponses(401, 404) } },
      },
      async (req, reply) => {
        const video = await videos.get(req.principal, req.params.id);
        pollHeader(reply, video.status);
        return video;
      },
    );

    r.delete(
      '/v1/videos/:id',
      {
        schema: { tags, summary: 'Delete a video task and its assets', params: VideoParams, response: { 200: DeletedVideo, ...errorResponses(401, 404) } },
      },
      async (req) => videos.remove(req.principal, req.params.id),
    );

    r.get(
      '/v1/videos/:id/content',
      {
        schema: {
          tags,
          summary: 'Download the video, its thumbnail or its spritesheet',
          params: VideoParams,
          querystring: ContentQuery,
          response: { ...errorResponses(401, 404, 409) },
        },
      },
      async (req, reply) => {
        const { key, type } = await videos.content(req.principal, req.params.id, req.query.variant);
        return sendBlob(req, reply, deps.blobs, key, type);
      },
    );

    r.post(
      '/v1/videos/:id/remix',
      {
        schema: {
          tags,
          summary: 'Remix a completed video with a new prompt',
          params: VideoParams,
          body: RemixBody,
          response: { 200: VideoSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
        preValidation: multipartAsBody({ tmpDir: deps.tmpDir, maxFileBytes: deps.maxUploadBytes }),
      },
      async (req, reply) => {
        const video = await videos.remix(req.principal, req.params.id, req.body.prompt);
        pollHeader(reply, video.status);
        return video;
      },
    );
  };
}
