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

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface FaceDetector {
  /** Faces in a frame, best first. */
  detect(frame: RgbFrame): Promise<FaceBox[]>;
  close?(): Promise<void>;
}
