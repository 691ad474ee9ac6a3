import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { assetUrl } from './assets.js';

/** The page templates (src/web/templates/, copied to dist/web/templates/ by the build). */
export const TEMPLATES_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

// autoEscape: `<%= %>` escapes & < > " ' ; only `<%~ %>` writes raw, and is kept for rendered templates (body, include).
const eta = new Eta({ views: TEMPLATES_DIR, autoEscape: true, cache: true, defaultExtension: '.eta' });

/**
 * What the layout (templates/layout.eta) reads; a page passes it to `layout(...)` or in its data.
 * `scripts` and `styles` are asset file names (src/web/assets/), served under hashed URLs.
 */
export interface LayoutData {
  title: string;
  /** `<meta name="robots" content="noindex,nofollow">`; send the X-Robots-Tag header too. */
  noindex?: boolean;
  description?: string;
  /** Open Graph and Twitter card tags (templates/partials/social-meta.eta); `image` is an absolute URL. */
  social?: { title: string; description: string; url: string; image?: { url: string; alt: string; width: number; height: number } };
  /** Extra stylesheets after site.css. */
  styles?: string[];
  scripts?: string[];
}

/**
 * A page: templates/<name>.eta rendered with `data` (plus `asset`, the hashed URL of an asset file).
 * Interpolations are HTML-escaped. The page's policy is `pagePolicy` (page-policy.ts): no inline
 * script or style may appear in a template.
 */
export function renderPage(name: string, data: object): string {
  return eta.render(name, { ...data, asset: assetUrl });
}
