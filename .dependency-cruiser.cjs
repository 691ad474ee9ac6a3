/**
 * The dependency rules of docs/ARCHITECTURE.md, as code. `npm test` runs them
 * (test/architecture/dependency-rules.test.ts); `npm run lint:deps` prints every violation.
 *
 * The layers, by path:
 *   kernel    src/errors.ts, src/geometry.ts, src/blob-keys.ts, src/clock.ts, src/principal.ts, src/source-url.ts
 *   config    src/config/
 *   ports     src/<folder>/ports.ts: interfaces that the domain needs and adapters implement
 *   domain    src/characters/, src/videos/, src/keys/ (services and their pure rules)
 *   adapters  src/records/, src/blobs/, src/jobs/, src/fetch/, src/media/, src/engines/, src/webhooks/, src/signals/
 *   library   src/ffmpeg/ (the one ffmpeg runner, shared by the media and the local engine adapters)
 *   delivery  src/api/ (HTTP), src/web/ (pages), src/cli/
 *   root      src/wiring.ts (the composition root) and src/main.ts
 */
const KERNEL = '^src/(errors|geometry|blob-keys|clock|principal|source-url)[.]ts$';
const PORTS = '^src/[^/]+/ports[.]ts$';
const DOMAIN = '^src/(characters|videos|keys)/';
const ADAPTERS = '^src/(records|blobs|jobs|fetch|media|engines|webhooks|signals)/';
const ROOT = '^src/(wiring|main)[.]ts$';
/** Packages that only adapters and delivery may use: the outside world. */
const OUTSIDE_PACKAGES =
  'node_modules/(fastify|@fastify/|fastify-type-provider-zod|sharp|kysely|better-sqlite3|pg|undici|@aws-sdk/|bullmq|ioredis|@vladmandic/|@tensorflow/|standardwebhooks|prom-client|pino)(/|$)';

/** Adapter folders do not import each other; each rule names one folder and forbids the rest. */
const adapterFolders = ['records', 'blobs', 'jobs', 'fetch', 'media', 'engines', 'webhooks', 'signals'];
const adapterIsolation = adapterFolders.map((folder) => ({
  name: `adapter-${folder}-isolated`,
  comment: `src/${folder}/ is an adapter: it implements ports and does not reach into another adapter (share through a port or src/ffmpeg/).`,
  severity: 'error',
  from: { path: `^src/${folder}/`, pathNot: PORTS },
  to: { path: ADAPTERS, pathNot: [`^src/${folder}/`, PORTS] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles hide layering mistakes.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'kernel-stands-alone',
      comment: 'The kernel (errors, geometry, blob keys, clock, principal, source URLs) imports only the kernel.',
      severity: 'error',
      from: { path: KERNEL },
      to: { path: '^src/', pathNot: KERNEL },
    },
    {
      name: 'config-reads-only-the-kernel',
      comment: 'src/config/ is the one reader of process.env; it depends on nothing of the service but the kernel.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: [KERNEL, '^src/config/'] },
    },
    {
      name: 'ports-are-declarations',
      comment: 'A port file declares interfaces; it may use the kernel and other ports, never an implementation.',
      severity: 'error',
      from: { path: PORTS },
      to: { path: '^src/', pathNot: [KERNEL, PORTS] },
    },
    {
      name: 'domain-uses-ports-not-adapters',
      comment: 'characters/, videos/ and keys/ reach the outside world only through ports.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: `${ADAPTERS}|^src/(api|web|cli|config|ffmpeg)/|${ROOT}`, pathNot: PORTS },
    },
    {
      name: 'domain-uses-no-outside-packages',
      comment: 'The domain never imports fastify, sharp, ffmpeg bindings, SQL drivers, undici, the AWS SDK or queues.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: OUTSIDE_PACKAGES },
    },
    {
      name: 'domain-folders-meet-through-ports',
      comment: 'characters/, videos/ and keys/ do not import one another except through ports (and the kernel).',
      severity: 'error',
      from: { path: '^src/(characters|videos|keys)/' },
      to: { path: '^src/(characters|videos|keys)/', pathNot: ['^src/$1/', PORTS] },
    },
    {
      name: 'services-are-not-libraries',
      comment: 'A service file (*-service.ts) is composed by the root and called by delivery; no other domain file imports values from it.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/[^/]+/[^/]*-service[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    ...adapterIsolation,
    {
      name: 'adapters-do-not-use-the-domain-or-delivery',
      comment: 'Adapters implement ports; they never call domain services, the HTTP layer, the CLI or the composition root.',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: `${DOMAIN}|^src/(api|web|cli|config)/|${ROOT}`, pathNot: PORTS },
    },
    {
      name: 'ffmpeg-library-stands-alone',
      comment: 'src/ffmpeg/ runs ffmpeg and ffprobe; it knows nothing of the service but the kernel.',
      severity: 'error',
      from: { path: '^src/ffmpeg/' },
      to: { path: '^src/', pathNot: [KERNEL, '^src/ffmpeg/'] },
    },
    {
      name: 'api-calls-services-only',
      comment: 'src/api/ calls domain services; it never reaches an adapter (it may name port types).',
      severity: 'error',
      from: { path: '^src/(api|web)/' },
      to: { path: `${ADAPTERS}|^src/(cli|config|ffmpeg)/|${ROOT}`, pathNot: PORTS },
    },
    {
      name: 'web-renders-only',
      comment: 'src/web/ renders pages from views; it does not import the HTTP layer.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/api/' },
    },
    {
      name: 'only-the-root-picks-adapters',
      comment: 'Only src/wiring.ts (and main.ts, the CLI entry) may import the composition root.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${ROOT}|^src/cli/` },
      to: { path: ROOT },
    },
    {
      name: 'cli-goes-through-the-root',
      comment: 'The CLI builds the runtime through src/wiring.ts; it does not import adapters itself.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: `${ADAPTERS}|^src/(api|web|ffmpeg)/`, pathNot: PORTS },
    },
    {
      name: 'src-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/|node_modules/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    moduleSystems: ['es6'],
  },
};
