import { describe, expect, it } from 'vitest';
import { falAppPath } from '../../src/engines/fal/api.js';
import { falFailure, falStatusFailure } from '../../src/engines/fal/errors.js';
import { falFamilyOf, falInputFor } from '../../src/engines/fal/families.js';
import { rewriteMentions } from '../../src/engines/prompt-names.js';
import type { MediaRef, UpstreamCharacter, UpstreamRender } from '../../src/engines/upstream-api.js';
import { retryAfterMs } from '../../src/engines/upstream-http.js';
import { findMentions } from '../../src/videos/mentions.js';

const img = (name: string): MediaRef => ({ url: `data:image/jpeg;base64,${name}`, contentType: 'image/jpeg' });
const character = (username: string, frames: number, over: Partial<UpstreamCharacter> = {}): UpstreamCharacter => ({
  username,
  displayName: username.split('.')[1].toUpperCase(),
  portrait: img(`${username}-portrait`),
  frames: Array.from({ length: frames }, (_, i) => img(`${username}-f${i}`)),
  voice: null,
  clip: null,
  ...over,
});
const render = (model: string, over: Partial<UpstreamRender> = {}): UpstreamRender => ({
  taskId: 'video_x',
  model,
  prompt: '@aaa.ada meets @bbb.bob',
  width: 720,
  height: 1280,
  seconds: 4,
  characters: [character('aaa.ada', 2), character('bbb.bob', 0)],
  inputReference: null,
  ...over,
});

const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';
const SEEDANCE_FAST = 'bytedance/seedance-2.0/fast/reference-to-video';
const KLING = 'fal-ai/kling-video/o3/pro/reference-to-video';
const VEO = 'fal-ai/veo3.1/reference-to-video';

describe('fal model families', () => {
  it('tells the family from the upstream model id', () => {
    expect(falFamilyOf(SEEDANCE)).toBe('seedance-2-reference');
    expect(falFamilyOf(SEEDANCE_FAST)).toBe('seedance-2-reference');
    expect(falFamilyOf(KLING)).toBe('kling-o3-reference');
    expect(falFamilyOf('fal-ai/kling-video/o3/standard/reference-to-video')).toBe('kling-o3-reference');
    expect(falFamilyOf(VEO)).toBe('veo-3.1-reference');
    for (const m of ['fal-ai/kling-video/o3/pro/image-to-video', 'bytedance/seedance-2.0/text-to-video', 'fal-ai/flux/dev', ''])
      expect(falFamilyOf(m)).toBeNull();
    expect(() => falInputFor(render('fal-ai/flux/dev'))).toThrow(/does not know/);
  });

  it('Seedance: portraits are @Image1.. in order, frames follow, then the input reference; voices as audio_urls; sizes and seconds mapped', () => {
    const voice = { url: 'data:audio/mp4;base64,v', contentType: 'audio/mp4' };
    const input = falInputFor(
      render(SEEDANCE, {
        characters: [character('aaa.ada', 2, { voice }), character('bbb.bob', 1)],
        inputReference: { url: 'data:image/png;base64,ref', contentType: 'image/png' },
        seconds: 12,
        width: 1792,
        height: 1024,
      }),
    );
    expect(input).toEqual({
      prompt: '@Image1 meets @Image2',
      image_urls: [
        'data:image/jpeg;base64,aaa.ada-portrait',
        'data:image/jpeg;base64,bbb.bob-portrait',
        'data:image/jpeg;base64,aaa.ada-f0',
        'data:image/jpeg;base64,bbb.bob-f0',
        'data:image/jpeg;base64,aaa.ada-f1',
        'data:image/png;base64,ref',
      ],
      audio_urls: ['data:audio/mp4;base64,v'],
      resolution: '1080p',
      duration: '12',
      aspect_ratio: '16:9',
    });
    // The fast tier has no 1080p; 4 s portrait.
    expect(falInputFor(render(SEEDANCE_FAST, { width: 1024, height: 1792 }))).toMatchObject({ resolution: '720p', duration: '4', aspect_ratio: '9:16' });
  });

  it('Seedance: at most 9 images (frames dropped first), clips only when given (signed URLs), at most 12 files', () => {
    const many = [character('aaa.ada', 4, { clip: { url: 'https://svc/clip-a.mp4', contentType: 'video/mp4' } }), character('bbb.bob', 4)];
    const input = falInputFor(render(SEEDANCE, { characters: many, inputReference: img('ref') })) as { image_urls: string[]; video_urls: string[] };
    expect(input.image_urls).toHaveLength(9);
    expect(input.image_urls.slice(0, 2)).toEqual(['data:image/jpeg;base64,aaa.ada-portrait', 'data:image/jpeg;base64,bbb.bob-portrait']);
    expect(input.image_urls.at(-1)).toBe('data:image/jpeg;base64,ref');
    expect(input.video_urls).toEqual(['https://svc/clip-a.mp4']);
    expect(falInputFor(render(SEEDANCE, { characters: [], prompt: 'a sunset' }))).toEqual({
      prompt: 'a sunset',
      resolution: '720p',
      duration: '4',
      aspect_ratio: '9:16',
    });
  });

  it('Kling O3: one element per character, frontal = portrait, references = frames (or the portrait); the input reference as an image', () => {
    const input = falInputFor(render(KLING, { inputReference: img('ref'), seconds: 8, width: 1280, height: 720 }));
    expect(input).toEqual({
      prompt: '@Element1 meets @Element2',
      elements: [
        {
          frontal_image_url: 'data:image/jpeg;base64,aaa.ada-portrait',
          reference_image_urls: ['data:image/jpeg;base64,aaa.ada-f0', 'data:image/jpeg;base64,aaa.ada-f1'],
        },
        { frontal_image_url: 'data:image/jpeg;base64,bbb.bob-portrait', reference_image_urls: ['data:image/jpeg;base64,bbb.bob-portrait'] },
      ],
      image_urls: ['data:image/jpeg;base64,ref'],
      duration: '8',
      aspect_ratio: '16:9',
    });
  });

  it('Veo 3.1: no naming (mentions become display names), at most 3 images keeping the input reference, 8s only', () => {
    const input = falInputFor(render(VEO, { inputReference: img('ref') }));
    expect(input).toEqual({
      prompt: 'ADA meets BOB',
      image_urls: ['data:image/jpeg;base64,aaa.ada-portrait', 'data:image/jpeg;base64,bbb.bob-portrait', 'data:image/jpeg;base64,ref'],
      duration: '8s',
      resolution: '720p',
      aspect_ratio: '9:16',
    });
  });
});

