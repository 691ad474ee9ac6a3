import { EventEmitter } from 'node:events';

/**
 * Settled notifications (ready or failed) inside one process. A request waiting for a character
 * listens here and also polls the store, so it works when another process ran the job.
 */
export class CharacterEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  settled(id: string): void {
    this.emitter.emit(id);
  }

  /** Resolves when `id` settles here, or after `ms`; `check` is polled meanwhile for other processes. */
  async waitFor(id: string, ms: number, check: () => Promise<boolean>, pollMs = 1000): Promise<void> {
    if (await check()) return;
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(deadline);
        clearInterval(poll);
        this.emitter.off(id, finish);
        resolve();
      };
      const deadline = setTimeout(finish, ms);
      const poll = setInterval(() => {
        check().then(
          (done) => done && finish(),
          () => {},
        );
      }, pollMs);
      this.emitter.on(id, finish);
    });
  }
}
