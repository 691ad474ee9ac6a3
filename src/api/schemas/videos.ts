import { z } from 'zod';
import { CharacterSchema } from './characters.js';

export const VideoSchema = z.object({
  id: z.string().describe('video_ + UUID v4'),
  object: z.literal('video'),
  model: z.string(),
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

export const CreateVideoBody = z
  .object({
    prompt: z.string().describe('1..32000 characters; every @username must be a character you may use'),
    model: z.string().optional().describe('default sora-2'),
    seconds: z.string().optional().describe('"4" (default), "8" or "12"'),
    size: z.string().optional().describe('720x1280 (default), 1280x720, 1024x1792, 1792x1024'),
    input_reference: z.object({ image_url: z.string() }).optional().describe('an image URL (multipart: an image file)'),
    characters: z.array(z.object({ id: z.string() })).optional().describe('at most 2'),
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
export const RemixBody = z.object({ prompt: z.string() });
export const DeletedVideo = z.object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.literal(true) });

export const SdkCharacter = CharacterSchema.extend({ name: z.string() });
export const CreateSdkCharacterBody = z
  .object({
    video: z.string().describe('the video file (multipart)'),
    name: z.string().describe('1..80 characters'),
    timestamps: z.string().optional().describe('"start,end"; default the first 3 s'),
  })
  .describe('multipart/form-data');