describe('mention rewriting', () => {
  it('rewrites exactly what findMentions finds, any case, never e-mails, unknown mentions kept', () => {
    const prompt = 'Hi @AAA.Ada, mail bob@bbb.bob; @ccc.cid stays; @bbb.bob. and (@aaa.ada)';
    expect(findMentions(prompt)).toEqual(['aaa.ada', 'ccc.cid', 'bbb.bob']);
    expect(rewriteMentions(prompt, ['aaa.ada', 'bbb.bob'], (i) => `@Image${i + 1}`)).toBe(
      'Hi @Image1, mail bob@bbb.bob; @ccc.cid stays; @Image2. and (@Image1)',
    );
  });
});

describe('fal errors and the queue paths', () => {
  it('maps content_policy_violation to a moderation refusal with the upstream message', () => {
    expect(falFailure(422, { detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }] })).toEqual({
      moderation: true,
      code: 'content_policy_violation',
      message: 'flagged',
    });
    expect(falFailure(422, [{ msg: 'flagged', type: 'content_policy_violation' }]).moderation).toBe(true);
  });

  it('maps other errors with the upstream code and message', () => {
    expect(falFailure(422, { detail: [{ loc: ['body', 'duration'], msg: 'bad duration', type: 'enum' }] })).toEqual({
      moderation: false,
      code: 'enum',
      message: 'bad duration',
    });
    expect(falFailure(401, { detail: 'Invalid Key' })).toEqual({ moderation: false, code: 'http_401', message: 'Invalid Key' });
    expect(falFailure(500, 'oops')).toEqual({ moderation: false, code: 'http_500', message: 'oops' });
    expect(falFailure(400, null)).toEqual({ moderation: false, code: 'http_400', message: 'HTTP 400' });
    expect(falStatusFailure('boom', 'runner_server_error')).toEqual({ moderation: false, code: 'runner_server_error', message: 'boom' });
    expect(falStatusFailure('flagged', 'content_policy_violation').moderation).toBe(true);
  });

  it('addresses status, result and cancel to the app, as fal-js parseEndpointId does', () => {
    expect(falAppPath(KLING)).toBe('fal-ai/kling-video');
    expect(falAppPath(SEEDANCE)).toBe('bytedance/seedance-2.0');
    expect(falAppPath('workflows/me/my-flow/sub')).toBe('workflows/me/my-flow');
  });

  it('reads Retry-After as seconds or an HTTP date, capped', () => {
    expect(retryAfterMs('2', 30_000)).toBe(2000);
    expect(retryAfterMs('0.5', 30_000)).toBe(500);
    expect(retryAfterMs('999', 30_000)).toBe(30_000);
    expect(retryAfterMs(new Date(1_000_000 + 3000).toUTCString(), 30_000, 1_000_000)).toBe(3000);
    expect(retryAfterMs(null, 30_000)).toBeNull();
    expect(retryAfterMs('soon', 30_000)).toBeNull();
  });
});
