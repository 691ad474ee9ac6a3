import type { FaceBox, RgbFrame } from '../../characters/ports.js';

/** What the frame chooser asks of a face detector (Human's blazeface in production). */
export interface FaceDetector {
  /** Faces in a frame, best first. */
  detect(frame: RgbFrame): Promise<FaceBox[]>;
  close?(): Promise<void>;
}
