import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseDisplayName } from '../characters/display-name.js';
import type { Config } from '../config/config.js';
import { isAppError } from '../errors.js';
import type { Principal } from '../principal.js';
import { createRuntime, type Runtime } from '../wiring.js';
import { cliLogger } from './cli-logger.js';

export interface CreateFlags {
  file?: string;
  url?: string;
  timestamps?: string;
  key?: string;
  username?: string;
  'display-name'?: string;
  public?: boolean;
}

const CLI_KEY_NAME = 'local-cli';

/** The principal the CLI acts as: --key (a secret or a stored key's name), else a stored key `local-cli`. */
async function cliPrincipal(rt: Runtime, key: string | undefined): Promise<Principal> {
  if (key) {
    const byName = (await rt.keys.list()).find((k) => (k.name === key || k.id === key) && !k.revokedAt);
    if (byName) return { keyId: byName.id, owner: byName.owner, name: byName.name, admin: false };
    return rt.keys.authenticate(key);
  }
  const existing = (await rt.keys.list()).find((k) => k.name === CLI_KEY_NAME && !k.revokedAt);
  if (existing) return { keyId: existing.id, owner: existing.owner, name: existing.name, admin: false };
  const { key: secret, record } = await rt.keys.create(CLI_KEY_NAME);
  console.error(`created API key "${CLI_KEY_NAME}" for CLI characters (shown once, use it to read them over HTTP): ${secret}`);
  return { keyId: record.id, owner: record.owner, name: record.name, admin: false };
}

/** `sora-characters create`: the same service and pipeline as the API, run in this process. */
export async function createCharacterFromCli(config: Config, flags: CreateFlags): Promise<number> {
  if (!flags.file === !flags.url || !flags.timestamps) {
    console.error('usage: sora-characters create (--file clip.mp4 | --url URL) --timestamps 1,3');
    return 1;
  }
  // Another process (a running `serve`) may share this store: only jobs it lost long ago are taken back.
  const rt = await createRuntime(config, { queueExclusive: false, logger: cliLogger(config.logLevel) });
  try {
    const principal = await cliPrincipal(rt, flags.key);
    let upload: { path: string; filename: string } | undefined;
    if (flags.file) {
      const path = resolve(flags.file);
      const s = await stat(path).catch(() => null);
      if (!s?.isFile()) {
        console.error(`sora-characters: no such file ${flags.file}`);
        return 1;
      }
      upload = { path, filename: basename(path) };
    }
    // With a shared queue (QUEUE_URL) a worker process makes it; this process only waits for it.
    if (rt.sharedQueue) await rt.scratch.open();
    else await rt.queue.start(rt.handlers);
    const { body } = await rt.characters.create(principal, {
      timestamps: flags.timestamps,
      url: flags.url,
      upload,
      username: flags.username,
      display_name: flags['display-name'] === undefined ? undefined : parseDisplayName(flags['display-name'], 'display-name'),
      visibility: flags.public ? 'public' : 'private',
    });
    console.log(JSON.stringify(body, null, 2));
    console.error(`made @${body.username} with key "${principal.name}" (${principal.keyId}, owner ${principal.owner}); its page: ${body.permalink}`);
    return 0;
  } catch (err) {
    if (!isAppError(err)) throw err;
    console.error(JSON.stringify({ error: { code: err.code, message: err.message, param: err.param } }));
    return 1;
  } finally {
    await rt.close();
  }
}
