import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pages' static files (src/web/assets/, copied to dist/web/assets/ by the build). */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface Asset {
  /** Its file name in the folder, e.g. `site.css`. */
  file: string;
  /** Its URL, named after its content: `/assets/site-<16 hex of sha256>.css`. A changed file is a new URL, so it may be cached for good. */
  path: string;
  type: string;
  body: Buffer;
}

let loaded: Map<string, Asset> | undefined;

/** Every asset, read and hashed once per process. */
export function assets(): Map<string, Asset> {
  if (loaded) return loaded;
  const found = new Map<string, Asset>();
  for (const file of readdirSync(ASSETS_DIR).sort()) {
    const ext = extname(file);
    const type = TYPES[ext];
    if (!type) continue;
    const body = readFileSync(join(ASSETS_DIR, file));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    found.set(file, { file, path: `/assets/${file.slice(0, -ext.length)}-${hash}${ext}`, type, body });
  }
  loaded = found;
  return found;
}

/** The hashed URL of an asset by its file name; a name that is not there is a programming error. */
export function assetUrl(file: string): string {
  const a = assets().get(file);
  if (!a) throw new Error(`no asset ${file} in ${ASSETS_DIR}`);
  return a.path;
}
