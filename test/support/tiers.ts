import { existsSync } from 'node:fs';

/**
 * The suites that need something beyond Node and ffmpeg. Each runs when its need is met; the
 * global setup names every one that will not run, at the start and at the end of `npm test`, and
 * `SORA_REQUIRE_TIERS=all` (set by .ci/run) turns a skipped tier into a failed run.
 */
export interface OptionalTier {
  name: string;
  available: boolean;
  /** What to do to run it. */
  howTo: string;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function optionalTiers(): OptionalTier[] {
  return [
    {
      name: 'PostgreSQL store suites',
      available: !!process.env.TEST_DATABASE_URL,
      howTo: 'set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
    },
    {
      name: 'browser tests (profile page in chromium)',
      available: existsSync(CHROMIUM_PATH),
      howTo: `apt-get install chromium (looked for ${CHROMIUM_PATH}; CHROMIUM_PATH overrides)`,
    },
  ];
}

export const tierAvailable = (name: string): boolean => optionalTiers().find((t) => t.name === name)?.available ?? false;
