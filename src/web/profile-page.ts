import { createHash } from 'node:crypto';
import type { CharacterView } from '../characters/view.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#0f1115;color:#e8e8ea;display:flex;justify-content:center}
main{max-width:560px;width:100%;padding:40px 20px}
.card{background:#181b22;border-radius:16px;padding:28px;text-align:center}
.portrait{width:192px;height:192px;border-radius:50%;object-fit:cover;background:#252a33}
h1{margin:16px 0 4px;font-size:26px}
.mention{display:inline-flex;gap:8px;align-items:center;background:#252a33;border-radius:999px;padding:6px 8px 6px 16px;margin:8px 0 20px}
.mention code{font-size:17px;color:#9ecbff}
button{border:0;border-radius:999px;padding:6px 14px;background:#3b82f6;color:#fff;cursor:pointer;font:inherit}
video{width:100%;border-radius:12px;background:#000;margin-top:8px}
.note{color:#a0a4ad;font-size:14px}
.badge{display:table;margin:0 auto 12px;font-size:12px;padding:2px 10px;border-radius:999px;background:#3a2f1b;color:#f5c26b}
`;

/** The copy button. Served as a file, so the pages' Content-Security-Policy allows no inline script. */
export const PROFILE_SCRIPT = `document.getElementById('copy').addEventListener('click',function(e){var m=e.target.getAttribute('data-mention');navigator.clipboard&&navigator.clipboard.writeText(m);e.target.textContent='Copied';});\n`;
/** Named after its content: a changed script is a new URL, so the file may be cached for good. */
export const PROFILE_SCRIPT_PATH = `/assets/profile-${createHash('sha256').update(PROFILE_SCRIPT).digest('hex').slice(0, 16)}.js`;

/**
 * The Content-Security-Policy of the pages: the one inline style by its hash, the script file,
 * images and clips from this origin or `mediaOrigin` (PUBLIC_URL's, where signed files point);
 * nothing else, and no framing.
 */
export function pagePolicy(mediaOrigin: string): string {
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  return [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    "script-src 'self'",
    `img-src 'self' ${mediaOrigin}`,
    `media-src 'self' ${mediaOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function page(title: string, body: string, opts: { noindex: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
${opts.noindex ? '<meta name="robots" content="noindex,nofollow">\n' : ''}<title>${esc(title)}</title>
<style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The character's profile page: portrait, clip, display name and the @username to copy. */
export function renderProfilePage(c: CharacterView): string {
  const isPrivate = c.visibility === 'private';
  const mention = `@${c.username}`;
  const media =
    c.status === 'ready'
      ? `<img class="portrait" src="${esc(c.profile_picture_url ?? '')}" alt="Portrait of ${esc(c.display_name)}">`
      : `<div class="portrait" role="img" aria-label="portrait not ready"></div>`;
  const clip =
    c.status === 'ready' && c.clip_url
      ? `<video src="${esc(c.clip_url)}" controls loop muted playsinline preload="metadata"></video>`
      : `<p class="note">${c.status === 'failed' ? 'This character could not be made.' : 'This character is still being made.'}</p>`;
  const body = `<div class="card">
${isPrivate ? '<span class="badge">Private character</span>' : ''}
${media}
<h1>${esc(c.display_name)}</h1>
<div class="mention"><code id="mention">${esc(mention)}</code><button type="button" id="copy" data-mention="${esc(mention)}">Copy</button></div>
${clip}
<p class="note">${
    isPrivate
      ? 'Only the owner of this character can mention it in a video prompt.'
      : `Mention <code>${esc(mention)}</code> in a video prompt to cast this character.`
  }</p>
</div>
<script src="${PROFILE_SCRIPT_PATH}" defer></script>`;
  return page(`${c.display_name} (${mention})`, body, { noindex: isPrivate });
}

export function renderNotFoundPage(): string {
  return page('Character not found', `<div class="card"><h1>Character not found</h1><p class="note">This character does not exist or was deleted.</p></div>`, {
    noindex: true,
  });
}
