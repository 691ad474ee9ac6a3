import type { Config } from '../config/config.js';
import { createHttpApp, createRuntime } from '../wiring.js';

/** `sora-characters serve`: the API plus the in-process worker, until SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const rt = await createRuntime(config);
  const app = await createHttpApp(rt);
  await rt.queue.start(rt.handlers);
  await app.listen({ port: config.port, host: config.host });
  rt.log.info({ publicUrl: config.publicUrl, dataDir: config.dataDir }, 'sora-characters is ready');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    rt.log.info({ signal }, 'shutting down');
    await app.close();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
