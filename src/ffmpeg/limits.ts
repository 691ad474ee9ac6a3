/**
 * What one ffmpeg/ffprobe run may cost. The decoders are bounded by their own options (every
 * input the service decodes gets `inputLimitArgs()`); the process as a whole by the runner
 * (a wall-clock timeout and a data-segment limit, see run.ts).
 */

/** Largest picture any decoder accepts: 8192x8192 pixels in all (a frame of 4:2:0 video is then at most 96 MiB). */
export const MAX_PIXELS = 8192 * 8192;

/** Most streams a source may have; the demuxer refuses to create more. Phone and camera videos have 2 or 3. */
export const MAX_STREAMS = 16;

/**
 * Threads per decoder, per encoder and per filter graph. Memory grows with threads (a frame-threaded
 * decoder keeps a picture per thread, each thread has its own stack), so a fixed count keeps the
 * memory limit meaningful on a machine with many cores.
 */
export const DECODER_THREADS = 2;
export const ENCODER_THREADS = 4;
export const FILTER_THREADS = 2;

/** Bytes and microseconds of a source read to find its streams' parameters (libavformat's defaults, pinned). */
const PROBE_BYTES = 5_000_000;
const ANALYZE_MICROSECONDS = 5_000_000;

export interface ToolLimits {
  /** Wall-clock limit of one run; the process group is killed past it. */
  timeoutMs: number;
  /** Data-segment (heap and private mappings) limit of one run, in MiB. */
  maxMemoryMb: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLimits = { timeoutMs: 60_000, maxMemoryMb: 1024 };

/** Input options (before `-i`, or before ffprobe's input) that bound what decoding one input costs. */
export function inputLimitArgs(): string[] {
  return [
    '-max_pixels',
    String(MAX_PIXELS),
    '-max_streams',
    String(MAX_STREAMS),
    '-probesize',
    String(PROBE_BYTES),
    '-analyzeduration',
    String(ANALYZE_MICROSECONDS),
    '-threads',
    String(DECODER_THREADS),
  ];
}
