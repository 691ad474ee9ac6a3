import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { type Harness, startHarness } from '../support/harness.js';
import { expectRefusal, type FormEntry, listenOnLoopback, postForm, postJson, uploadCharacter } from './loopback-client.js';

/**
 * POST /v1/videos as multipart in every encoding the official SDKs (and hand-made forms) use:
 * each must give the task that the same fields as JSON give.
 */
describe('multipart form encodings of POST /v1/videos', () => {
  let h: Harness;
  let base: string;
  let a: { id: string; username: string };
  let b: { id: string; username: string };

  beforeAll(async () => {
    h = await startHarness();
    base = await listenOnLoopback(h);
    const dir = await mkdtemp(join(tmpdir(), 'sc-forms-'));
    const face = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 4 });
    a = await uploadCharacter(base, h.alice, face, 'First');
    b = await uploadCharacter(base, h.alice, face, 'Second');
  });
  afterAll(() => h?.close());

  /** The fields of a created task that come from the request; the task is deleted before it renders. */
  async function created(res: { status: number; body: Record<string, any> }) {
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { id, prompt, model, seconds, size, characters } = res.body;
    await fetch(`${base}/v1/videos/${id}`, { method: 'DELETE', headers: h.alice });
    return { prompt, model, seconds, size, characters };
  }
  const viaForm = async (entries: FormEntry[]) => created(await postForm(`${base}/v1/videos`, h.alice, entries));
  const viaJson = async (body: object) => created(await postJson(`${base}/v1/videos`, h.alice, body));

  const both = () => [
    { id: a.id, username: a.username },
    { id: b.id, username: b.username },
  ];

  it('the scalar fields read the same as in JSON: prompt (non-ASCII, CRLF), model, seconds, size', async () => {
    const fields = { prompt: 'café 🎬\r\nat dusk', model: 'sora-2', seconds: '8', size: '1280x720' };
    const json = await viaJson(fields);
    expect(json).toMatchObject(fields);
    expect(await viaForm(Object.entries(fields))).toEqual(json);
  });

  it.each<[string, (x: string, y: string) => FormEntry[]]>([
    [
      'characters[][id] (both SDKs)',
      (x, y) => [
        ['characters[][id]', x],
        ['characters[][id]', y],
      ],
    ],
    [
      'characters[][id] with a second key per entry',
      (x, y) => [
        ['characters[][id]', x],
        ['characters[][note]', 'lead'],
        ['characters[][id]', y],
        ['characters[][note]', 'extra'],
      ],
    ],
    [
      'characters[0][id], characters[1][id] (indices)',
      (x, y) => [
        ['characters[0][id]', x],
        ['characters[1][id]', y],
      ],
    ],
    [
      'characters[] (a list of ids)',
      (x, y) => [
        ['characters[]', x],
        ['characters[]', y],
      ],
    ],
    [
      'characters repeated',
      (x, y) => [
        ['characters', x],
        ['characters', y],
      ],
    ],
    ['characters as JSON in the field', (x, y) => [['characters', JSON.stringify([{ id: x }, { id: y }])]]],
    [
      'characters repeated, each a JSON object',
      (x, y) => [
        ['characters', JSON.stringify({ id: x })],
        ['characters', JSON.stringify({ id: y })],
      ],
    ],
  ])('%s: the two characters, in order, as JSON characters: [{id}, {id}] gives', async (_name, encode) => {
    const json = await viaJson({ prompt: 'two people wave', characters: [{ id: a.id }, { id: b.id }] });
    expect(json.characters).toEqual(both());
    expect(await viaForm([['prompt', 'two people wave'], ...encode(a.id, b.id)])).toEqual(json);
  });

  it('characters sent once as a plain field is a list of one', async () => {
    const form = await viaForm([
      ['prompt', 'one person waves'],
      ['characters', a.id],
    ]);
    expect(form).toEqual(await viaJson({ prompt: 'one person waves', characters: [{ id: a.id }] }));
  });

  it('input_reference {image_url} as JSON in the field, or as input_reference[image_url]', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#208040' } })
      .png()
      .toBuffer();
    const image_url = `data:image/png;base64,${png.toString('base64')}`;
    expect(
      (
        await viaForm([
          ['prompt', 'from a picture'],
          ['input_reference', JSON.stringify({ image_url })],
        ])
      ).prompt,
    ).toBe('from a picture');
    expect(
      (
        await viaForm([
          ['prompt', 'from a picture'],
          ['input_reference[image_url]', image_url],
        ])
      ).prompt,
    ).toBe('from a picture');
  });

  it('refusals name the field: a list where seconds is one value, JSON that does not parse, a value and an object of one name', async () => {
    expectRefusal(
      await postForm(`${base}/v1/videos`, h.alice, [
        ['prompt', 'x'],
        ['seconds[]', '4'],
      ]),
      400,
      'invalid_parameter',
      'seconds',
    );
    expectRefusal(
      await postForm(`${base}/v1/videos`, h.alice, [
        ['prompt', 'x'],
        ['characters', '[{"id":'],
      ]),
      400,
      'invalid_parameter',
      'characters',
    );
    expectRefusal(
      await postForm(`${base}/v1/videos`, h.alice, [
        ['prompt', 'x'],
        ['characters', a.id],
        ['characters[id]', b.id],
      ]),
      400,
      'invalid_parameter',
      'characters[id]',
    );
  });

  it('a JSON seconds that is a list is refused too (it used to read as its only entry)', async () => {
    expectRefusal(await postJson(`${base}/v1/videos`, h.alice, { prompt: 'x', seconds: ['4'] }), 400, 'invalid_parameter', 'seconds');
  });
});
