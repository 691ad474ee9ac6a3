import type { MediaToolkit } from '../characters/ports.js';
import { DEFAULT_TOOL_LIMITS, type ToolLimits } from '../ffmpeg/limits.js';
import { createFrameChooser } from './choose-frame.js';
import { createHumanFaceDetector } from './faces/human-detector.js';
import { FramePool } from './frame-pool.js';
import { cutPortraitWithSubject } from './portrait.js';
import { probeMedia } from './probe.js';
import { cutReferenceSet } from './reference-set.js';
import { scoreSharpness } from './sharpness.js';
import { extractWindow } from './window.js';

/**
 * The media adapter behind the MediaToolkit port: ffmpeg for video, Human for faces, sharp for the portrait and the reference frames.
 * `limits` bound each ffmpeg/ffprobe run (FFMPEG_TIMEOUT_MS, FFMPEG_MAX_MEMORY_MB).
 */
export function createMediaToolkit(opts: { ffmpegPath: string; ffprobePath: string; limits?: ToolLimits }): MediaToolkit {
  const { timeoutMs, maxMemoryMb } = opts.limits ?? DEFAULT_TOOL_LIMITS;
  const detector = createHumanFaceDetector();
  // Two windows at the default concurrency, up to 24 frames each (3 s at 8 fps): about 33 MB kept.
  const frames = new FramePool(48);
  return {
    probe: (path, signal) => probeMedia(path, { signal, ffprobePath: opts.ffprobePath, timeoutMs, maxMemoryMb }),
    extractWindow: (src, probe, o, onFrame, signal) =>
      extractWindow(
        src,
        probe,
        { ...o, ffmpegPath: opts.ffmpegPath, ffprobePath: opts.ffprobePath, timeoutMs, maxMemoryMb, takeFrameBuffer: (n) => frames.take(n) },
        onFrame,
        signal,
      ),
    newFrameChooser: () => createFrameChooser({ detector, scoreSharpness, recycle: (b) => frames.give(b) }),
    cutPortrait: (frame, face) => cutPortraitWithSubject(frame, face),
    cutReferenceSet: (clipPath, o, signal) => cutReferenceSet(clipPath, { ...o, ffmpegPath: opts.ffmpegPath, timeoutMs, maxMemoryMb }, signal),
  };
}
