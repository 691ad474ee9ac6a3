/**
 * `python3 -m http.server` serving a folder on 127.0.0.1: an HTTP/1.0 server that closes the
 * connection after every body, the kind of origin that crashed the service on undici 7.
 */
import { spawn } from 'node:child_process';

export interface PythonOrigin {
  url(name: string): string;
  pid: number;
  close(): Promise<void>;
}

export async function startPythonOrigin(dir: string, readyTimeoutMs = 15_000): Promise<PythonOrigin> {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python3 -m http.server did not start in ${readyTimeoutMs} ms: ${output}`)), readyTimeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      const m = /port (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d)); // its request log
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`python3 -m http.server exited (${code}): ${output}`));
    });
  }).catch(async (e) => {
    child.kill('SIGKILL');
    await exited;
    throw e;
  });
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    pid: child.pid!,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
