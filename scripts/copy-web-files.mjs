// tsc compiles src/ to dist/ but copies no other file: the page templates and assets are copied here.
// `npm run build` runs it after tsc, and so does test/support/dist-build.ts.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const folder of ['templates', 'assets']) {
  const to = join(root, 'dist', 'web', folder);
  rmSync(to, { recursive: true, force: true });
  cpSync(join(root, 'src', 'web', folder), to, { recursive: true });
}
