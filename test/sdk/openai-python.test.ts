import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { type Harness, startHarness } from '../support/harness.js';
import { findSdkPython } from '../support/tiers.js';

const exec = promisify(execFile);
const SCRIPT = resolve('test/sdk/python/sdk_flow.py');
const found = findSdkPython();
if (found.broken) throw new Error(found.broken);

type Step = { step: string; ok: boolean; error?: { status: number | null; code: string; param: string | null; message: string } } & Record<string, any>;

/** The official Python SDK (openai 3.x) as the client of every video and character call, on loopback. */
describe.runIf(found.python)('the official Python SDK against sora-characters', () => {
  let h: Harness;
  let stderr = '';
  const steps = new Map<string, Step>();

  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    const dir = await mkdtemp(join(tmpdir(), 'sc-python-sdk-'));
    const faceVideo = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
    const imagePng = join(dir, 'ref.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#c04020' } })
      .png()
      .toFile(imagePng);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENAI_')));
    const run = await exec(found.python!, [SCRIPT], {
      env: {
        ...env,
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        OPENAI_API_KEY: 'sk-alice-test-key',
        SORA_ROOT_URL: `http://127.0.0.1:${port}`,
        FACE_VIDEO: faceVideo,
        IMAGE_PNG: imagePng,
      },
      timeout: 240_000,
    });
    stderr = run.stderr;
    for (const line of run.stdout.split('\n').filter(Boolean)) {
      const s = JSON.parse(line) as Step;
      steps.set(s.step, s);
    }
  }, 300_000);
  afterAll(() => h?.close());

  /** The step's facts; a failed or missing step fails the test with what the SDK saw. */
  function passed(name: string): Step {
    const s = steps.get(name);
    expect(s, `step ${name} did not run; stderr: ${stderr}`).toBeDefined();
    expect(s!.error, `step ${name}`).toBeUndefined();
    expect(s!.ok).toBe(true);
    return s!;
  }

  it('runs openai 3.x', () => {
    expect(passed('version').version).toMatch(/^3\./);
  });

  it('videos.create_character (multipart video + name) and videos.get_character', () => {
    const made = passed('create_character').character;
    expect(made).toMatchObject({ id: expect.stringMatching(/^ch_[0-9a-f]{32}$/), name: 'Ada', created_at: expect.any(Number) });
    const got = passed('get_character').character;
    expect(got).toMatchObject({ id: made.id, name: 'Ada', status: 'ready', timestamps: '0,3', visibility: 'private' });
    expect(got.username).toMatch(/^[a-z0-9_]+\.[a-z0-9_]+$/);
  });

  it('videos.create with an @username mention in the prompt', () => {
    const { id, username } = passed('get_character').character;
    const v = passed('create_with_mention').video;
    expect(v).toMatchObject({ object: 'video', model: 'sora-2', status: 'queued', size: '720x1280', seconds: '4', characters: [{ id, username }] });
  });

  it('videos.create with characters=[{"id": ...}] (the form field characters[][id])', () => {
    const { id, username } = passed('get_character').character;
    expect(passed('create_with_characters').video).toMatchObject({ prompt: 'someone waves', characters: [{ id, username }] });
    expect(passed('retrieve_with_characters').video).toMatchObject({ status: 'completed', characters: [{ id, username }] });
  });

  it('videos.create with input_reference: an uploaded image, or {"image_url": ...} (input_reference[image_url])', () => {
    const upload = passed('create_with_input_reference');
    expect(upload.video).toMatchObject({ size: '1280x720', prompt: 'from a picture' });
    expect(upload.done).toBe('completed');
    const url = passed('create_with_image_url');
    expect(url.video).toMatchObject({ prompt: 'from a data URL' });
    expect(url.done).toBe('completed');
  });

  it('videos.retrieve, polled until completed', () => {
    const s = passed('retrieve_until_completed');
    expect(['queued', 'in_progress', 'completed']).toContain(s.first_status);
    expect(s.video).toMatchObject({ id: passed('create_with_mention').video.id, status: 'completed', progress: 100 });
  });

  it('videos.list: one item a page, auto-pagination in both orders', () => {
    const s = passed('list_paginated');
    const made = ['create_with_mention', 'create_with_characters', 'create_with_input_reference', 'create_with_image_url'].map((n) => passed(n).video.id);
    expect(s.first_page).toHaveLength(1);
    expect(s.has_more).toBe(true);
    expect([...s.ids].sort()).toEqual([...made].sort());
    expect(s.ascending).toEqual([...s.ids].reverse());
  });

  it('videos.download_content: the video (mp4 ftyp), thumbnail (RIFF....WEBP), spritesheet (FFD8)', () => {
    const { variants } = passed('download_content');
    expect(variants.video.magic).toBe('mp4');
    expect(variants.thumbnail.magic).toBe('webp');
    expect(variants.spritesheet.magic).toBe('jpeg');
    for (const v of Object.values(variants) as { bytes: number }[]) expect(v.bytes).toBeGreaterThan(100);
  });

  it('videos.remix of a completed video', () => {
    const s = passed('remix');
    const source = passed('create_with_mention').video.id;
    expect(s.video).toMatchObject({ remixed_from_video_id: source, prompt: 'the same, at night' });
    expect(s.done.status).toBe('completed');
  });

  it('/sora/v1/characters through the SDK client (post and get with absolute URLs)', () => {
    const s = passed('characters_route');
    expect(s.character).toMatchObject({ object: 'character', status: 'ready', source: { type: 'task', task_id: passed('create_with_mention').video.id } });
    expect(s.listed).toEqual(expect.arrayContaining([s.character.id, passed('create_character').character.id]));
  });

  it("a refusal reaches the SDK as BadRequestError with the envelope's code and param", () => {
    expect(passed('refusal').refused).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'seconds' });
  });

  it('videos.delete (content-type application/json, no body), then retrieve is 404', () => {
    const s = passed('delete');
    expect(s.deleted).toEqual({ id: passed('remix').video.id, object: 'video.deleted', deleted: true });
    expect(s.after).toMatchObject({ status: 404, code: 'task_not_found' });
  });
});
