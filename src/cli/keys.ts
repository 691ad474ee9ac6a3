import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { createRuntime } from '../wiring.js';
import { cliLogger } from './cli-logger.js';

/** `sora-characters keys create|list|revoke`. */
export async function keysCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const rt = await createRuntime(config, { logger: cliLogger(config.logLevel) });
  try {
    if (sub === 'create') {
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' } } });
      if (!values.name) {
        console.error('sora-characters: keys create needs --name NAME');
        return 1;
      }
      const { key, record } = await rt.keys.create(values.name);
      console.log(key);
      console.error(`created key ${record.id} "${record.name}" (owner ${record.owner}); it is shown only once`);
      return 0;
    }
    if (sub === 'list') {
      for (const k of await rt.keys.list()) {
        const state = k.revokedAt ? `revoked ${new Date(k.revokedAt * 1000).toISOString()}` : 'active';
        console.log(`${k.id}\t${k.name}\t${k.owner}\t${new Date(k.createdAt * 1000).toISOString()}\t${state}`);
      }
      return 0;
    }
    if (sub === 'revoke' && rest[0]) {
      const ok = await rt.keys.revoke(rest[0]);
      console.log(ok ? `revoked ${rest[0]}` : `no active key ${rest[0]}`);
      return ok ? 0 : 1;
    }
    console.error('usage: sora-characters keys create --name NAME | list | revoke ID|NAME');
    return 1;
  } finally {
    await rt.close();
  }
}
