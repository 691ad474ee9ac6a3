import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLiveness } from '../../src/signals/liveness.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A liveness whose beats come back (or not) as the test says; fake time. */
function setup() {
  vi.useFakeTimers();
  let echo = true;
  let recovered = 0;
  let beats = 0;
  const l = createLiveness({
    intervalMs: 250,
    staleAfterMs: 1_000,
    beat: () => {
      beats++;
      if (echo) queueMicrotask(() => l.heard());
    },
    onRecovered: () => {
      recovered++;
    },
  });
  return {
    l,
    setEcho: (on: boolean) => {
      echo = on;
    },
    recovered: () => recovered,
    beats: () => beats,
  };
}

describe('signal bus liveness', () => {
  it('is not live before it listens, live while its beats come back, not live once the connection is lost', async () => {
    const t = setup();
    expect(t.l.live()).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.beats()).toBe(0); // no beats while not connected
    t.l.listening();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.l.live()).toBe(true);
    expect(t.beats()).toBeGreaterThanOrEqual(19);
    t.l.lost();
    expect(t.l.live()).toBe(false);
    t.l.stop();
  });

  it('a connection that stays up but stops hearing itself is not live within staleAfterMs; when the beats come back it is, and the gap is announced once', async () => {
    const t = setup();
    t.l.listening();
    await vi.advanceTimersByTimeAsync(500);
    t.setEcho(false); // a half-open socket: sends go nowhere, nothing comes back
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.l.live()).toBe(true); // the last beat came back ~500 ms before the silence began
    await vi.advanceTimersByTimeAsync(500);
    expect(t.l.live()).toBe(false);
    expect(t.recovered()).toBe(0);
    t.setEcho(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(t.l.live()).toBe(true);
    expect(t.recovered()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(t.recovered()).toBe(1);
    t.l.stop();
  });

  it('a silence no one asked about is still noticed (by the timer), so its recovery still announces the gap', async () => {
    const t = setup();
    t.l.listening();
    t.setEcho(false);
    await vi.advanceTimersByTimeAsync(3_000); // live() never called meanwhile
    t.setEcho(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(t.recovered()).toBe(1);
    t.l.stop();
  });
});
