import type { Box } from '../geometry.js';

/** What the character pipeline needs from the outside, as ports; wiring.ts plugs in the adapters. */

/** Facts ffprobe tells about a source. */
export interface ProbeResult {
  /** Seconds: the video stream's duration, else the container's. */
  durationSec: number;
  /** Coded size of the video stream. */
  width: number;
  height: number;
  /** Display size after the sample aspect ratio and rotation (what a viewer sees). */
  displayWidth: number;
  displayHeight: number;
  /** Degrees clockwise the player rotates the picture: 0, 90, 180, 270. */
  rotation: number;
  videoCodec: string;
  hasAudio: boolean;
  formatName: string;
  fps: number;
  /** Index (in the container) of the video stream these facts describe; absent means the first one. */
  videoStreamIndex?: number;
}

/** A decoded frame of the window: packed RGB, upright. */
export interface RgbFrame {
  timeSec: number; // relative to the source start
  width: number;
  height: number;
  data: Buffer; // width*height*3
}

/** A face found in a frame, with the detector's confidence. */
export interface FaceBox extends Box {
  score: number;
}

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
  /** The best face in `frame`, or null when no frame that was searched showed a face. */
  face: FaceBox | null;
  /** The score that won: the face region's sharpness, else the whole frame's. */
  sharpness: number;
  /**
   * Source times of the reference frames (2 to 4 when the window gave that many frames; `frame`'s
   * among them), ascending: sharp, spread over the window, showing the face when there is one.
   */
  referenceTimes: number[];
  /** How many frames were offered, how many went through face detection for the portrait, and how many more to confirm reference frames. */
  offered: number;
  detected: number;
  referenceDetected: number;
}

/** One analysis of the frames of a window: frames are offered as they are decoded, in time order. */
export interface FrameChooser {
  /** Feed the next frame. The chooser keeps a reference to `frame.data`. */
  offer(frame: RgbFrame): Promise<void>;
  /** The choice; null when no frame was offered. */
  result(): Promise<ChosenFrame | null>;
  /** Done with every frame, the chosen one included: their buffers may be reused. */
  dispose(): void;
}

export interface MediaToolkit {
  probe(path: string, signal?: AbortSignal): Promise<ProbeResult>;
  /**
   * One decode of the window: writes the clip (unless `clipPath` is null) and hands every sampled
   * frame to `onFrame`.
   */
  extractWindow(
    srcPath: string,
    probe: ProbeResult,
    opts: { startSec: number; endSec: number; clipPath: string | null },
    onFrame: (frame: RgbFrame) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<WindowExtraction>;
  newFrameChooser(): FrameChooser;
  /** The portrait (WebP), and the subject's box in `frame`: the face, or the salient region the portrait was cut around. */
  cutPortrait(frame: RgbFrame, face: FaceBox | null): Promise<{ webp: Buffer; subjectBox: Box }>;
  /**
   * The reference set, cut from the kept clip (a local file): JPEG frames at `times` (seconds from
   * the clip's start) at the clip's full size, and the voice sample (MP3) when the clip has audio.
   * Files are written in `outDir`.
   */
  cutReferenceSet(
    clipPath: string,
    opts: { times: number[]; width: number; height: number; hasAudio: boolean; outDir: string },
    signal?: AbortSignal,
  ): Promise<{ framePaths: string[]; voicePath: string | null }>;
}

/** Signs a blob key into an expiring public URL. */
export type UrlSigner = (key: string) => string;
