import type { CharacterView } from '../characters/view.js';
import { renderErrorPage } from './error-page.js';
import { type LayoutData, renderPage } from './templates.js';

/** The asset file of the Copy button (src/web/assets/). */
export const PROFILE_SCRIPT = 'profile.js';

/** The side of the portrait WebP, for the preview tags. */
const PORTRAIT_SIZE = 512;

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export interface ProfileViewer {
  /** The character's owner handle (the `<owner>` of its username). */
  owner: string;
  /** The signed-in viewer owns the character: a private one is shown whole to them. */
  viewerOwns: boolean;
}

/**
 * The character's profile page: portrait, looping muted clip, display name, the @username to copy,
 * created date and owner, and the link-preview tags. A private character's page shows none of its
 * media (nor any preview image) except to its owner, and is never indexed.
 */
export function renderProfilePage(c: CharacterView, who: ProfileViewer): string {
  const isPrivate = c.visibility === 'private';
  const showMedia = c.status === 'ready' && (!isPrivate || who.viewerOwns);
  const mention = `@${c.username}`;
  const portraitUrl = showMedia ? c.profile_picture_url : null;
  const description = isPrivate ? 'A private character.' : `Mention ${mention} in a video prompt to cast this character.`;
  const layout: LayoutData = {
    title: `${c.display_name} (${mention})`,
    noindex: isPrivate,
    description,
    scripts: [PROFILE_SCRIPT],
    social: isPrivate
      ? undefined
      : {
          title: `${c.display_name} (${mention})`,
          description,
          url: c.permalink,
          image: portraitUrl ? { url: portraitUrl, alt: `Portrait of ${c.display_name}`, width: PORTRAIT_SIZE, height: PORTRAIT_SIZE } : undefined,
        },
  };
  return renderPage('profile', {
    layout,
    isPrivate,
    viewerOwns: who.viewerOwns,
    displayName: c.display_name,
    mention,
    owner: who.owner,
    created: { iso: new Date(c.created_at * 1000).toISOString(), text: DATE.format(new Date(c.created_at * 1000)) },
    portraitUrl,
    clipUrl: showMedia ? c.clip_url : null,
    note: noteOf(c, isPrivate, who.viewerOwns),
    mentionHint: !isPrivate && c.status === 'ready',
  });
}

function noteOf(c: CharacterView, isPrivate: boolean, viewerOwns: boolean): string {
  if (isPrivate && !viewerOwns) return 'This character is private: only its owner can see its portrait and clip, and mention it in a video prompt.';
  if (c.status === 'failed') return 'This character could not be made.';
  if (c.status !== 'ready') return 'This character is still being made.';
  if (isPrivate) return 'Only you see this: visitors see neither the portrait nor the clip, and only your keys can mention it in a video prompt.';
  return '';
}

/** The page of an unknown or deleted character: one page for both, so it tells nothing. */
export function renderNotFoundPage(): string {
  return renderErrorPage({ status: 404, title: 'Character not found', message: 'This character does not exist or was deleted.' });
}

/**
 * renderProfilePage with the last pages kept: the same view and viewer give the same bytes, so a
 * page asked for again is not rendered again. The key is the whole input, so a page is never
 * stale; it changes at least every second anyway, as the signed media URLs move (`exp`).
 */
export function createProfilePageCache(maxPages = 500) {
  const pages = new Map<string, string>();
  return (c: CharacterView, who: ProfileViewer): string => {
    const key = `${who.owner}\u0000${who.viewerOwns}\u0000${JSON.stringify(c)}`;
    const kept = pages.get(key);
    if (kept !== undefined) return kept;
    const html = renderProfilePage(c, who);
    if (pages.size >= maxPages) pages.delete(pages.keys().next().value as string);
    pages.set(key, html);
    return html;
  };
}
