import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterKeys } from '../../src/blob-keys.js';
import { LOW_RESOLUTION_SUBJECT_PX, SALIENT_CONFIDENCE } from '../../src/characters/subject.js';
import { createHumanFaceDetector } from '../../src/media/faces/human-detector.js';
import { type FacePlacement, facePng, faceRect } from '../support/faces.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';

/** testsrc2 with the drawn face on screen the whole time, and a sine track when `audio`. */
async function faceVideo(dir: string, name: string, o: { width: number; height: number; placement: FacePlacement; audio: boolean; durationSec: number }) {
  const png = join(dir, `${name}.png`);
  await writeFile(png, await facePng(o.placement.width));
  const out = join(dir, `${name}.mp4`);
  const d = String(o.durationSec);
  await run(FFMPEG, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${o.width}x${o.height}:r=25:d=${d}`, '-loop', '1', '-i', png],
    ...(o.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${d}`] : []),
    ...['-filter_complex', `[0:v][1:v]overlay=x=${o.placement.left}:y=${o.placement.top},format=yuv420p[v]`, '-map', '[v]'],
    ...(o.audio ? ['-map', '2:a', '-c:a', 'aac', '-b:a', '64k'] : []),
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-g', '25', '-t', d, out],
  ]);
  return out;
}

async function durationOf(bytes: Buffer, dir: string, name: string): Promise<{ duration: number; codec: string }> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', path]);
  const j = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
  return { duration: Number(j.format.duration), codec: j.streams[0].codec_name };
}

