/**
 * SIGTERM or SIGINT runs `stop` once, then the process exits 0 (1 if stopping threw). A second
 * signal while stopping is ignored: the grace periods inside `stop` bound it.
 */
export function onShutdownSignal(log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void }, stop: () => Promise<void>): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
