import { safeInputArgs, sourceUrl } from './input-args.js';

/** ffprobe: the format and every stream, as JSON. */
export function buildProbeArgs(path: string): string[] {
  return ['-v', 'error', ...safeInputArgs(path), '-print_format', 'json', '-show_format', '-show_streams', sourceUrl(path)];
}

/**
 * ffprobe: the timestamps of every packet of one stream, as `pts_time,duration_time` lines.
 * Demux only (no decode): how a source whose header carries no duration (a browser-recorded
 * WebM, a stream dump) is measured.
 */
export function buildDurationScanArgs(path: string, streamIndex: number): string[] {
  return [
    '-v',
    'error',
    ...safeInputArgs(path),
    '-select_streams',
    String(streamIndex),
    '-show_entries',
    'packet=pts_time,duration_time',
    '-print_format',
    'csv=p=0',
    sourceUrl(path),
  ];
}
