import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CharacterService } from '../../characters/character-service.js';
import type { CharacterView } from '../../characters/view.js';
import { multipartAsBody } from '../multipart-body.js';
import { CharacterParams } from '../schemas/characters.js';
import { errorResponses } from '../schemas/common.js';
import { CreateSdkCharacterBody, SdkCharacter } from '../schemas/videos.js';

/** The answer of the official SDK's character calls: `{id, name, created_at}` plus the character. */
const toSdkCharacter = (c: CharacterView) => ({ ...c, name: c.display_name });

/** The official SDK's `videos.createCharacter` and `videos.getCharacter`: the same characters as /sora/v1/characters. */
export function sdkCharacterRoutes(deps: { characters: CharacterService; tmpDir: string; maxUploadBytes: number }) {
  const { characters } = deps;
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/v1/videos/characters',
      {
        schema: {
          tags: ['characters'],
          summary: "The official SDK's createCharacter",
          body: CreateSdkCharacterBody,
          response: { 200: SdkCharacter, 202: SdkCharacter, ...errorResponses(400, 401, 409, 413, 422, 429) },
        },
        preValidation: multipartAsBody({ tmpDir: deps.tmpDir, maxFileBytes: deps.maxUploadBytes }),
      },
      async (req, reply) => {
        const { video, name, timestamps } = req.body;
        const { status, body } = await characters.createFromUpload(req.principal, { path: video.path, filename: video.filename, name, timestamps });
        return reply.code(status).send(toSdkCharacter(body));
      },
    );

    r.get(
      '/v1/videos/characters/:id',
      {
        schema: {
          tags: ['characters'],
          summary: "The official SDK's getCharacter",
          params: CharacterParams,
          response: { 200: SdkCharacter, ...errorResponses(401, 404) },
        },
      },
      async (req) => toSdkCharacter(await characters.get(req.principal, req.params.id)),
    );
  };
}
