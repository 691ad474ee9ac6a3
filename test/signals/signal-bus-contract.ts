import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignalBus, SignalPayloads, SignalType } from '../../src/signals/ports.js';

/** What one implementation gives the contract: two buses that share a deployment, and its wire seams. */
export interface BusPair {
  /** Publishes here... */
  a: SignalBus;
  /** ...is heard here (for the in-process bus, the same object). */
  b: SignalBus;
  /** One more bus of the same deployment (absent for the in-process bus: there is only one). */
  another?: () => SignalBus;
  /** Buses of another deployment on the same server (another prefix); absent for the in-process bus. */
  stranger?: () => Promise<SignalBus>;
  /** Puts raw text on the deployment's channel, as a broken or hostile sender would. */
  sendRaw?: (text: string) => Promise<void>;
  /** Cuts b's listening connection from the server side. */
  cutListener?: () => Promise<void>;
  close(): Promise<void>;
}

const WAIT = { timeout: 10_000, interval: 20 };

/** Records what a bus hears of one type. */
function record<T extends SignalType>(bus: SignalBus, type: T) {
  const heard: SignalPayloads[T][] = [];
  const stop = bus.subscribe(type, (p) => heard.push(p));
  return { heard, stop };
}

/** The contract every SignalBus keeps; `open` makes a fresh pair per test. */
export function describeSignalBusContract(name: string, open: () => Promise<BusPair>) {
  describe(`signal bus contract: ${name}`, () => {
    let pair: BusPair;
    beforeEach(async () => {
      pair = await open();
      await Promise.all([pair.a.ready(), pair.b.ready()]);
    });
    afterEach(async () => {
      await pair.close();
    });

    it('is live once ready, and a message published on one bus reaches the other and the publisher, payload intact', async () => {
      expect(pair.a.live()).toBe(true);
      expect(pair.b.live()).toBe(true);
      const onB = record(pair.b, 'character.changed');
      const onA = record(pair.a, 'character.changed');
      pair.a.publish('character.changed', { id: 'ch_1', username: 'owner.handle' });
      await vi.waitFor(() => expect(onB.heard).toEqual([{ id: 'ch_1', username: 'owner.handle' }]), WAIT);
      await vi.waitFor(() => expect(onA.heard).toEqual([{ id: 'ch_1', username: 'owner.handle' }]), WAIT);
    });

    it('a listener hears only its own type; an unsubscribed one hears nothing more', async () => {
      const settled = record(pair.b, 'character.settled');
      const deleted = record(pair.b, 'blobs.deleted');
      pair.a.publish('character.settled', { id: 'ch_2' });
      await vi.waitFor(() => expect(settled.heard).toEqual([{ id: 'ch_2' }]), WAIT);
      expect(deleted.heard).toEqual([]);
      settled.stop();
      pair.a.publish('character.settled', { id: 'ch_3' });
      pair.a.publish('blobs.deleted', { prefix: 'characters/ch_3/' });
      await vi.waitFor(() => expect(deleted.heard).toEqual([{ prefix: 'characters/ch_3/' }]), WAIT);
      expect(settled.heard).toEqual([{ id: 'ch_2' }]);
    });

    it("one publisher's messages arrive in the order it sent them", async () => {
      const got = record(pair.b, 'character.settled');
      const ids = Array.from({ length: 25 }, (_, i) => `ch_${i}`);
      for (const id of ids) pair.a.publish('character.settled', { id });
      await vi.waitFor(() => expect(got.heard.length).toBe(ids.length), WAIT);
      expect(got.heard.map((p) => p.id)).toEqual(ids);
    });

    it('a listener that throws does not keep the message from the others', async () => {
      pair.b.subscribe('character.settled', () => {
        throw new Error('listener bug');
      });
      const after = record(pair.b, 'character.settled');
      pair.a.publish('character.settled', { id: 'ch_4' });
      await vi.waitFor(() => expect(after.heard).toEqual([{ id: 'ch_4' }]), WAIT);
    });

    it('a closed bus is not live, and publishing on it neither throws nor delivers', async () => {
      const got = record(pair.b, 'character.settled');
      await pair.a.close();
      expect(pair.a.live()).toBe(false);
      expect(() => pair.a.publish('character.settled', { id: 'ch_after_close' })).not.toThrow();
      if (pair.another) {
        // b still works; what a sent after closing never came.
        const third = pair.another();
        try {
          await third.ready();
          third.publish('character.settled', { id: 'ch_sentinel' });
          await vi.waitFor(() => expect(got.heard.map((p) => p.id)).toContain('ch_sentinel'), WAIT);
        } finally {
          await third.close();
        }
      } else {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(got.heard.map((p) => p.id)).not.toContain('ch_after_close');
    });

    it('another deployment on the same server (another prefix) hears nothing of this one', async (ctx) => {
      if (!pair.stranger) return ctx.skip();
      const stranger = await pair.stranger();
      try {
        await stranger.ready();
        const strangerHeard = record(stranger, 'character.changed');
        const ours = record(pair.a, 'character.changed');
        pair.a.publish('character.changed', { id: 'ch_ours', username: 'o.h' });
        await vi.waitFor(() => expect(ours.heard).toHaveLength(1), WAIT);
        stranger.publish('character.changed', { id: 'ch_theirs', username: 't.h' });
        await vi.waitFor(() => expect(strangerHeard.heard.map((p) => p.id)).toContain('ch_theirs'), WAIT);
        expect(strangerHeard.heard.map((p) => p.id)).toEqual(['ch_theirs']);
      } finally {
        await stranger.close();
      }
    });

    it('a malformed message on the channel is dropped, and the next good one still arrives', async (ctx) => {
      if (!pair.sendRaw) return ctx.skip();
      const settled = record(pair.b, 'character.settled');
      const changed = record(pair.b, 'character.changed');
      for (const raw of [
        'not json',
        '{"t":"character.settled"}',
        '{"t":"character.settled","p":{"id":7}}',
        '{"t":"character.changed","p":{"id":"ch_x"}}',
        '{"t":"no.such","p":{}}',
        'null',
        '[]',
      ]) {
        await pair.sendRaw(raw);
      }
      pair.a.publish('character.settled', { id: 'ch_good' });
      await vi.waitFor(() => expect(settled.heard).toEqual([{ id: 'ch_good' }]), WAIT);
      expect(changed.heard).toEqual([]);
    });

    it('a lost listening connection: the bus listens again, announces the gap, and hears new messages', async (ctx) => {
      if (!pair.cutListener) return ctx.skip();
      let gaps = 0;
      pair.b.onGap(() => {
        gaps++;
      });
      await pair.cutListener();
      await vi.waitFor(() => expect(gaps).toBe(1), WAIT);
      expect(pair.b.live()).toBe(true);
      const got = record(pair.b, 'character.settled');
      pair.a.publish('character.settled', { id: 'ch_after_gap' });
      await vi.waitFor(() => expect(got.heard).toEqual([{ id: 'ch_after_gap' }]), WAIT);
    });
  });
}
