import { z } from 'zod';
import { DisplayName } from '../../characters/display-name.js';

export const CreateCharacterBody = z
  .object({
    timestamps: z
      .union([z.string(), z.array(z.union([z.number(), z.string()]))], {
        error: (issue) => (issue.input === undefined ? 'timestamps is required: "start,end" in seconds, e.g. "1,3"' : undefined),
      })
      .describe('required: "start,end" in seconds (e.g. "1,3"), or [start, end] of numbers or numeric strings; 1..3 s inside the video'),
    url: z.string().optional().describe('http(s) URL of a video, or data:video/...;base64,'),
    from_task: z.string().optional().describe('id of a completed video task of this service; wins over url'),
    model: z.string().optional().describe('"sora-2-character" or "sora-character"; any string is accepted and echoed'),
    username: z
      .string()
      .optional()
      .describe('requested handle [a-z0-9_]{3,30} (or the full <owner>.<handle> with your own owner); the username becomes <owner>.<handle>'),
    display_name: DisplayName.optional().describe('1..80 characters, not blank'),
    visibility: z.enum(['private', 'public']).optional(),
  })
  .describe('A character from a 1-3 s window of a video');

export const CharacterSchema = z.object({
  id: z.string().describe('ch_ + 32 lowercase hex'),
  object: z.literal('character'),
  username: z.string().describe('<owner>.<handle>: mention it as @username in prompts'),
  permalink: z.string(),
  profile_picture_url: z.string().nullable().describe('signed, expiring URL of the 512 px WebP portrait'),
  clip_url: z.string().nullable().describe('signed URL of the trimmed window (H.264 MP4)'),
  reference_frame_urls: z
    .array(z.string())
    .describe('signed URLs of 2-4 sharp JPEG frames of the window that show the subject, spread in time, in time order (empty until ready)'),
  voice_url: z.string().nullable().describe("signed URL of the window's audio as an MP3 voice sample; null when the window has no audio"),
  subject: z
    .object({
      kind: z.enum(['face', 'salient']).describe('"face": a face was found; "salient": nobody was found, the main region is a guess'),
      confidence: z.number().min(0).max(1).describe("the face detector's score (0.7..1), or 0.2 for a salient guess"),
      box: z
        .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
        .describe('where the subject is in the portrait frame, in fractions (0..1) of the frame'),
      low_resolution: z.boolean().describe("true when the subject's short side is below 128 pixels of the source"),
    })
    .nullable()
    .describe('what the frames show; null while processing or when failed'),
  display_name: z.string(),
  status: z.enum(['processing', 'ready', 'failed']),
  visibility: z.enum(['private', 'public']),
  timestamps: z.string(),
  model: z.string().nullable(),
  source: z.object({
    type: z.enum(['url', 'task', 'upload']),
    url: z.string().optional(),
    task_id: z.string().optional(),
    filename: z.string().optional(),
  }),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const CharacterList = z.object({
  object: z.literal('list'),
  data: z.array(CharacterSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().optional(),
});

export const CharacterParams = z.object({ id: z.string().min(1).max(80) });

export const PatchCharacterBody = z.object({
  display_name: DisplayName.optional().describe('1..80 characters, not blank'),
  visibility: z.enum(['private', 'public']).optional(),
});

export const DeletedCharacter = z.object({
  id: z.string(),
  object: z.literal('character.deleted'),
  deleted: z.literal(true),
});

export const CreateHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional(),
  prefer: z.string().optional(),
});
