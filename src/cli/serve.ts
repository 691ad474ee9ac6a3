import type { Config } from '../config/config.js';
import { createHttpApp, createRuntime } from '../wiring.js';
import { onShutdownSignal } from './shutdown.js';

/**
 * `sora-characters serve`: the API, plus the in-process worker on the embedded queue. With
 * QUEUE_URL (Redis) it is the API only: `sora-characters worker` processes run the jobs.
 */
export async function serve(config: Config): Promise<void> {
  const rt = await createRuntime(config);
  const app = await createHttpApp(rt);
  // Uploads and inline sources are written to the scratch space before they become blobs.
  if (rt.sharedQueue) await rt.scratch.open();
  else await rt.queue.start(rt.handlers);
  await app.listen({ port: config.port, host: config.host });
  rt.log.info(
    { publicUrl: config.publicUrl, dataDir: config.dataDir, jobs: rt.sharedQueue ? 'worker processes (QUEUE_URL)' : 'this process' },
    'sora-characters is ready',
  );

  onShutdownSignal(rt.log, async () => {
    // No new connections; requests in flight get the grace period (a synchronous create may be waiting).
    await withinGrace(app.close(), config.shutdownGraceMs);
    await rt.close(config.shutdownGraceMs);
  });
}

/** Waits for `p`, at most `ms`. */
export async function withinGrace(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
