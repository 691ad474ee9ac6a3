import type { CharacterRecord, CharacterSubject } from '../records/ports.js';
import type { UrlSigner } from './ports.js';

/** The public JSON of a character: the seed's four fields first, then the extras. */
export interface CharacterView {
  id: string;
  object: 'character';
  username: string;
  permalink: string;
  profile_picture_url: string | null;
  clip_url: string | null;
  reference_frame_urls: string[];
  voice_url: string | null;
  subject: {
    kind: CharacterSubject['kind'];
    confidence: number;
    box: CharacterSubject['box'];
    low_resolution: boolean;
  } | null;
  display_name: string;
  status: CharacterRecord['status'];
  visibility: CharacterRecord['visibility'];
  timestamps: string;
  model: string | null;
  source: { type: 'url' | 'task' | 'upload'; url?: string; task_id?: string; filename?: string };
  created_at: number;
  updated_at: number;
  error: { code: string; message: string } | null;
}

export function toCharacterView(c: CharacterRecord, publicUrl: string, signUrl: UrlSigner): CharacterView {
  const ready = c.status === 'ready';
  return {
    id: c.id,
    object: 'character',
    username: c.username,
    permalink: `${publicUrl}/profile/${c.username}`,
    profile_picture_url: ready && c.portraitKey ? signUrl(c.portraitKey) : null,
    clip_url: ready && c.clipKey ? signUrl(c.clipKey) : null,
    reference_frame_urls: ready ? c.referenceKeys.map((k) => signUrl(k)) : [],
    voice_url: ready && c.voiceKey ? signUrl(c.voiceKey) : null,
    subject: ready && c.subject ? subjectView(c.subject) : null,
    display_name: c.displayName,
    status: c.status,
    visibility: c.visibility,
    timestamps: `${c.startSec},${c.endSec}`,
    model: c.model,
    source: sourceView(c.source),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    error: c.errorCode ? { code: c.errorCode, message: c.errorMessage ?? '' } : null,
  };
}

function subjectView(s: CharacterSubject): NonNullable<CharacterView['subject']> {
  return { kind: s.kind, confidence: s.confidence, box: { ...s.box }, low_resolution: s.lowResolution };
}

function sourceView(s: CharacterRecord['source']): CharacterView['source'] {
  if (s.kind === 'task') return { type: 'task', task_id: s.ref };
  if (s.kind === 'upload') return { type: 'upload', filename: s.ref };
  return { type: 'url', url: s.ref };
}
