/**
 * Input options for every source the service reads (untrusted files):
 * - only the local file protocol: a playlist or reference inside the file cannot reach the network;
 * - only container demuxers of real videos: HLS/DASH playlists, concat scripts and the like (which
 *   open other files or URLs named inside them) are refused before anything is read from them,
 *   and so are the single-image demuxers (image2, *_pipe).
 * `mov` covers mp4/m4v/3gp, `matroska` covers mkv/webm.
 */
export const VIDEO_DEMUXERS: readonly string[] = [
  'mov',
  'matroska',
  'avi',
  'flv',
  'mpegts',
  'mpeg',
  'ogg',
  'asf',
  'mxf',
  'gif',
  'apng',
];

export function safeInputArgs(): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS.join(',')];
}

/** A local path as an ffmpeg URL: `file:` so a name like `http:x` or `a|b` is never read as a protocol. */
export function fileUrl(path: string): string {
  return `file:${path}`;
}
