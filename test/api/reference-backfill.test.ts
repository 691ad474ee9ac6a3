import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterKeys } from '../../src/blob-keys.js';
import { createDiskBlobStore } from '../../src/blobs/disk/disk-blob-store.js';
import { referenceJobId } from '../../src/characters/backfill-references.js';
import { ownerHandleFor } from '../../src/keys/owner-handle.js';
import { characterToRow } from '../../src/records/kysely/characters-repo.js';
import { createMigrator, openDatabase } from '../../src/records/kysely/index.js';
import { makeCharacter } from '../records/store-contract.js';
import { facePng } from '../support/faces.js';
import { type Harness, startHarness } from '../support/harness.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';
const ALICE = 'sk-alice-test-key';

/**
 * A character made before reference sets existed: a ready row in the 0002 schema (no reference,
 * voice or subject column) with a real clip blob. Booting the runtime migrates the database and
 * runs the once-only job that makes its set from the clip.
 */
describe('characters made before reference sets get theirs from their kept clip', () => {
  let dataDir: string;
  let h: Harness | null = null;
  const hash = createHash('sha256').update(ALICE).digest('hex');
  const withFace = makeCharacter({
    id: `ch_${randomBytes(16).toString('hex')}`,
    keyId: `key_static_${hash.slice(0, 24)}`,
    owner: ownerHandleFor(hash),
    status: 'ready',
    startSec: 2,
    endSec: 4.5,
    media: { source_width: 1280, source_height: 720, portrait_subject: 'face' },
  });
  const silent = makeCharacter({ keyId: withFace.keyId, owner: withFace.owner, status: 'ready', startSec: 0, endSec: 2, media: null });

  /** The clip as the service kept it: H.264 + AAC (when `audio`) MP4 of the window. */
  async function keptClip(path: string, o: { audio: boolean; durationSec: number; face: boolean }) {
    const png = join(dataDir, 'face.png');
    await writeFile(png, await facePng(260));
    const d = String(o.durationSec);
    await run(FFMPEG, [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=1280x720:r=30:d=${d}`, '-loop', '1', '-i', png],
      ...(o.audio ? ['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${d}`] : []),
      ...['-filter_complex', `[0:v][1:v]overlay=x=500:y=100:enable='${o.face ? 1 : 0}',format=yuv420p[v]`, '-map', '[v]'],
      ...(o.audio ? ['-map', '2:a', '-c:a', 'aac', '-b:a', '128k', '-ac', '2'] : []),
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '21', '-movflags', '+faststart', '-t', d, path],
    ]);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sc-backfill-'));
    const database = openDatabase(`sqlite:${join(dataDir, 'sora-characters.db')}`);
    try {
      await (await createMigrator(database.db)).migrateTo('0002_unique_key_names');
      const blobs = createDiskBlobStore(join(dataDir, 'media'));
      for (const [c, o] of [
        [withFace, { audio: true, durationSec: 2.5, face: true }],
        [silent, { audio: false, durationSec: 2, face: false }],
      ] as const) {
        const keys = characterKeys(c.id);
        const clip = join(dataDir, `${c.id}.mp4`);
        await keptClip(clip, o);
        await blobs.putFile(keys.clip, clip, 'video/mp4');
        await blobs.putBuffer(
          keys.portrait,
          await sharp({ create: { width: 512, height: 512, channels: 3, background: '#777' } })
            .webp()
            .toBuffer(),
          'image/webp',
        );
        const { reference_keys: _r, voice_key: _v, subject: _s, ...oldRow } = characterToRow({ ...c, portraitKey: keys.portrait, clipKey: keys.clip });
        await database.db.insertInto('characters').values(oldRow).execute();
      }
    } finally {
      await database.db.destroy();
    }
    await mkdir(join(dataDir, 'tmp'), { recursive: true });
  });
  afterAll(async () => {
    await h?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function settled(jobId: string) {
    for (let i = 0; i < 600; i++) {
      const job = await h!.rt.store.jobs.get(jobId);
      if (job && (job.state === 'done' || job.state === 'failed')) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} did not settle`);
  }

  it('boot enqueues one job per such character; it fills in the frames, the voice and the subject', async () => {
    h = await startHarness({ DATA_DIR: dataDir });
    expect((await settled(referenceJobId(withFace.id))).state).toBe('done');
    expect((await settled(referenceJobId(silent.id))).state).toBe('done');

    const c = (await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${withFace.id}`, headers: h.alice })).json();
    expect(c.reference_frame_urls.length).toBeGreaterThanOrEqual(2);
    expect(c.reference_frame_urls.length).toBeLessThanOrEqual(4);
    for (const url of c.reference_frame_urls) {
      const res = await h.app.inject({ method: 'GET', url: url.replace('http://sc.test', '') });
      expect(res.statusCode).toBe(200);
      const meta = await sharp(res.rawPayload).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1280, 720]);
    }
    expect(c.subject).toMatchObject({ kind: 'face', low_resolution: false });
    const voice = await h.app.inject({ method: 'GET', url: c.voice_url.replace('http://sc.test', '') });
    expect(voice.statusCode).toBe(200);
    const voicePath = join(dataDir, 'voice.mp3');
    await writeFile(voicePath, voice.rawPayload);
    const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', voicePath]);
    expect(Math.abs(Number(stdout) - 2.5)).toBeLessThan(0.15);

    const stored = await h.rt.store.characters.get(withFace.id);
    const times = (stored!.media as { reference_times: number[] }).reference_times;
    // Times are source times: inside the character's window.
    for (const t of times) expect(t >= 2 && t < 4.5).toBe(true);
    expect(stored!.media).toMatchObject({ source_width: 1280, references_from: 'clip' });

    const plain = (await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${silent.id}`, headers: h.alice })).json();
    expect(plain.subject).toMatchObject({ kind: 'salient', low_resolution: false });
    expect(plain.voice_url).toBeNull();
    expect(plain.reference_frame_urls.length).toBeGreaterThanOrEqual(2);
  });

  it('runs once: a second boot enqueues nothing and the jobs keep their single attempt', async () => {
    await h!.close();
    h = null;
    h = await startHarness({ DATA_DIR: dataDir });
    expect(await h.rt.store.characters.listReadyWithoutReferences({ limit: 10 })).toEqual([]);
    expect(await h.rt.store.jobs.get(referenceJobId(withFace.id))).toMatchObject({ state: 'done', attempts: 1 });
    expect(await h.rt.queue.depth(['character.references'])).toBe(0);
  });
});
