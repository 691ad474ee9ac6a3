import { z } from 'zod';
import { DisplayName } from '../../characters/display-name.js';
import {
  DEFAULT_MODEL,
  DEFAULT_SECONDS,
  DEFAULT_SIZE,
  MAX_CHARACTERS_PER_VIDEO,
  MAX_PROMPT_CHARS,
  VIDEO_SECONDS,
  VIDEO_SIZES,
} from '../../videos/video-options.js';
import { UploadedFile } from '../multipart-form.js';
import { CharacterSchema } from './characters.js';

export const VideoSchema = z.object({
  id: z.string().describe('video_ + UUID v4'),
  object: z.literal('video'),
  model: z.string(),
  engine: z.string().describe('the engine that renders it, chosen by model (ENGINE_MODELS)'),
  status: z.enum(['queued', 'in_progress', 'completed', 'failed']),
  progress: z.number(),
  created_at: z.number().int(),
  completed_at: z.number().int().nullable(),
  expires_at: z.number().int().nullable(),
  prompt: z.string(),
  size: z.string(),
  seconds: z.string(),
  remixed_from_video_id: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  characters: z.array(z.object({ id: z.string(), username: z.string().nullable() })),
});

/** A file field of a multipart body (see multipart-body.ts); documented as binary. */
export const UploadedFileField = z
  .custom<UploadedFile>((v) => v instanceof UploadedFile, { error: 'must be a file (multipart/form-data)' })
  .meta({ type: 'string', format: 'binary' });

/** Entries of `characters` read at most (duplicates included): each one costs a lookup. */
const MAX_CHARACTER_ENTRIES = 2 * MAX_CHARACTERS_PER_VIDEO;

const Prompt = z
  .string()
  .max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`)
  .refine((p) => p.trim().length > 0, 'is required');

export const CreateVideoBody = z
  .object({
    prompt: Prompt.describe(`1..${MAX_PROMPT_CHARS} characters; every @username must be a character you may use`),
    model: z.string().optional().describe(`default ${DEFAULT_MODEL}`),
    // JSON clients may send the number; a list is refused.
    seconds: z
      .union([z.enum(VIDEO_SECONDS), z.number().transform(String).pipe(z.enum(VIDEO_SECONDS))], { error: `must be one of ${VIDEO_SECONDS.join(', ')}` })
      .optional()
      .describe(`${VIDEO_SECONDS.map((v) => `"${v}"`).join(', ')}; default "${DEFAULT_SECONDS}"`),
    size: z
      .enum(VIDEO_SIZES, { error: `must be one of ${VIDEO_SIZES.join(', ')}` })
      .optional()
      .describe(`${VIDEO_SIZES.join(', ')}; default ${DEFAULT_SIZE}`),
    input_reference: z
      .union([z.object({ image_url: z.string() }), UploadedFileField], { error: 'must be an image file or {"image_url": "..."}' })
      .optional()
      .describe('an image file (multipart), or {"image_url": "..."} (http(s) or data:image/...;base64,)'),
    characters: z
      .array(z.union([z.string(), z.object({ id: z.string() })]), { error: 'must be an array of {"id": "ch_..."}' })
      .max(MAX_CHARACTER_ENTRIES, `must have at most ${MAX_CHARACTER_ENTRIES} entries`)
      .optional()
      .describe(`characters by id (or username), at most ${MAX_CHARACTERS_PER_VIDEO} distinct with the mentions (${MAX_CHARACTER_ENTRIES} entries)`),
  })
  .describe('JSON or multipart/form-data');

export const VideoList = z.object({
  object: z.literal('list'),
  data: z.array(VideoSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});

export const VideoListQuery = z.object({
  limit: z.coerce.number().int().min(0).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().optional(),
});

export const VideoParams = z.object({ id: z.string().min(1).max(100) });
export const ContentQuery = z.object({ variant: z.enum(['video', 'thumbnail', 'spritesheet']).default('video') });
export const RemixBody = z.object({ prompt: Prompt });
export const DeletedVideo = z.object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.literal(true) });

export const SdkCharacter = CharacterSchema.extend({ name: z.string() });
export const CreateSdkCharacterBody = z
  .object({
    video: UploadedFileField.describe('the video file'),
    name: DisplayName.describe('1..80 characters'),
    timestamps: z.string().optional().describe('"start,end"; default the first 3 s'),
  })
  .describe('multipart/form-data');
