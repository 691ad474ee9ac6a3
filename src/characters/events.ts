import { EventEmitter } from 'node:events';
import type { SignalBus } from '../signals/ports.js';

export interface CharacterEventsOptions {
  /**
   * How often a waiting request reads the store anyway: a safety net for a settle message that
   * was lost (the bus is at most once). A gap on the bus makes every waiter read at once.
   */
  safetyPollMs?: number;
  /** How often it reads while the bus is down (no message can come): the old polling. */
  busDownPollMs?: number;
}

/**
 * Character notices between processes, on the signal bus: a settle (ready or failed) wakes the
 * synchronous create waiting for it, whichever process ran the job; a change (patch, delete,
 * visibility) lets every process drop what it kept of the character.
 */
export class CharacterEvents {
  private readonly waiters = new EventEmitter();
  private readonly safetyPollMs: number;
  private readonly busDownPollMs: number;

  constructor(
    private readonly bus: SignalBus,
    opts: CharacterEventsOptions = {},
  ) {
    this.safetyPollMs = opts.safetyPollMs ?? 5_000;
    this.busDownPollMs = Math.min(opts.busDownPollMs ?? 1_000, this.safetyPollMs);
    this.waiters.setMaxListeners(0);
    bus.subscribe('character.settled', ({ id }) => this.waiters.emit(id));
    // Messages may have been missed: every waiter looks at the store now.
    bus.onGap(() => {
      for (const id of this.waiters.eventNames()) this.waiters.emit(id);
    });
  }

  settled(id: string): void {
    this.bus.publish('character.settled', { id });
  }

  changed(c: { id: string; username: string }): void {
    this.bus.publish('character.changed', { id: c.id, username: c.username });
  }

  /**
   * Resolves when `check` says `id` has settled, or after `ms`. `check` runs at the start, on
   * every settle message for `id` (from any process), on a gap of the bus, every safety poll,
   * and every `busDownPollMs` while the bus is not live.
   */
  async waitFor(id: string, ms: number, check: () => Promise<boolean>): Promise<void> {
    let woken = false;
    const early = () => {
      woken = true;
    };
    // Listening before the first check: a settle between the check and the wait is not lost.
    this.waiters.on(id, early);
    try {
      if (await check()) return;
    } finally {
      this.waiters.off(id, early);
    }
    await new Promise<void>((resolve) => {
      let checking = false;
      let again = false;
      const finish = () => {
        clearTimeout(deadline);
        clearInterval(poll);
        this.waiters.off(id, look);
        resolve();
      };
      let lookedAt = Date.now();
      const look = () => {
        lookedAt = Date.now();
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        check().then(
          (done) => {
            checking = false;
            if (done) finish();
            else if (again) {
              again = false;
              look();
            }
          },
          () => {
            checking = false;
          },
        );
      };
      const deadline = setTimeout(finish, ms);
      const poll = setInterval(() => {
        if (!this.bus.live() || Date.now() - lookedAt >= this.safetyPollMs) look();
      }, this.busDownPollMs);
      this.waiters.on(id, look);
      if (woken) look();
    });
  }
}
