import { afterEach, describe, expect, it, vi } from 'vitest';
import { CharacterEvents } from '../../src/characters/events.js';
import { createInProcessBus } from '../../src/signals/inprocess-bus.js';
import { createListenerSet } from '../../src/signals/listeners.js';
import type { SignalBus } from '../../src/signals/ports.js';

/** A bus whose gaps the test makes (the in-process bus never has one). */
function gappyBus(): SignalBus & { gap(): void; down: boolean } {
  const listeners = createListenerSet();
  const bus: SignalBus & { gap(): void; down: boolean } = {
    down: false,
    publish: (type, payload) => queueMicrotask(() => listeners.dispatch(type, payload)),
    subscribe: (type, l) => listeners.subscribe(type, l),
    onGap: (l) => listeners.onGap(l),
    live: () => !bus.down,
    ready: async () => {},
    close: async () => {},
    gap: () => listeners.gap(),
  };
  return bus;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CharacterEvents', () => {
  it('a waiter ends on the settle message of its id (not another id), checking the store each time', async () => {
    const events = new CharacterEvents(createInProcessBus(), { safetyPollMs: 3_600_000 });
    let settled = false;
    let checks = 0;
    let ended = false;
    const wait = events
      .waitFor('ch_a', 3_600_000, async () => {
        checks++;
        return settled;
      })
      .then(() => {
        ended = true;
      });
    await vi.waitFor(() => expect(checks).toBe(1));
    events.settled('ch_other');
    await new Promise((r) => setTimeout(r, 10));
    expect(ended).toBe(false);
    expect(checks).toBe(1);
    settled = true;
    events.settled('ch_a');
    await wait;
    expect(checks).toBe(2);
  });

  it('a settle message that comes while the first check runs is not lost', async () => {
    const events = new CharacterEvents(createInProcessBus(), { safetyPollMs: 3_600_000 });
    let calls = 0;
    await events.waitFor('ch_b', 3_600_000, async () => {
      calls++;
      if (calls === 1) {
        // The job settles between the store read and the wait.
        events.settled('ch_b');
        await new Promise((r) => setTimeout(r, 5));
        return false;
      }
      return true;
    });
    expect(calls).toBe(2);
  });

  it('a gap on the bus makes every waiter read the store at once (a settle message may be lost)', async () => {
    const bus = gappyBus();
    const events = new CharacterEvents(bus, { safetyPollMs: 3_600_000 });
    let settled = false;
    const waits = ['ch_c', 'ch_d'].map((id) => events.waitFor(id, 3_600_000, async () => settled));
    await new Promise((r) => setTimeout(r, 5));
    settled = true; // settled elsewhere, message lost
    bus.gap();
    await Promise.all(waits);
  });

  it('without any message, the safety poll finds the settle; without a settle, the deadline ends the wait', async () => {
    vi.useFakeTimers();
    const events = new CharacterEvents(createInProcessBus(), { safetyPollMs: 5_000 });
    let settled = false;
    let checks = 0;
    let ended = false;
    void events
      .waitFor('ch_e', 60_000, async () => {
        checks++;
        return settled;
      })
      .then(() => {
        ended = true;
      });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(checks).toBe(1);
    settled = true;
    await vi.advanceTimersByTimeAsync(1);
    expect(ended).toBe(true);
    expect(checks).toBe(2);

    let timedOut = false;
    void events
      .waitFor('ch_f', 12_000, async () => false)
      .then(() => {
        timedOut = true;
      });
    await vi.advanceTimersByTimeAsync(11_999);
    expect(timedOut).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(timedOut).toBe(true);
  });

  it('while the bus is down, a waiter reads the store every busDownPollMs (no message can come)', async () => {
    vi.useFakeTimers();
    const bus = gappyBus();
    bus.down = true;
    const events = new CharacterEvents(bus, { safetyPollMs: 5_000, busDownPollMs: 1_000 });
    let settled = false;
    let checks = 0;
    let ended = false;
    void events
      .waitFor('ch_g', 60_000, async () => {
        checks++;
        return settled;
      })
      .then(() => {
        ended = true;
      });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(checks).toBe(3);
    settled = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ended).toBe(true);
  });
});
