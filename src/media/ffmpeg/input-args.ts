import { fileUrl } from '../../ffmpeg/file-url.js';
import { inputLimitArgs } from '../../ffmpeg/limits.js';
/**
 * Input options for every source the service reads (untrusted files):
 * - only the local file protocol: a playlist or reference inside the file cannot reach the network;
 * - only container demuxers of real videos: HLS/DASH playlists, concat scripts and the like (which
 *   open other files or URLs named inside them) are refused before anything is read from them,
 *   and so are the single-image demuxers (image2, *_pipe);
 * - the decoding limits (src/ffmpeg/limits.ts): no picture over MAX_PIXELS, no more than
 *   MAX_STREAMS streams, a bounded read to find the streams, a fixed number of decoder threads.
 * `mov` covers mp4/m4v/3gp, `matroska` covers mkv/webm.
 */
export const VIDEO_DEMUXERS: readonly string[] = ['mov', 'matroska', 'avi', 'flv', 'mpegts', 'mpeg', 'ogg', 'asf', 'mxf', 'gif', 'apng'];

/**
 * The one network source ffmpeg may read: the service's own loopback relay of a checked remote
 * source (src/fetch/range-source.ts), so that only the bytes of the window cross the network.
 */
const LOOPBACK_RELAY = /^http:\/\/127\.0\.0\.1:\d{1,5}\/[0-9a-f]{48}$/;

export const isLoopbackRelay = (src: string) => LOOPBACK_RELAY.test(src);

export function safeInputArgs(src?: string): string[] {
  const protocols = src && isLoopbackRelay(src) ? 'http,tcp' : 'file';
  return ['-protocol_whitelist', protocols, '-format_whitelist', VIDEO_DEMUXERS.join(','), ...inputLimitArgs()];
}

/** The ffmpeg input URL of a source: a local file, or the loopback relay as it is. */
export function sourceUrl(src: string): string {
  return isLoopbackRelay(src) ? src : fileUrl(src);
}

export { fileUrl };
