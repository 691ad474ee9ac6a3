import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { createCharacterFromCli } from './create.js';
import { keysCommand } from './keys.js';
import { migrate } from './migrate.js';
import { serve } from './serve.js';
import { worker } from './worker.js';

const USAGE = `usage: sora-characters <command>

  serve                                   start the API (and, without QUEUE_URL, the in-process worker)
  worker                                  run the jobs of the shared queue (QUEUE_URL=redis://...), no API
  keys create --name NAME                 create an API key (printed once)
  keys list                               list the stored keys
  keys revoke ID|NAME                     revoke a stored key
  migrate                                 bring the database schema up to date
  create (--file clip.mp4 | --url URL) --timestamps 1,3 [--key NAME] [--username h] [--display-name n] [--public]
                                          make a character locally and print it as JSON

Settings come from the environment (PORT, DATA_DIR, DATABASE_URL, ...): see the README.`;

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`sora-characters: ${err.message}`);
      return 2;
    }
    throw err;
  }
  switch (command) {
    case 'serve':
      await serve(config);
      return -1; // keeps running
    case 'worker':
      return worker(config);
    case 'migrate':
      await migrate(config);
      return 0;
    case 'keys':
      return keysCommand(config, rest);
    case 'create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          file: { type: 'string' },
          url: { type: 'string' },
          timestamps: { type: 'string' },
          key: { type: 'string' },
          username: { type: 'string' },
          'display-name': { type: 'string' },
          public: { type: 'boolean' },
        },
      });
      return createCharacterFromCli(config, values);
    }
    default:
      console.error(`sora-characters: unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}
