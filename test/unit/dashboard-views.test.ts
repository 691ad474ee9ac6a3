import { describe, expect, it } from 'vitest';
import type { CharacterView } from '../../src/characters/view.js';
import { renderCharacterPage, renderGallery } from '../../src/web/dashboard/characters.js';
import type { DashboardNav } from '../../src/web/dashboard/nav.js';
import { makeCharacterView } from '../support/character-view.js';

const nav: DashboardNav = { owner: 'figsulsit', keyName: 'static', admin: false, csrf: 'T'.repeat(43) };

const character = (over: Partial<CharacterView> = {}): CharacterView =>
  makeCharacterView({
    profile_picture_url: 'http://sc.test/files/p.webp?exp=1&sig=s',
    clip_url: 'http://sc.test/files/c.mp4?exp=1&sig=s',
    display_name: 'Odd <Wing> & "Duo"',
    ...over,
  });

const box = { x: 0.3, y: 0.2, width: 0.3, height: 0.4 };

/** The pages read the fields other parts of the service add (subject, reference frames) when a character has them. */
describe('dashboard views', () => {
  it('says what was found when the character has subject.kind, and nothing when it has none', () => {
    expect(
      renderGallery({
        nav,
        characters: [character({ subject: { kind: 'face', confidence: 0.9, box, low_resolution: false } })],
        nextAfter: null,
        deleted: null,
      }),
    ).toContain('Face found');
    expect(
      renderGallery({
        nav,
        characters: [character({ subject: { kind: 'salient', confidence: 0.2, box, low_resolution: false } })],
        nextAfter: null,
        deleted: null,
      }),
    ).toContain('No face: main subject');
    const plain = renderGallery({ nav, characters: [character()], nextAfter: null, deleted: null });
    expect(plain).not.toContain('Face found');
    expect(plain).not.toContain('No face');
  });

  it("shows a character's reference frames when it has reference_frame_urls", () => {
    const urls = ['http://sc.test/files/f1.webp?exp=1&sig=a', 'http://sc.test/files/f2.webp?exp=1&sig=b'];
    const page = renderCharacterPage({ nav, character: character({ reference_frame_urls: urls }) });
    expect(page).toContain('Reference frames');
    expect(page).toContain('src="http://sc.test/files/f1.webp?exp=1&amp;sig=a"');
    expect(page).toContain('alt="Reference frame 2"');
    expect(renderCharacterPage({ nav, character: character() })).not.toContain('Reference frames');
  });

  it('escapes what users typed', () => {
    const page = renderCharacterPage({ nav, character: character() });
    expect(page).toContain('Odd &lt;Wing&gt; &amp; &quot;Duo&quot;');
    expect(page).not.toContain('<Wing>');
  });

  it('polls only while a character is being made, with a refresh for pages without JavaScript', () => {
    const making = renderGallery({
      nav,
      characters: [character({ status: 'processing', profile_picture_url: null, clip_url: null })],
      nextAfter: null,
      deleted: null,
    });
    expect(making).toContain('data-status-url="/admin/characters/ch_0123456789abcdef0123456789abcdef/status"');
    expect(making).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');
    const done = renderGallery({ nav, characters: [character()], nextAfter: null, deleted: null });
    expect(done).not.toContain('data-status-url');
    expect(done).not.toContain('http-equiv="refresh"');
  });
});
