import { describe, expect, it } from 'vitest';
import { arkHttpFailure, arkTaskFailure, isModerationCode } from '../../src/engines/ark/errors.js';
import { arkDuration, arkRatio, arkResolution, pickImages, toCreateTask } from '../../src/engines/ark/request.js';
import { readTask, videoUrlOf } from '../../src/engines/ark/response.js';
import type { UpstreamCharacter, UpstreamRender } from '../../src/engines/upstream-api.js';

const jpeg = (s: string) => ({ url: `data:image/jpeg;base64,${Buffer.from(s).toString('base64')}`, contentType: 'image/jpeg' });
const character = (username: string, displayName: string, frames: number): UpstreamCharacter => ({
  username,
  displayName,
  portrait: jpeg(`${username}-portrait`),
  frames: Array.from({ length: frames }, (_, i) => jpeg(`${username}-frame${i + 1}`)),
  voice: null,
  clip: null,
});
const ada = character('sapkomrid.oddwingduo', 'Ada', 2);
const bob = character('kelmorvak.mooflapand', 'Bob', 1);
const render = (over: Partial<UpstreamRender>): UpstreamRender => ({
  taskId: 'video_1',
  model: 'seedance-1-0-lite-i2v-250428',
  prompt: '',
  width: 720,
  height: 1280,
  seconds: 4,
  characters: [],
  inputReference: null,
  ...over,
});
const imagesOnly = (maxImages: number) => ({ maxImages, media: 'images' as const });
const urlsOf = (body: ReturnType<typeof toCreateTask>) => body.content.slice(1).map((c) => (c.type === 'image_url' ? [c.image_url.url, c.role] : c));

describe('ark sizes, ratios and durations', () => {
  it.each([
    [720, 1280, '9:16', '720p'],
    [1280, 720, '16:9', '720p'],
    [1024, 1792, '9:16', '1080p'],
    [1792, 1024, '16:9', '1080p'],
    [480, 480, '1:1', '480p'],
    [960, 720, '4:3', '720p'],
    [720, 960, '3:4', '720p'],
    [2520, 1080, '21:9', '1080p'],
  ])('%dx%d -> ratio %s, resolution %s', (w, h, ratio, resolution) => {
    expect(arkRatio(w, h)).toBe(ratio);
    expect(arkResolution(w, h)).toBe(resolution);
  });
  it('durations are whole seconds, at least 1', () => {
    expect([4, 8, 12, 4.4, 0.2].map(arkDuration)).toEqual([4, 8, 12, 4, 1]);
  });
  it('the task size and length become ratio, resolution and duration of the body', () => {
    expect(toCreateTask(render({ prompt: 'x', width: 1792, height: 1024, seconds: 12 }), imagesOnly(4))).toMatchObject({
      ratio: '16:9',
      resolution: '1080p',
      duration: 12,
    });
  });
});

