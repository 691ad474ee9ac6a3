import { describe, expect, it } from 'vitest';
import { createHumanFaceDetector } from '../../src/media/faces/human-detector.js';
import { testsrcFrame } from '../support/faces.js';

// Apart from human-detector.test.ts because the frame comes from ffmpeg (integration tier).
describe('human face detector on ffmpeg testsrc2', () => {
  it('finds no face in a testsrc2 frame', async () => {
    expect(await createHumanFaceDetector().detect(await testsrcFrame())).toEqual([]);
  });
});
