import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CharacterService } from '../../characters/character-service.js';
import {
  CharacterList,
  CharacterParams,
  CharacterSchema,
  CreateCharacterBody,
  CreateHeaders,
  DeletedCharacter,
  ListQuery,
  PatchCharacterBody,
} from '../schemas/characters.js';
import { errorResponses } from '../schemas/common.js';

/** Seconds a client should wait before polling a character still being made. */
const ASYNC_RETRY_AFTER_SEC = 2;

const wantsAsync = (prefer: string | undefined) => !!prefer && /(^|[,\s])respond-async($|[,;\s])/i.test(prefer);

export function characterRoutes(characters: CharacterService) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['characters'];

    r.post(
      '/sora/v1/characters',
      {
        schema: {
          tags,
          summary: 'Create a character from a window of a video',
          body: CreateCharacterBody,
          headers: CreateHeaders,
          response: { 200: CharacterSchema, 202: CharacterSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 502, 504) },
        },
      },
      async (req, reply) => {
        const respondAsync = wantsAsync(req.headers.prefer);
        const { status, body } = await characters.create(req.principal, req.body, { idempotencyKey: req.headers['idempotency-key'], respondAsync });
        // 202 also answers a synchronous create that outlasted SYNC_WAIT_MS: the preference is applied only when it was asked for.
        if (status === 202) {
          if (respondAsync) reply.header('preference-applied', 'respond-async');
          reply.header('location', `/sora/v1/characters/${body.id}`);
          reply.header('retry-after', String(ASYNC_RETRY_AFTER_SEC));
        }
        return reply.code(status).send(body);
      },
    );

    r.get(
      '/sora/v1/characters',
      {
        schema: {
          tags,
          summary: "List the key's characters, newest first",
          querystring: ListQuery,
          response: { 200: CharacterList, ...errorResponses(400, 401) },
        },
      },
      async (req) => characters.list(req.principal, req.query),
    );

    r.get(
      '/sora/v1/characters/:id',
      {
        schema: {
          tags,
          summary: 'Get a character by id or username',
          params: CharacterParams,
          response: { 200: CharacterSchema, ...errorResponses(401, 404) },
        },
      },
      async (req) => characters.get(req.principal, req.params.id),
    );

    r.patch(
      '/sora/v1/characters/:id',
      {
        schema: {
          tags,
          summary: 'Change display_name or visibility',
          params: CharacterParams,
          body: PatchCharacterBody,
          response: { 200: CharacterSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (req) => characters.update(req.principal, req.params.id, req.body),
    );

    r.delete(
      '/sora/v1/characters/:id',
      {
        schema: {
          tags,
          summary: 'Delete a character and its assets',
          params: CharacterParams,
          response: { 200: DeletedCharacter, ...errorResponses(401, 403, 404) },
        },
      },
      async (req) => characters.remove(req.principal, req.params.id),
    );
  };
}
