/**
 * Setup file of the unit tier: what makes a file "unit" is enforced, not hoped for. Starting a
 * child process (ffmpeg, ffprobe, any tool), opening a socket or listening on a port throws, so a
 * unit test that starts to need one fails at once and names the tier it belongs to. (The tier
 * also points FFMPEG_PATH and FFPROBE_PATH at nothing: see vitest.config.ts.)
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const refuse = (what: string) =>
  function refused(): never {
    throw new Error(`unit tests must not ${what}: move this file to the integration tier (vitest.config.ts)`);
  };

for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = refuse(`start a child process (child_process.${name})`);
}
net.Socket.prototype.connect = refuse('open a socket (net.Socket#connect)') as typeof net.Socket.prototype.connect;
net.Server.prototype.listen = refuse('listen on a port (net.Server#listen)') as typeof net.Server.prototype.listen;
// `import { spawn } from 'node:child_process'` in the code under test sees the refusals too.
syncBuiltinESMExports();
