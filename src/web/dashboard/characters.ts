import type { CharacterView } from '../../characters/view.js';
import type { DashboardNav } from './nav.js';
import { renderDashboardPage, when } from './page.js';

/** What the pipeline found (`subject.kind`: a face, or the salient region); null until the character is made. */
function foundOf(c: CharacterView): string | null {
  if (!c.subject) return null;
  const small = c.subject.low_resolution ? ' (small in the source)' : '';
  return c.subject.kind === 'face' ? `Face found${small}` : 'No face: main subject';
}

/** The reference frames of a character (none until it is made). */
function framesOf(c: CharacterView): string[] {
  return c.reference_frame_urls;
}

/** A character as the pages show it. */
function card(c: CharacterView) {
  return {
    id: c.id,
    username: c.username,
    mention: `@${c.username}`,
    displayName: c.display_name,
    visibility: c.visibility,
    status: c.status,
    portraitUrl: c.status === 'ready' ? c.profile_picture_url : null,
    clipUrl: c.status === 'ready' ? c.clip_url : null,
    created: when(c.created_at)!,
    found: foundOf(c),
    frames: framesOf(c),
    error: c.error,
    timestamps: c.timestamps,
    permalink: c.permalink,
    source: c.source.type === 'url' ? c.source.url : c.source.type === 'upload' ? `uploaded file ${c.source.filename}` : `video task ${c.source.task_id}`,
  };
}

export function renderGallery(d: { nav: DashboardNav; characters: CharacterView[]; nextAfter: string | null; deleted: string | null }): string {
  const cards = d.characters.map(card);
  return renderDashboardPage('gallery', 'Your characters', d.nav, {
    cards,
    nextAfter: d.nextAfter,
    deleted: d.deleted,
    pending: cards.some((c) => c.status === 'processing'),
  });
}

export interface NewCharacterValues {
  url?: string;
  timestamps?: string;
  display_name?: string;
  username?: string;
  visibility?: string;
}

export function renderNewCharacterPage(d: { nav: DashboardNav; values: NewCharacterValues; error?: string }): string {
  return renderDashboardPage('new-character', 'New character', d.nav, { values: d.values, error: d.error ?? null }, { scripts: ['scrubber.js'] });
}

export function renderCharacterPage(d: { nav: DashboardNav; character: CharacterView; saved?: boolean; error?: string }): string {
  const c = card(d.character);
  return renderDashboardPage('character', `${c.displayName} (${c.mention})`, d.nav, {
    c,
    saved: !!d.saved,
    error: d.error ?? null,
    pending: c.status === 'processing',
  });
}

export function renderDeletePage(d: { nav: DashboardNav; character: CharacterView }): string {
  const c = card(d.character);
  return renderDashboardPage('delete-character', `Delete ${c.mention}`, d.nav, { c });
}
