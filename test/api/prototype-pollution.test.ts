import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { type Harness, startHarness } from '../support/harness.js';
import { expectRefusal, listenOnLoopback, postForm, postJson, uploadCharacter } from './loopback-client.js';

const POLLUTED = ['x', 'visibility', 'polluted'];
const prototypeKeys = () => POLLUTED.filter((k) => k in ({} as object));

/**
 * Client-chosen keys never reach Object.prototype: form field names are paths into prototype-less
 * objects, and `__proto__`, `constructor`, `prototype` in a field name or a JSON key are refused.
 * The server runs in this process, so a pollution would show here.
 */
describe('prototype pollution through form field names and JSON keys', () => {
  let h: Harness;
  let base: string;
  let faceVideo: string;

  beforeAll(async () => {
    h = await startHarness();
    base = await listenOnLoopback(h);
    const dir = await mkdtemp(join(tmpdir(), 'sc-proto-'));
    faceVideo = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 4 });
  });
  afterAll(async () => {
    // Were the fix missing, the rest of this worker would inherit the pollution.
    for (const k of POLLUTED) delete (Object.prototype as Record<string, unknown>)[k];
    await h?.close();
  });

  const FIELDS = ['__proto__[x]', 'constructor[prototype][x]', 'a[__proto__][x]', '__proto__[visibility]', 'characters[][__proto__][polluted]', 'prototype'];

  it.each(FIELDS)('POST /v1/videos with the form field %s: 400 invalid_parameter naming it', async (field) => {
    const res = await postForm(`${base}/v1/videos`, h.alice, [
      ['prompt', 'a lake'],
      [field, field.includes('visibility') ? 'public' : '1'],
    ]);
    expectRefusal(res, 400, 'invalid_parameter', field);
    expect(prototypeKeys()).toEqual([]);
  });

  it('the same on the SDK character route and on remix (both read forms)', async () => {
    const video = new Blob([Buffer.from('not read')], { type: 'video/mp4' });
    expectRefusal(
      await postForm(`${base}/v1/videos/characters`, h.alice, [
        ['__proto__[x]', '1'],
        ['name', 'Eve'],
        ['video', video, 'f.mp4'],
      ]),
      400,
      'invalid_parameter',
      '__proto__[x]',
    );
    expectRefusal(
      await postForm(`${base}/v1/videos/characters`, h.alice, [
        ['video', video, 'f.mp4'],
        ['constructor[prototype][x]', '1'],
      ]),
      400,
      'invalid_parameter',
      'constructor[prototype][x]',
    );
    // On a file part too: the upload is left unread and the answer still comes.
    expectRefusal(
      await postForm(`${base}/v1/videos`, h.alice, [
        ['prompt', 'a lake'],
        ['__proto__[x]', video, 'f.png'],
      ]),
      400,
      'invalid_parameter',
      '__proto__[x]',
    );
    expectRefusal(
      await postForm(`${base}/v1/videos/video_00000000-0000-4000-8000-000000000000/remix`, h.alice, [['a[__proto__][x]', '1']]),
      400,
      'invalid_parameter',
      'a[__proto__][x]',
    );
    expect(prototypeKeys()).toEqual([]);
  });

  it('a plain field named __proto__ or constructor (refused by the multipart reader itself): 400 invalid_parameter', async () => {
    for (const field of ['__proto__', 'constructor']) {
      expectRefusal(
        await postForm(`${base}/v1/videos`, h.alice, [
          ['prompt', 'a lake'],
          [field, '1'],
        ]),
        400,
        'invalid_parameter',
      );
    }
  });

  it('JSON inside a form field, and JSON bodies: a forbidden key anywhere is 400 invalid_parameter naming the top-level field', async () => {
    expectRefusal(
      await postForm(`${base}/v1/videos`, h.alice, [
        ['prompt', 'a lake'],
        ['characters', '[{"__proto__":{"x":"1"}}]'],
      ]),
      400,
      'invalid_parameter',
      'characters',
    );
    const raw = (body: string) => fetch(`${base}/v1/videos`, { method: 'POST', headers: { ...h.alice, 'content-type': 'application/json' }, body });
    const proto = await raw('{"prompt":"a lake","__proto__":{"x":"1"}}');
    expectRefusal({ status: proto.status, body: await proto.json() }, 400, 'invalid_parameter', '__proto__');
    expectRefusal(
      await postJson(`${base}/v1/videos`, h.alice, { prompt: 'a lake', characters: [{ constructor: { prototype: { x: '1' } } }] }),
      400,
      'invalid_parameter',
      'characters',
    );
    const character = await fetch(`${base}/sora/v1/characters`, {
      method: 'POST',
      headers: { ...h.alice, 'content-type': 'application/json' },
      body: '{"timestamps":"0,2","url":"https://x.test/a.mp4","__proto__":{"visibility":"public"}}',
    });
    expectRefusal({ status: character.status, body: await character.json() }, 400, 'invalid_parameter', '__proto__');
    expect(prototypeKeys()).toEqual([]);
  });

  it('afterwards: the process serves, a new character is private by default, Object.prototype is clean', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const made = await uploadCharacter(base, h.alice, faceVideo, 'After');
    expect(made.visibility).toBe('private');
    const got = await fetch(`${base}/sora/v1/characters/${made.id}`, { headers: h.alice });
    expect(((await got.json()) as { visibility: string }).visibility).toBe('private');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).visibility).toBeUndefined();
  });
});
