import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three tiers, one vitest project each: `vitest run --project unit` (`npm run test:unit`) runs
 * one, `npm test` runs them all.
 *
 * - unit: pure logic, and the services on the in-memory fakes of the ports (test/support/fakes/).
 *   No ffmpeg or ffprobe, no child process, no socket, no database (not even SQLite), no global
 *   setup: test/support/unit-guard.ts makes a child process or a socket throw, and the ffmpeg
 *   paths point at nothing, so a file listed here that needs one fails at once.
 * - e2e: the built process (test/e2e/), the browser, the OpenAI SDK suites, the bench smoke.
 * - integration: every other test file: real ffmpeg, the real adapters (SQLite, PostgreSQL, the
 *   disk blob store), HTTP on loopback. A new file lands here unless a tier above lists it.
 */

/** Settings every tier shares. */
const shared = {
  testTimeout: 60_000,
  hookTimeout: 120_000,
  pool: 'forks',
} as const;

const UNIT = [
  'test/unit/**/*.test.ts',
  'test/records/memory.test.ts',
  'test/blobs/memory-blobs.test.ts',
  'test/blobs/serve-range.test.ts',
  'test/blobs/signed-url.test.ts',
  'test/engines/ark-mapping.test.ts',
  'test/engines/local-args.test.ts',
  'test/engines/registry.test.ts',
  'test/faces/human-detector.test.ts',
  'test/faces/portrait.test.ts',
  'test/faces/saliency.test.ts',
  'test/fetch/address-policy.test.ts',
  'test/fetch/data-url.test.ts',
  'test/fetch/parse-source-url.test.ts',
  'test/media/ffmpeg-args.test.ts',
  'test/media/frames-and-tails.test.ts',
  'test/media/probe-parse.test.ts',
  'test/signals/inprocess-bus.test.ts',
  'test/signals/liveness.test.ts',
  'test/blobs/small-blob-cache-signals.test.ts',
  'test/usernames/owner-handle.test.ts',
  'test/usernames/usernames.test.ts',
  'test/webhooks/notifier.test.ts',
];

const E2E = ['test/e2e/**/*.test.ts', 'test/sdk/**/*.test.ts', 'test/bench/**/*.test.ts'];

export default defineConfig({
  test: {
    // Vitest takes pool options from the root config, not from a project. Only the unit tier runs
    // on threads, and its files hold nothing process-wide, so a worker may run many of them:
    // seconds instead of a fresh process per file.
    poolOptions: { threads: { isolate: false } },
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: UNIT,
          pool: 'threads',
          setupFiles: ['test/support/unit-guard.ts'],
          env: { FFMPEG_PATH: '/nonexistent/ffmpeg', FFPROBE_PATH: '/nonexistent/ffprobe' },
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...E2E],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: E2E,
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