describe('ark create-task body', () => {
  it('one text item with @username rewritten to [Image n], the portraits as reference_image in task order, the parameters', () => {
    const body = toCreateTask(
      render({ prompt: `@${ada.username} hugs @KELMORVAK.MOOFLAPAND, not bob@${ada.username}`, characters: [ada, bob] }),
      imagesOnly(2),
    );
    expect(body).toEqual({
      model: 'seedance-1-0-lite-i2v-250428',
      content: [
        { type: 'text', text: `[Image 1] hugs [Image 2], not bob@${ada.username}` },
        { type: 'image_url', image_url: { url: ada.portrait.url }, role: 'reference_image' },
        { type: 'image_url', image_url: { url: bob.portrait.url }, role: 'reference_image' },
      ],
      ratio: '9:16',
      resolution: '720p',
      duration: 4,
      watermark: false,
    });
  });

  it('a character shown in several images is named by all of them, in item order', () => {
    const body = toCreateTask(render({ prompt: `@${bob.username} meets @${ada.username}`, characters: [ada, bob] }), imagesOnly(5));
    expect(urlsOf(body)).toEqual(
      [ada.portrait.url, ada.frames[0].url, ada.frames[1].url, bob.portrait.url, bob.frames[0].url].map((u) => [u, 'reference_image']),
    );
    expect(body.content[0]).toEqual({ type: 'text', text: '[Image 4][Image 5] meets [Image 1][Image 2][Image 3]' });
  });

  it('the input reference is the first_frame without characters, a reference_image after theirs with them', () => {
    const ref = { url: 'data:image/png;base64,SU1H', contentType: 'image/png' };
    const alone = toCreateTask(render({ prompt: 'a lighthouse', inputReference: ref }), imagesOnly(4));
    expect(alone.content).toEqual([
      { type: 'text', text: 'a lighthouse' },
      { type: 'image_url', image_url: { url: ref.url }, role: 'first_frame' },
    ]);
    const mixed = toCreateTask(render({ prompt: `@${ada.username}`, characters: [ada], inputReference: ref }), imagesOnly(3));
    expect(urlsOf(mixed)).toEqual([
      [ada.portrait.url, 'reference_image'],
      [ada.frames[0].url, 'reference_image'],
      [ref.url, 'reference_image'],
    ]);
    expect(mixed.content[0]).toEqual({ type: 'text', text: '[Image 1][Image 2]' });
  });

  it('the image budget: portraits first, then the input reference, then frames in turns; never more than the cap', () => {
    const a = ['A0', 'A1', 'A2'];
    const b = ['B0', 'B1'];
    expect(pickImages([a, b], 'REF', 1)).toEqual({ perCharacter: [['A0'], []], inputReference: null });
    expect(pickImages([a, b], 'REF', 3)).toEqual({ perCharacter: [['A0'], ['B0']], inputReference: 'REF' });
    expect(pickImages([a, b], null, 4)).toEqual({
      perCharacter: [
        ['A0', 'A1'],
        ['B0', 'B1'],
      ],
      inputReference: null,
    });
    expect(pickImages([a, b], null, 9)).toEqual({ perCharacter: [a, b], inputReference: null });
    expect(pickImages([], 'REF', 1)).toEqual({ perCharacter: [], inputReference: 'REF' });
  });

  it('a character left without an image by the cap is named by its display name', () => {
    const body = toCreateTask(render({ prompt: `@${ada.username} and @${bob.username}`, characters: [ada, bob] }), imagesOnly(1));
    expect(body.content).toHaveLength(2);
    expect(body.content[0]).toEqual({ type: 'text', text: '[Image 1] and Bob' });
  });
});

describe("ark reference media: Seedance 2.0's video and audio references (ARK_REFERENCE_MEDIA=all)", () => {
  const linked = (c: UpstreamCharacter, voice: boolean): UpstreamCharacter => ({
    ...c,
    clip: { url: `https://sc.example/files/${c.username}/clip.mp4?sig=1`, contentType: 'video/mp4' },
    voice: voice ? { url: `https://sc.example/files/${c.username}/voice.m4a?sig=1`, contentType: 'audio/mp4' } : null,
  });

  it('sends each linked clip as reference_video and voice as reference_audio, named [Video n] / [Audio n] within their type', () => {
    const a = linked(ada, true);
    const b = linked(bob, false);
    const body = toCreateTask(render({ prompt: `@${ada.username} talks to @${bob.username}`, characters: [a, b] }), { maxImages: 2, media: 'all' });
    expect(body.content[0]).toEqual({ type: 'text', text: '[Image 1][Video 1][Audio 1] talks to [Image 2][Video 2]' });
    expect(body.content.slice(1)).toEqual([
      { type: 'image_url', image_url: { url: ada.portrait.url }, role: 'reference_image' },
      { type: 'image_url', image_url: { url: bob.portrait.url }, role: 'reference_image' },
      { type: 'video_url', video_url: { url: a.clip?.url }, role: 'reference_video' },
      { type: 'audio_url', audio_url: { url: a.voice?.url }, role: 'reference_audio' },
      { type: 'video_url', video_url: { url: b.clip?.url }, role: 'reference_video' },
    ]);
  });

  it('inline media never goes as video or audio, and ARK_REFERENCE_MEDIA=images sends images only', () => {
    const inlineVoice: UpstreamCharacter = { ...ada, voice: { url: 'data:audio/mp4;base64,AAAA', contentType: 'audio/mp4' } };
    const inline = toCreateTask(render({ prompt: `@${ada.username}`, characters: [inlineVoice] }), { maxImages: 1, media: 'all' });
    expect(inline.content.map((c) => c.type)).toEqual(['text', 'image_url']);
    const imagesOnlyBody = toCreateTask(render({ prompt: `@${ada.username}`, characters: [linked(ada, true)] }), { maxImages: 1, media: 'images' });
    expect(imagesOnlyBody.content.map((c) => c.type)).toEqual(['text', 'image_url']);
    expect(imagesOnlyBody.content[0]).toEqual({ type: 'text', text: '[Image 1]' });
  });
});

