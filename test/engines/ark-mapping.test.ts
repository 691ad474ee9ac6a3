import { describe, expect, it } from 'vitest';
import { arkFailure, isModerationCode } from '../../src/engines/ark/errors.js';
import { rewriteMentions } from '../../src/engines/ark/prompt.js';
import { arkDuration, arkRatio, arkResolution, pickImages, toCreateTask } from '../../src/engines/ark/request.js';
import { readTask } from '../../src/engines/ark/response.js';
import { isAppError } from '../../src/errors.js';

const ada = { username: 'sapkomrid.oddwingduo', images: ['data:image/webp;base64,UE9SVFJBSVQ=', 'https://x.test/f1.png', 'https://x.test/f2.png'] };
const bob = { username: 'kelmorvak.mooflapand', images: ['data:image/webp;base64,Qk9C', 'https://x.test/b1.png'] };
const base = { width: 720, height: 1280, seconds: 4, inputReference: null };

describe('ark prompt: @username -> [Image n]', () => {
  it('rewrites known mentions in any case and leaves unknown ones, e-mails and dotted words alone', () => {
    const labels = new Map([['sapkomrid.oddwingduo', '[Image 1]']]);
    expect(rewriteMentions('@SAPKOMRID.OddWingDuo waves at @other.person, mail bob@sapkomrid.oddwingduo or x.@sapkomrid.oddwingduo', labels)).toBe(
      '[Image 1] waves at @other.person, mail bob@sapkomrid.oddwingduo or x.@sapkomrid.oddwingduo',
    );
  });
  it('rewrites every occurrence, and a mention followed by a word character is not one', () => {
    const labels = new Map([['a_b.cde', '[Image 2]']]);
    expect(rewriteMentions('@a_b.cde and @a_b.cde. @a_b.cdef', labels)).toBe('[Image 2] and [Image 2]. @a_b.cdef');
  });
});

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
});

