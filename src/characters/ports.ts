import type { FaceBox, ProbeResult, RgbFrame } from '../media/types.js';

/** What the character pipeline needs from the outside, as ports; main.ts plugs in the adapters. */

export interface SourceFetcher {
  /** Cheap checks at request time (scheme, literal private addresses); throws AppError. */
  checkUrl(url: string): void;
  /** Brings the source (http(s) or data: URL) to `destPath`, within the limits. */
  fetchToFile(url: string, destPath: string, signal?: AbortSignal): Promise<{ bytes: number }>;
  /**
   * Downloads the source to `destPath`, or, for a large source whose server honours Range, opens
   * it for reading in place: `range.localUrl` is given to the media toolkit instead of a file,
   * so only the bytes of the window are fetched.
   */
  fetchOrOpen(url: string, destPath: string, signal?: AbortSignal): Promise<{ path: string } | { range: RangeRead }>;
}

export interface RangeRead {
  localUrl: string;
  bytesRead(): number;
  /** The reason reading stopped early (source_too_large), which the media tools only see as a cut file. */
  failure(): Error | null;
  close(): Promise<void>;
}

export interface WindowExtraction {
  clip: { width: number; height: number; durationSec: number; hasAudio: boolean };
  frameCount: number;
}

export interface ChosenFrame {
  frame: RgbFrame;
  face: FaceBox | null;
  sharpness: number;
}

/** One analysis of the frames of a window: frames are offered as they are decoded. */
export interface FrameChooser {
  offer(frame: RgbFrame): Promise<void>;
  result(): Promise<ChosenFrame | null>;
  /** Done with every frame, the chosen one included: their buffers may be reused. */
  dispose(): void;
}

export interface MediaToolkit {
  probe(path: string, signal?: AbortSignal): Promise<ProbeResult>;
  /** One decode of the window: writes the clip and hands every sampled frame to `onFrame`. */
  extractWindow(
    srcPath: string,
    probe: ProbeResult,
    opts: { startSec: number; endSec: number; clipPath: string },
    onFrame: (frame: RgbFrame) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<WindowExtraction>;
  newFrameChooser(): FrameChooser;
  cutPortrait(frame: RgbFrame, face: FaceBox | null): Promise<Buffer>;
}

/** Signs a blob key into an expiring public URL. */
export type UrlSigner = (key: string) => string;
