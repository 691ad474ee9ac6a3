/** Why a run of ffmpeg/ffprobe failed. */
export type ToolFailureKind =
  | 'spawn' // the executable could not be started (missing, not executable)
  | 'exit' // it ran and exited non-zero or was killed by a signal
  | 'timeout' // it ran longer than allowed and was killed
  | 'aborted' // the caller's AbortSignal fired and it was killed
  | 'output_limit' // it wrote more to stdout than the caller accepts
  | 'pixel_limit' // a decoder refused a picture larger than -max_pixels, and it was killed
  | 'stream_limit' // the demuxer refused a stream past -max_streams, and it was killed
  | 'memory_limit'; // an allocation failed under the memory limit, and it was killed

/**
 * The typed failure of the runner. Internal: `stderrTail` may hold paths and ffmpeg's words,
 * so callers turn it into an AppError with a client-safe message and keep this as the cause.
 */
export class MediaToolError extends Error {
  readonly kind: ToolFailureKind;
  readonly tool: string;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly stderrTail: string;

  constructor(
    kind: ToolFailureKind,
    tool: string,
    details: { exitCode?: number | null; exitSignal?: NodeJS.Signals | null; stderrTail?: string; cause?: unknown } = {},
  ) {
    const tail = details.stderrTail?.trim() ?? '';
    const how = kind === 'exit' ? `exited with ${details.exitCode ?? details.exitSignal ?? 'unknown status'}` : HOW[kind];
    super(`${tool} ${how}${tail ? `: ${lastLine(tail)}` : ''}`, { cause: details.cause });
    this.name = 'MediaToolError';
    this.kind = kind;
    this.tool = tool;
    this.exitCode = details.exitCode ?? null;
    this.exitSignal = details.exitSignal ?? null;
    this.stderrTail = tail;
  }
}

const HOW: Record<Exclude<ToolFailureKind, 'exit'>, string> = {
  spawn: 'could not be started',
  timeout: 'timed out',
  aborted: 'was aborted',
  output_limit: 'wrote too much output',
  pixel_limit: 'met a picture over the pixel limit',
  stream_limit: 'met more streams than allowed',
  memory_limit: 'ran out of its memory limit',
};

export const isMediaToolError = (e: unknown): e is MediaToolError => e instanceof MediaToolError;

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? '';
}
