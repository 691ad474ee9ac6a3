import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The suites that need something beyond Node and ffmpeg. Each runs when its need is met; the
 * global setup names every one that will not run, at the start and at the end of `npm test`, and
 * `SORA_REQUIRE_TIERS=all` (set by .ci/run) turns a skipped tier into a failed run.
 */
export interface OptionalTier {
  name: string;
  /** The vitest project (vitest.config.ts) whose files need it. */
  project: 'integration' | 'e2e';
  available: boolean;
  /** What to do to run it. */
  howTo: string;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const PYTHON_SDK_HOW_TO = "bash scripts/python-sdk-venv.sh, then export SORA_TEST_PYTHON=<the path it prints> (or pip install 'openai>=3,<4')";
const HAS_PYTHON_SDK = 'import sys, openai; sys.exit(0 if int(openai.__version__.split(".")[0]) >= 3 else 3)';

const hasPythonSdk = (python: string) => {
  try {
    execFileSync(python, ['-c', HAS_PYTHON_SDK], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
};

let pythonFound: { python: string | null; broken?: string } | undefined;

/**
 * The python that has the official openai SDK (3.x): SORA_TEST_PYTHON when set (and then it must
 * work: a broken setting fails, it does not skip), else this checkout's .cache/python-sdk venv,
 * else python3 on the PATH.
 */
export function findSdkPython(): { python: string | null; broken?: string } {
  if (pythonFound) return pythonFound;
  const asked = process.env.SORA_TEST_PYTHON;
  if (asked) {
    pythonFound = hasPythonSdk(asked) ? { python: asked } : { python: null, broken: `SORA_TEST_PYTHON=${asked} has no openai>=3 (${PYTHON_SDK_HOW_TO})` };
  } else {
    const python = [resolve('.cache/python-sdk/bin/python'), 'python3'].find(hasPythonSdk) ?? null;
    pythonFound = { python };
  }
  return pythonFound;
}

export function optionalTiers(): OptionalTier[] {
  return [
    {
      name: 'PostgreSQL store suites',
      project: 'integration',
      available: !!process.env.TEST_DATABASE_URL,
      howTo: 'set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
    },
    {
      name: 'Redis suites',
      project: 'integration',
      available: !!process.env.TEST_REDIS_URL,
      howTo: 'set TEST_REDIS_URL=redis://127.0.0.1:6379',
    },
    {
      name: 'API and worker processes on PostgreSQL and Redis',
      project: 'e2e',
      available: !!process.env.TEST_DATABASE_URL && !!process.env.TEST_REDIS_URL,
      howTo: 'set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test and TEST_REDIS_URL=redis://127.0.0.1:6379',
    },
    {
      name: 'browser tests (profile page in chromium)',
      project: 'e2e',
      available: existsSync(CHROMIUM_PATH),
      howTo: `apt-get install chromium (looked for ${CHROMIUM_PATH}; CHROMIUM_PATH overrides)`,
    },
    {
      name: 'official Python SDK suite',
      project: 'e2e',
      available: findSdkPython().python !== null,
      howTo: PYTHON_SDK_HOW_TO,
    },
  ];
}

export const tierAvailable = (name: string): boolean => optionalTiers().find((t) => t.name === name)?.available ?? false;
