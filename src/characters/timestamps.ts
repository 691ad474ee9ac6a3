import { AppError } from '../errors.js';

export interface TimeWindow {
  startSec: number;
  endSec: number;
}

/** Seconds allowed past the measured duration: containers round their durations. */
export const DURATION_TOLERANCE_SEC = 0.05;
export const MIN_WINDOW_SEC = 1;
export const MAX_WINDOW_SEC = 3;

const PLAIN_DECIMAL = /^\s*(\d+(?:\.\d+)?)\s*$/;

const invalid = (message: string) => new AppError('invalid_timestamps', message, { param: 'timestamps' });

/**
 * The timestamps grammar (docs/api.md): "start,end" of plain decimals (spaces allowed around the
 * numbers), or a JSON array of two non-negative numbers (or plain-decimal strings); start < end
 * and 1 <= end - start <= 3.
 */
export function parseTimestamps(input: unknown): TimeWindow {
  let pair: [number, number];
  if (typeof input === 'string') {
    const parts = input.split(',');
    if (parts.length !== 2) throw invalid('timestamps must be "start,end" in seconds, e.g. "1,3"');
    const nums = parts.map((p) => PLAIN_DECIMAL.exec(p)?.[1]);
    if (nums.some((n) => n === undefined)) {
      throw invalid('timestamps must be two plain decimal numbers of seconds, e.g. "0.5,2.25"');
    }
    pair = [Number(nums[0]), Number(nums[1])];
  } else if (Array.isArray(input)) {
    // Relay clients send ["1", "3"] as well as [1, 3]; a string item follows the string grammar.
    const nums = input.map((n) => (typeof n === 'string' ? Number(PLAIN_DECIMAL.exec(n)?.[1] ?? NaN) : n));
    if (nums.length !== 2 || !nums.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
      throw invalid('timestamps as an array must hold two non-negative numbers, e.g. [1, 3] or ["1", "3"]');
    }
    pair = [nums[0], nums[1]];
  } else if (input === undefined || input === null) {
    throw invalid('timestamps is required: "start,end" in seconds, e.g. "1,3"');
  } else {
    throw invalid('timestamps must be a string "start,end" or an array of two numbers');
  }
  const [startSec, endSec] = pair;
  if (!(startSec < endSec)) throw invalid('timestamps start must be before end');
  const length = endSec - startSec;
  // A hair of slack for binary fractions like "0.1,1.1".
  if (length < MIN_WINDOW_SEC - 1e-9 || length > MAX_WINDOW_SEC + 1e-9) {
    throw invalid(`the window must last between ${MIN_WINDOW_SEC} and ${MAX_WINDOW_SEC} seconds (got ${round(length)})`);
  }
  return { startSec, endSec };
}

/** The window must end inside the video: end <= duration (+ tolerance). */
export function checkWindowInside(window: TimeWindow, durationSec: number): void {
  if (window.endSec > durationSec + DURATION_TOLERANCE_SEC) {
    throw new AppError('timestamps_out_of_range', `timestamps end at ${window.endSec}s but the video lasts ${round(durationSec)}s`, { param: 'timestamps' });
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
