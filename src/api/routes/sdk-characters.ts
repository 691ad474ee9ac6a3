import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CharacterService } from '../../characters/character-service.js';
import type { CharacterView } from '../../characters/view.js';
import { AppError } from '../../errors.js';
import { readMultipartForm } from '../multipart-form.js';
import { CharacterParams } from '../schemas/characters.js';
import { errorResponses } from '../schemas/common.js';
import { CreateSdkCharacterBody, SdkCharacter } from '../schemas/videos.js';
import { bodyCheckedByService } from '../service-validated-body.js';

/** The answer of the official SDK's character calls: `{id, name, created_at}` plus the character. */
const toSdkCharacter = (c: CharacterView) => ({ ...c, name: c.display_name });

/** The official SDK's `videos.createCharacter` and `videos.getCharacter`: the same characters as /sora/v1/characters. */
export function sdkCharacterRoutes(deps: { characters: CharacterService; tmpDir: string; maxUploadBytes: number }) {
  const { characters } = deps;
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

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
  };
}
