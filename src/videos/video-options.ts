/** What a video task may ask for: the API schemas validate against these, the service applies the defaults. */
export const VIDEO_SIZES = ['720x1280', '1280x720', '1024x1792', '1792x1024'] as const;
export const VIDEO_SECONDS = ['4', '8', '12'] as const;
export const MAX_PROMPT_CHARS = 32_000;
export const MAX_CHARACTERS_PER_VIDEO = 2;

export const DEFAULT_MODEL = 'sora-2';
export const DEFAULT_SIZE: VideoSize = '720x1280';
export const DEFAULT_SECONDS: VideoSeconds = '4';

export type VideoSize = (typeof VIDEO_SIZES)[number];
export type VideoSeconds = (typeof VIDEO_SECONDS)[number];
export type VideoVariant = 'video' | 'thumbnail' | 'spritesheet';
