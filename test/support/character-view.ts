import type { CharacterView } from '../../src/characters/view.js';

/** A ready, private character as the API shows it, for tests of what renders views; `over` replaces fields. */
export const makeCharacterView = (over: Partial<CharacterView> = {}): CharacterView => ({
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
