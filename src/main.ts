#!/usr/bin/env node
import { runCli } from './cli/main.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error(`sora-characters: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
