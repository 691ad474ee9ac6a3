import { describe, expect, it } from 'vitest';
import type { CharacterView } from '../../src/characters/view.js';
import { createProfilePageCache, renderProfilePage } from '../../src/web/profile-page.js';

const view = (over: Partial<CharacterView> = {}): CharacterView => ({
  id: 'ch_0123456789abcdef0123456789abcdef',
  object: 'character',
  username: 'figsulsit.oddwingduo',
  permalink: 'http://sc.test/profile/figsulsit.oddwingduo',
  profile_picture_url: 'http://sc.test/files/characters/ch_x/portrait.webp?exp=100&sig=a',
  clip_url: 'http://sc.test/files/characters/ch_x/clip.mp4?exp=100&sig=b',
  display_name: 'Ada',
  status: 'ready',
  visibility: 'private',
  timestamps: '1,3',
  model: null,
  source: { type: 'upload', filename: 'clip.mp4' },
  created_at: 1_765_000_000,
  updated_at: 1_765_000_000,
  error: null,
  reference_frame_urls: [],
  voice_url: null,
  subject: null,
  ...over,
});

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
