import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { createHttpApp, createRuntime, type Runtime } from '../../src/wiring.js';

export interface Harness {
  app: FastifyInstance;
  rt: Runtime;
  dataDir: string;
  /** Bearer headers of two static keys, to test tenancy. */
  alice: Record<string, string>;
  bob: Record<string, string>;
  close(): Promise<void>;
}

/** A runtime on the embedded defaults in a fresh temp DATA_DIR, answered through app.inject(). */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sc-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_KEYS: 'sk-alice-test-key,sk-bob-test-key',
    ALLOW_PRIVATE_URLS: 'true',
    PUBLIC_URL: 'http://sc.test',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const rt = await createRuntime(config, { logger: pino({ level: 'silent' }) });
  const app = await createHttpApp(rt, { logger: false });
  // With QUEUE_URL (Redis) this process is the API only, as `serve` is then.
  if (rt.sharedQueue) await rt.scratch.open();
  else await rt.queue.start(rt.handlers);
  return {
    app,
    rt,
    dataDir,
    alice: { authorization: 'Bearer sk-alice-test-key' },
    bob: { authorization: 'Bearer sk-bob-test-key' },
    async close() {
      await app.close();
      await rt.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const dataUrlOf = (buf: Buffer, mime = 'video/mp4') => `data:${mime};base64,${buf.toString('base64')}`;
