/**
 * Where the ffmpeg and ffprobe executables are. FFMPEG_PATH / FFPROBE_PATH override the
 * defaults (found on PATH); main.ts may also pass explicit paths from the validated Config.
 */
export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
}

export function defaultBinaries(env: NodeJS.ProcessEnv = process.env): MediaBinaries {
  return {
    ffmpeg: env.FFMPEG_PATH || 'ffmpeg',
    ffprobe: env.FFPROBE_PATH || 'ffprobe',
  };
}