/** The reference set end to end: real ffmpeg, the real face detector, through the HTTP API. */
describe('a character keeps a reference set', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;
  const bigFace = { left: 480, top: 120, width: 300 }; // the face itself ~204x229 px of a 1280x720 source
  const smallFace = { left: 100, top: 20, width: 120 }; // ~82x92 px of a 320x180 source

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-refs-'));
    files = await startFileServer({
      'face720.mp4': {
        path: await faceVideo(dir, 'face720', { width: 1280, height: 720, placement: bigFace, audio: true, durationSec: 5 }),
        type: 'video/mp4',
      },
      'small.mp4': { path: await faceVideo(dir, 'small', { width: 320, height: 180, placement: smallFace, audio: false, durationSec: 4 }), type: 'video/mp4' },
      'plain.mp4': { path: await makeVideo({ durationSec: 4, width: 640, height: 360, audio: false }), type: 'video/mp4' },
    });
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const post = (body: object) => h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: body });
  const get = (absolute: string) => h.app.inject({ method: 'GET', url: absolute.replace('http://sc.test', ''), headers: h.alice });
  const signed = /^http:\/\/sc\.test\/files\/characters\/ch_[0-9a-f]{32}\/[a-z0-9.-]+\?exp=\d+&sig=/;

  async function frames(c: { reference_frame_urls: string[] }) {
    const out: { width: number; height: number; format: string | undefined; bytes: Buffer }[] = [];
    for (const url of c.reference_frame_urls) {
      expect(url).toMatch(signed);
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      const bytes = res.rawPayload;
      expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      const meta = await sharp(bytes).metadata();
      out.push({ width: meta.width!, height: meta.height!, format: meta.format, bytes });
    }
    return out;
  }

  function expectSpread(times: number[], windowSec: number) {
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Never near-duplicates: at least a sixth of the window apart (far more than one 1/8 s frame).
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(windowSec / 6);
  }

  it('a face in a 720p window with audio: 2-4 JPEG frames at the full 720p size that show the face, spread in time, an MP3 voice as long as the window, subject face', async () => {
    const res = await post({ url: files.url('face720.mp4'), timestamps: '1,4' });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c.reference_frame_urls.length).toBeGreaterThanOrEqual(2);
    expect(c.reference_frame_urls.length).toBeLessThanOrEqual(4);
    const got = await frames(c);
    for (const f of got) expect([f.width, f.height, f.format]).toEqual([1280, 720, 'jpeg']);
    // Each frame shows the face (found again in the JPEG itself).
    const detector = createHumanFaceDetector();
    for (const f of got) {
      const { data, info } = await sharp(f.bytes).raw().toBuffer({ resolveWithObject: true });
      expect((await detector.detect({ timeSec: 0, width: info.width, height: info.height, data })).length).toBeGreaterThan(0);
    }
    const stored = await h.rt.store.characters.get(c.id);
    const times = (stored!.media as { reference_times: number[] }).reference_times;
    expect(times).toHaveLength(got.length);
    for (const t of times) expect(t >= 1 && t < 4).toBe(true);
    expectSpread(times, 3);
    expect(stored!.referenceKeys).toEqual(got.map((_, i) => characterKeys(c.id).frame(i)));

    expect(c.voice_url).toMatch(signed);
    const voice = await get(c.voice_url);
    expect(voice.statusCode).toBe(200);
    expect(voice.headers['content-type']).toBe('audio/mpeg');
    const audio = await durationOf(voice.rawPayload, dir, 'voice.mp3');
    expect(audio.codec).toBe('mp3');
    expect(Math.abs(audio.duration - 3)).toBeLessThan(0.15);

    const truth = faceRect(bigFace);
    expect(c.subject).toMatchObject({ kind: 'face', low_resolution: false });
    expect(c.subject.confidence).toBeGreaterThanOrEqual(0.7);
    expect(c.subject.confidence).toBeLessThanOrEqual(1);
    const b = c.subject.box;
    // The box is in fractions of the frame, around the drawn face.
    expect(Math.abs(b.x + b.width / 2 - truth.cx / 1280)).toBeLessThan(0.05);
    expect(Math.abs(b.y + b.height / 2 - truth.cy / 720)).toBeLessThan(0.08);
    expect(b.width * 1280).toBeGreaterThan(LOW_RESOLUTION_SUBJECT_PX);

    // GET answers the same fields, freshly signed.
    const again = (await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${c.id}`, headers: h.alice })).json();
    expect(again.reference_frame_urls).toHaveLength(got.length);
    expect(again.subject).toEqual(c.subject);
    expect(again.voice_url).toMatch(signed);
  });

  it('a window with nobody in it and no audio: a salient subject with a low confidence, frames at the source size, no voice', async () => {
    const res = await post({ url: files.url('plain.mp4'), timestamps: '1,3' });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c.subject).toMatchObject({ kind: 'salient', confidence: SALIENT_CONFIDENCE, low_resolution: false });
    for (const v of Object.values(c.subject.box) as number[]) expect(v >= 0 && v <= 1).toBe(true);
    expect(c.voice_url).toBeNull();
    const got = await frames(c);
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got.length).toBeLessThanOrEqual(4);
    // A 360p source: the frames keep its size (nothing is upscaled).
    for (const f of got) expect([f.width, f.height]).toEqual([640, 360]);
    const stored = await h.rt.store.characters.get(c.id);
    expect(stored!.voiceKey).toBeNull();
    expectSpread((stored!.media as { reference_times: number[] }).reference_times, 2);
    expect(await h.rt.blobs.stat(characterKeys(c.id).voice)).toBeNull();
  });

  it('a face that is small in the source is low_resolution', async () => {
    const res = await post({ url: files.url('small.mp4'), timestamps: '1,3' });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c.subject).toMatchObject({ kind: 'face', low_resolution: true });
    expect(c.subject.box.height * 180).toBeLessThan(LOW_RESOLUTION_SUBJECT_PX);
    const got = await frames(c);
    for (const f of got) expect([f.width, f.height]).toEqual([320, 180]);
  });

  it('DELETE removes the frames and the voice with the rest', async () => {
    const c = (await post({ url: files.url('face720.mp4'), timestamps: '2,3.5' })).json();
    expect(c.status).toBe('ready');
    const stored = await h.rt.store.characters.get(c.id);
    const keys = [...stored!.referenceKeys, stored!.voiceKey!];
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const k of keys) expect(await h.rt.blobs.stat(k)).not.toBeNull();
    const del = await h.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${c.id}`, headers: h.alice });
    expect(del.statusCode).toBe(200);
    for (const k of keys) expect(await h.rt.blobs.stat(k)).toBeNull();
    for (const url of [...c.reference_frame_urls, c.voice_url]) expect((await get(url)).statusCode).toBe(404);
  });

  it('a character still processing shows no reference set', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { ...h.alice, prefer: 'respond-async' },
      payload: { url: files.url('plain.mp4'), timestamps: '0,1' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'processing', reference_frame_urls: [], voice_url: null, subject: null });
  });
});
