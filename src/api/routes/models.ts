import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { VideoService } from '../../videos/video-service.js';
import { errorResponses } from '../schemas/common.js';

const ModelList = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string(), engine: z.string() })),
});

/** GET /v1/models: the routed models in OpenAI's list shape, so `client.models.list()` works. */
export function modelRoutes(videos: VideoService) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/v1/models',
      {
        schema: { tags: ['videos'], summary: 'The models a video task may ask for, with their engines', response: { 200: ModelList, ...errorResponses(401) } },
      },
      async () => ({
        object: 'list' as const,
        data: videos.models().map((m) => ({ id: m.id, object: 'model' as const, created: 0, owned_by: 'sora-characters', engine: m.engine })),
      }),
    );
  };
}
