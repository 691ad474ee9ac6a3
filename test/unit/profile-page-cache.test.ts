import { describe, expect, it } from 'vitest';
import type { CharacterView } from '../../src/characters/view.js';
import { createProfilePageCache, renderProfilePage } from '../../src/web/profile-page.js';
import { makeCharacterView } from '../support/character-view.js';

const view = makeCharacterView;

describe('the profile page cache', () => {
  it('answers what renderProfilePage renders, for every change of the view or the viewer', () => {
    const page = createProfilePageCache(2);
    const inputs: [CharacterView, { owner: string; viewerOwns: boolean }][] = [
      [view(), { owner: 'figsulsit', viewerOwns: false }],
      [view(), { owner: 'figsulsit', viewerOwns: true }],
      [view({ visibility: 'public' }), { owner: 'figsulsit', viewerOwns: false }],
      [view({ visibility: 'public', display_name: 'Ada Renamed' }), { owner: 'figsulsit', viewerOwns: false }],
      [
        view({ visibility: 'public', profile_picture_url: 'http://sc.test/files/characters/ch_x/portrait.webp?exp=101&sig=c' }),
        { owner: 'figsulsit', viewerOwns: false },
      ],
      [view({ status: 'failed' }), { owner: 'figsulsit', viewerOwns: true }],
    ];
    // Twice over, so the second round is answered from what is kept (and past the 2-page bound).
    for (const round of [1, 2]) {
      for (const [c, who] of inputs) expect(page(c, who), `round ${round}`).toBe(renderProfilePage(c, who));
    }
    const renamed = page(inputs[3][0], inputs[3][1]);
    expect(renamed).toContain('Ada Renamed');
    expect(page(inputs[1][0], inputs[1][1])).toContain('portrait.webp?exp=100');
    expect(page(inputs[0][0], inputs[0][1])).not.toContain('portrait.webp');
  });
});
