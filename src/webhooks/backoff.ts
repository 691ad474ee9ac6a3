/**
 * Delay before the next attempt, by the number of the attempt that just failed (1-based):
 * 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h. With MAX_WEBHOOK_ATTEMPTS = 11 the
 * last attempt comes about 24 h after the first.
 */
export const WEBHOOK_BACKOFF_MS: readonly number[] = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 3_600_000,
  4 * 3_600_000,
  8 * 3_600_000,
  8 * 3_600_000,
];

/** Attempts in all (the first one included) before a delivery is given up. */
export const MAX_WEBHOOK_ATTEMPTS = WEBHOOK_BACKOFF_MS.length + 1;

/** No single wait is longer than this, whatever the attempt, jitter or Retry-After. */
export const MAX_WEBHOOK_DELAY_MS = 10 * 3_600_000;

/** Jitter: each delay is spread over ±20 % so that retries of many events do not arrive in bursts. */
export const WEBHOOK_JITTER = 0.2;

/** Delay (ms) before the attempt that follows failed attempt `attempt` (1-based). */
export function nextDelayMs(attempt: number, random: () => number = Math.random): number {
  const i = Math.min(Math.max(Math.floor(attempt), 1), WEBHOOK_BACKOFF_MS.length) - 1;
  const base = WEBHOOK_BACKOFF_MS[i]!;
  const factor = 1 + (random() * 2 - 1) * WEBHOOK_JITTER;
  return Math.min(Math.round(base * factor), MAX_WEBHOOK_DELAY_MS);
}