describe('ark create-task body', () => {
  it('one text item with the rewritten prompt, the portraits as reference_image in task order, the parameters', () => {
    const body = toCreateTask({ ...base, prompt: `@${ada.username} hugs @${bob.username}`, characters: [ada, bob] }, 'seedance-1-0-lite-i2v-250428', 2);
    expect(body).toEqual({
      model: 'seedance-1-0-lite-i2v-250428',
      content: [
        { type: 'text', text: '[Image 1] hugs [Image 2]' },
        { type: 'image_url', image_url: { url: ada.images[0] }, role: 'reference_image' },
        { type: 'image_url', image_url: { url: bob.images[0] }, role: 'reference_image' },
      ],
      ratio: '9:16',
      resolution: '720p',
      duration: 4,
      watermark: false,
    });
  });

  it('a character shown in several images is named by all of them, in item order', () => {
    const body = toCreateTask({ ...base, prompt: `@${bob.username} meets @${ada.username}`, characters: [ada, bob] }, 'm', 5);
    const urls = body.content.slice(1).map((c) => (c.type === 'image_url' ? c.image_url.url : null));
    expect(urls).toEqual([ada.images[0], ada.images[1], ada.images[2], bob.images[0], bob.images[1]]);
    expect(body.content[0]).toEqual({ type: 'text', text: '[Image 4][Image 5] meets [Image 1][Image 2][Image 3]' });
  });

  it('the input reference is the first_frame without characters, a reference_image after theirs with them', () => {
    const alone = toCreateTask({ ...base, prompt: 'a lighthouse', characters: [], inputReference: 'data:image/png;base64,SU1H' }, 'm', 4);
    expect(alone.content).toEqual([
      { type: 'text', text: 'a lighthouse' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,SU1H' }, role: 'first_frame' },
    ]);
    const mixed = toCreateTask({ ...base, prompt: `@${ada.username}`, characters: [ada], inputReference: 'data:image/png;base64,SU1H' }, 'm', 3);
    expect(mixed.content.slice(1)).toEqual([
      { type: 'image_url', image_url: { url: ada.images[0] }, role: 'reference_image' },
      { type: 'image_url', image_url: { url: ada.images[1] }, role: 'reference_image' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,SU1H' }, role: 'reference_image' },
    ]);
    expect(mixed.content[0]).toEqual({ type: 'text', text: '[Image 1][Image 2]' });
  });

  it('the image budget: portraits first, then the input reference, then frames in turns; never more than the cap', () => {
    expect(pickImages([ada, bob], 'REF', 1)).toEqual({ perCharacter: [[ada.images[0]], []], inputReference: null });
    expect(pickImages([ada, bob], 'REF', 3)).toEqual({ perCharacter: [[ada.images[0]], [bob.images[0]]], inputReference: 'REF' });
    expect(pickImages([ada, bob], null, 4)).toEqual({ perCharacter: [ada.images.slice(0, 2), bob.images], inputReference: null });
    expect(pickImages([ada, bob], null, 9)).toEqual({ perCharacter: [ada.images, bob.images], inputReference: null });
    const body = toCreateTask({ ...base, prompt: `@${bob.username}`, characters: [ada, bob] }, 'm', 1);
    expect(body.content).toHaveLength(2);
    expect(body.content[0]).toEqual({ type: 'text', text: `@${bob.username}` });
  });

  it('size and length of the task become ratio, resolution and duration', () => {
    const body = toCreateTask({ prompt: 'x', width: 1792, height: 1024, seconds: 12, characters: [], inputReference: null }, 'm', 4);
    expect(body).toMatchObject({ ratio: '16:9', resolution: '1080p', duration: 12 });
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
  ])('%s is a content-safety refusal', (code) => {
    expect(isModerationCode(code)).toBe(true);
    const e = arkFailure(code, 'The request failed because the output video may contain sensitive information. Request id: 1');
    expect(e.code).toBe('moderation_blocked');
    expect(e.message).toBe('The request failed because the output video may contain sensitive information. Request id: 1');
  });

  it.each(['InvalidParameter', 'ContentSecurityDetectionError', 'InternalServiceError', 'AuthenticationError', 'SensitiveContentDetectedNot'])(
    '%s is an engine error naming the code',
    (code) => {
      expect(isModerationCode(code)).toBe(false);
      const e = arkFailure(code, 'boom');
      expect(e.code).toBe('engine_error');
      expect(e.message).toBe(`The ark engine failed to render the video (${code}: boom).`);
    },
  );

  it('reads each documented status', () => {
    const t = { id: 'cgt-1', model: 'm' };
    expect(readTask({ ...t, status: 'queued' })).toEqual({ state: 'queued' });
    expect(readTask({ ...t, status: 'running' })).toEqual({ state: 'in_progress' });
    expect(readTask({ ...t, status: 'succeeded', content: { video_url: 'https://cdn.test/v.mp4' } })).toEqual({
      state: 'completed',
      videoUrl: 'https://cdn.test/v.mp4',
    });
    const failures = [
      readTask({ ...t, status: 'succeeded', content: {} }),
      readTask({ ...t, status: 'failed', error: { code: 'OutputVideoSensitiveContentDetected', message: 'sensitive output' } }),
      readTask({ ...t, status: 'failed', error: { code: 'InternalServiceError', message: 'oops' } }),
      readTask({ ...t, status: 'cancelled' }),
      readTask({ ...t, status: 'expired' }),
      readTask({ ...t, status: 'paused' }),
    ];
    const codes = failures.map((f) => (f.state === 'failed' && isAppError(f.error) ? [f.error.code, f.error.message] : f.state));
    expect(codes).toEqual([
      ['engine_error', 'The ark engine failed to render the video (the task succeeded without a video_url).'],
      ['moderation_blocked', 'sensitive output'],
      ['engine_error', 'The ark engine failed to render the video (InternalServiceError: oops).'],
      ['engine_error', 'The ark engine failed to render the video (the task was cancelled upstream).'],
      ['engine_error', 'The ark engine failed to render the video (the task expired upstream before it ran).'],
      ['engine_error', 'The ark engine failed to render the video (unknown task status "paused").'],
    ]);
  });
});
