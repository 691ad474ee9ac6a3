import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { makeImage } from '../support/videos.js';
import { expectRefusal, listenOnLoopback, postForm, postJson } from './loopback-client.js';

/** Multipart bodies go through the same zod schemas as JSON ones, and leave no temp file behind. */
describe('multipart bodies are validated like JSON and cleaned up', () => {
  let h: Harness;
  let base: string;
  let png: Blob;
  beforeAll(async () => {
    h = await startHarness();
    base = await listenOnLoopback(h);
    png = new Blob([await readFile(await makeImage())], { type: 'image/png' });
  });
  afterAll(() => h?.close());

  const uploadsLeft = async () => (await readdir(h.rt.workDir).catch(() => [] as string[])).filter((f) => f.startsWith('upload-'));

  it.each([
    ['a blank prompt', [['prompt', '   ']], 'prompt'],
    [
      'an unknown size',
      [
        ['prompt', 'p'],
        ['size', '10x10'],
      ],
      'size',
    ],
    [
      'an unknown seconds',
      [
        ['prompt', 'p'],
        ['seconds', '5'],
      ],
      'seconds',
    ],
    [
      'seconds as a list',
      [
        ['prompt', 'p'],
        ['seconds[]', '4'],
      ],
      'seconds',
    ],
    [
      'input_reference as plain text',
      [
        ['prompt', 'p'],
        ['input_reference', 'not a file'],
      ],
      'input_reference',
    ],
  ] as const)('POST /v1/videos refuses %s with its field, as JSON does', async (_name, fields, param) => {
    const form = await postForm(`${base}/v1/videos`, h.alice, [...fields.map(([k, v]) => [k, v] as [string, string]), ['extra_file', png, 'x.png']]);
    expectRefusal(form, 400, 'invalid_parameter', param);
    expect(await uploadsLeft()).toEqual([]);
  });

  it('the JSON twin of each refusal names the same field', async () => {
    for (const [body, param] of [
      [{ prompt: ' ' }, 'prompt'],
      [{ prompt: 'p', size: '10x10' }, 'size'],
      [{ prompt: 'p', seconds: ['4'] }, 'seconds'],
    ] as const) {
      expectRefusal(await postJson(`${base}/v1/videos`, h.alice, body), 400, 'invalid_parameter', param);
    }
  });

  it('a JSON body cannot pass an object for a file: input_reference {path} is refused', async () => {
    const res = await postJson(`${base}/v1/videos`, h.alice, {
      prompt: 'p',
      input_reference: { path: '/etc/passwd', field: 'input_reference', filename: 'x' },
    });
    expectRefusal(res, 400, 'invalid_parameter', 'input_reference');
  });

  it("the SDK's createCharacter: a missing video is missing_source, a blank name invalid_parameter; no temp file stays", async () => {
    expectRefusal(await postForm(`${base}/v1/videos/characters`, h.alice, [['name', 'Ada']]), 400, 'missing_source', 'video');
    expectRefusal(await postJson(`${base}/v1/videos/characters`, h.alice, { name: 'Ada', video: 'x' }), 400, 'missing_source', 'video');
    const blank = await postForm(`${base}/v1/videos/characters`, h.alice, [
      ['name', '  '],
      ['video', png, 'v.mp4'],
    ]);
    expectRefusal(blank, 400, 'invalid_parameter', 'name');
    expect(await uploadsLeft()).toEqual([]);
  });

  it('a valid multipart create with an uploaded input_reference works and removes its upload', async () => {
    const res = await postForm(`${base}/v1/videos`, h.alice, [
      ['prompt', 'a still'],
      ['input_reference', png, 'ref.png'],
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ object: 'video', status: 'queued', seconds: '4', size: '720x1280' });
    expect(await uploadsLeft()).toEqual([]);
  });
});
