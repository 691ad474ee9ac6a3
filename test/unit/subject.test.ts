import { describe, expect, it } from 'vitest';
import { describeSubject, LOW_RESOLUTION_SUBJECT_PX, SALIENT_CONFIDENCE } from '../../src/characters/subject.js';

const frame = { width: 640, height: 360 };

describe('describeSubject', () => {
  it('a face: the detector score, the face box in fractions of the frame', () => {
    const face = { x: 160, y: 90, width: 128, height: 144, score: 0.91234 };
    const s = describeSubject({ face, subjectBox: face, frame, source: { width: 1280, height: 720 } });
    expect(s).toEqual({ kind: 'face', confidence: 0.9123, box: { x: 0.25, y: 0.25, width: 0.2, height: 0.4 }, lowResolution: false });
  });

  it('low_resolution below 128 source pixels on the short side, measured in the source, not the analysis frame', () => {
    // 64 px wide in a 640 px frame of a 1280 px source: 128 px in the source, not low.
    const at = (width: number, source: { width: number; height: number }) =>
      describeSubject({ face: { x: 0, y: 0, width, height: 200, score: 0.8 }, subjectBox: { x: 0, y: 0, width, height: 200 }, frame, source }).lowResolution;
    expect(at(64, { width: 1280, height: 720 })).toBe(false);
    expect(at(63, { width: 1280, height: 720 })).toBe(true);
    // The same box in a 640 px source is 64 px: low.
    expect(at(64, { width: 640, height: 360 })).toBe(true);
    expect(LOW_RESOLUTION_SUBJECT_PX).toBe(128);
  });

  it('no face: a salient subject with the fixed low confidence and the salient box', () => {
    const s = describeSubject({ face: null, subjectBox: { x: 176, y: 36, width: 288, height: 288 }, frame, source: { width: 640, height: 360 } });
    expect(s).toEqual({ kind: 'salient', confidence: SALIENT_CONFIDENCE, box: { x: 0.275, y: 0.1, width: 0.45, height: 0.8 }, lowResolution: false });
    expect(SALIENT_CONFIDENCE).toBeLessThan(0.7);
  });

  it('keeps fractions and the confidence inside 0..1', () => {
    const s = describeSubject({
      face: { x: -4, y: 0, width: 700, height: 400, score: 1.2 },
      subjectBox: { x: 0, y: 0, width: 1, height: 1 },
      frame,
      source: frame,
    });
    expect(s.confidence).toBe(1);
    for (const v of Object.values(s.box)) expect(v >= 0 && v <= 1).toBe(true);
  });
});