describe('ark errors and task states', () => {
  it.each([
    'InputTextSensitiveContentDetected',
    'InputImageSensitiveContentDetected',
    'InputImageSensitiveContentDetected.PrivacyInformation',
    'OutputVideoSensitiveContentDetected',
    'SensitiveContentDetected',
    'SensitiveContentDetected.Violence',
    'InputTextRiskDetection',
    'OutputImageRiskDetection',
  ])('%s is a content-safety refusal carrying the upstream message', (code) => {
    expect(isModerationCode(code)).toBe(true);
    const message = 'The request failed because the output video may contain sensitive information. Request id: 1';
    expect(arkHttpFailure(400, { error: { code, message, type: 'BadRequest' } })).toEqual({ moderation: true, code, message });
    expect(arkTaskFailure({ code, message }, 'x')).toEqual({ moderation: true, code, message });
  });

  it.each(['InvalidParameter', 'ContentSecurityDetectionError', 'InternalServiceError', 'AuthenticationError', 'SensitiveContentDetectedNot.Really'])(
    '%s is not a moderation refusal and keeps its code',
    (code) => {
      expect(isModerationCode(code)).toBe(false);
      expect(arkHttpFailure(400, { error: { code, message: 'boom' } })).toEqual({ moderation: false, code, message: 'boom' });
    },
  );

  it('an error answer without the envelope is named by its status', () => {
    expect(arkHttpFailure(502, '<html>bad gateway</html>')).toEqual({ moderation: false, code: 'http_502', message: '<html>bad gateway</html>' });
    expect(arkHttpFailure(404, null)).toEqual({ moderation: false, code: 'http_404', message: 'HTTP 404' });
    expect(arkHttpFailure(400, { error: { message: 'no code' } })).toEqual({ moderation: false, code: 'http_400', message: 'HTTP 400' });
  });

  it('reads each documented status, and the video only of a succeeded task', () => {
    const t = { id: 'cgt-1', model: 'm' };
    expect(readTask({ ...t, status: 'queued' })).toEqual({ state: 'queued' });
    expect(readTask({ ...t, status: 'running' })).toEqual({ state: 'in_progress' });
    expect(readTask({ ...t, status: 'succeeded', content: { video_url: 'https://cdn.test/v.mp4' } })).toEqual({ state: 'completed' });
    expect(videoUrlOf({ ...t, status: 'succeeded', content: { video_url: 'https://cdn.test/v.mp4' } })).toBe('https://cdn.test/v.mp4');
    expect(videoUrlOf({ ...t, status: 'succeeded', content: {} })).toBeNull();
    expect(videoUrlOf({ ...t, status: 'running', content: { video_url: 'https://cdn.test/v.mp4' } })).toBeNull();
    expect(readTask({ ...t, status: 'failed', error: { code: 'OutputVideoSensitiveContentDetected', message: 'sensitive output' } })).toEqual({
      state: 'failed',
      failure: { moderation: true, code: 'OutputVideoSensitiveContentDetected', message: 'sensitive output' },
    });
    expect(readTask({ ...t, status: 'failed', error: { code: 'InternalServiceError', message: 'oops' } })).toEqual({
      state: 'failed',
      failure: { moderation: false, code: 'InternalServiceError', message: 'oops' },
    });
    expect(readTask({ ...t, status: 'failed' })).toEqual({ state: 'failed', failure: { moderation: false, code: 'task_failed', message: 'the task failed' } });
    const ends = ['cancelled', 'expired', 'paused'].map((status) => readTask({ ...t, status }));
    expect(ends.map((s) => (s.state === 'failed' ? s.failure.code : s.state))).toEqual(['cancelled', 'expired', 'unknown_status']);
  });
});
