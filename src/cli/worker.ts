import type { Config } from '../config/config.js';
import { createRuntime, createWorkerHttpApp } from '../wiring.js';
import { withinGrace } from './serve.js';
import { onShutdownSignal } from './shutdown.js';

/**
 * `sora-characters worker`: runs the jobs of the shared queue (QUEUE_URL), no API. Its only
 * listener, on WORKER_PORT, answers /healthz, /readyz and /metrics. SIGTERM: it stops taking
 * jobs, lets the running ones finish within SHUTDOWN_GRACE_MS, hands back the rest, exits 0.
 */
export async function worker(config: Config): Promise<number> {
  if (!config.queueUrl) {
    console.error('sora-characters: worker needs QUEUE_URL=redis://... (without it, serve runs the jobs in its own process)');
    return 2;
  }
  const rt = await createRuntime(config);
  const app = await createWorkerHttpApp(rt);
  await rt.queue.start(rt.handlers);
  await app.listen({ port: config.workerPort, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.workerPort;
  rt.log.info(
    { port, concurrency: { characters: config.workerConcurrency, renders: config.renderConcurrency, webhooks: config.webhookConcurrency } },
    'sora-characters worker is ready',
  );

  onShutdownSignal(rt.log, async () => {
    await rt.close(config.shutdownGraceMs);
    await withinGrace(app.close(), 5_000);
  });
  return -1; // keeps running
}
