import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createRedisBus } from '../../src/signals/redis-bus.js';
import { tierAvailable } from '../support/tiers.js';
import { describeSignalBusContract } from './signal-bus-contract.js';

const url = process.env.TEST_REDIS_URL;

/** Runs when TEST_REDIS_URL is set; every pair on its own channel prefix, so parallel runs never meet. */
describe.skipIf(!tierAvailable('Redis suites'))('redis signal bus', () => {
  describeSignalBusContract('redis', async () => {
    const prefix = `sc-test-${randomBytes(6).toString('hex')}:`;
    const listenerName = `sc-test-listener-${randomBytes(6).toString('hex')}`;
    const a = createRedisBus({ url: url!, channelPrefix: prefix });
    const b = createRedisBus({ url: url!, channelPrefix: prefix, connectionName: listenerName });
    const admin = new Redis(url!);
    return {
      a,
      b,
      another: () => createRedisBus({ url: url!, channelPrefix: prefix }),
      stranger: async () => createRedisBus({ url: url!, channelPrefix: `sc-test-${randomBytes(6).toString('hex')}:` }),
      sendRaw: async (text) => {
        await admin.publish(`${prefix}signals`, text);
      },
      // Only b's own connections (found by their name) are killed; the pair's listener is the one in pub/sub.
      cutListener: async () => {
        const list = (await admin.client('LIST')) as string;
        const ids = list
          .split('\n')
          .filter((line) => line.includes(` name=${listenerName} `) && /\bsub=[1-9]/.test(line))
          .map((line) => /\bid=(\d+)/.exec(line)![1]!);
        if (ids.length !== 1) throw new Error(`expected one listening connection named ${listenerName}, found ${ids.length}`);
        await admin.client('KILL', 'ID', ids[0]!);
      },
      async close() {
        await Promise.all([a.close(), b.close()]);
        admin.disconnect();
      },
    };
  });
});
