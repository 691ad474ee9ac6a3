import { describe, expect, it } from 'vitest';
import {
  buildPreviewArgs,
  buildRenderArgs,
  buildRenderGraph,
  escapeFilterValue,
  inputPlan,
  type RenderInputs,
  spriteFrameIndexes,
  spriteTileSize,
  thumbnailSize,
} from '../../src/engines/local/args.js';
import { gridFor, planLayout } from '../../src/engines/local/layout.js';
import { ProgressReader } from '../../src/engines/local/progress.js';
import { ELLIPSIS, fitText, sanitizeText, textEm, wrapText } from '../../src/engines/local/text.js';

/** Undoes the graph level then the option level of escaping, as ffmpeg's parsers do. */
function unescapeTwice(s: string): string {
  const once = (x: string) => x.replace(/\\(.)/g, '$1');
  return once(once(s));
}

describe('escapeFilterValue', () => {
  it('escapes for the option level and then the graph level', () => {
    expect(escapeFilterValue('/tmp/a')).toBe('/tmp/a');
    expect(escapeFilterValue('a:b')).toBe('a\\\\:b');
    expect(escapeFilterValue("a'b")).toBe("a\\\\\\'b");
    expect(escapeFilterValue('a,b;c[d]')).toBe('a\\,b\\;c\\[d\\]');
    expect(escapeFilterValue('a\\b')).toBe('a\\\\\\\\b');
  });
  it('round-trips any path', () => {
    for (const p of ["/tmp/we:ird'dir,[x];y\\z %s/prompt.txt", '/tmp/é 🎉/a.txt']) {
      expect(unescapeTwice(escapeFilterValue(p))).toBe(p);
    }
  });
});

describe('sanitizeText', () => {
  it('keeps printable text and newlines, drops controls, tabs become spaces', () => {
    expect(sanitizeText('a\r\nb\rc\u2028d')).toBe('a\nb\nc\nd');
    expect(sanitizeText('a\tb\u0000c\u0007d\u001be\u202Ef')).toBe('a bcdef');
    expect(sanitizeText('100% \\ "q" \'s\' : ; [x] {y} %{localtime}')).toBe('100% \\ "q" \'s\' : ; [x] {y} %{localtime}');
    expect(sanitizeText('e\u0301')).toBe('\u00e9');
    expect(sanitizeText('x\uD800y')).toBe('x\uFFFDy');
    expect(sanitizeText('🎉 👩‍👩‍👧')).toBe('🎉 👩‍👩‍👧');
  });
});

describe('wrapText', () => {
  it('wraps at spaces within the width', () => {
    const { lines, truncated } = wrapText('the quick brown fox jumps over the lazy dog', 8, 10);
    expect(truncated).toBe(false);
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(textEm(l)).toBeLessThanOrEqual(8);
    expect(lines.join(' ')).toBe('the quick brown fox jumps over the lazy dog');
  });
  it('keeps explicit line breaks, one blank line at most, none at the ends', () => {
    expect(wrapText('\n\na\n\n\n\nb\n\n', 20, 10).lines).toEqual(['a', '', 'b']);
  });
  it('breaks a word longer than a line between graphemes, never inside one', () => {
    const word = '👩‍👩‍👧'.repeat(12);
    const { lines } = wrapText(word, 4, 10);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('')).toBe(word);
    for (const l of lines) expect(l.startsWith('\u200D')).toBe(false);
  });
  it('truncates with an ellipsis that fits', () => {
    const { lines, truncated } = wrapText('word '.repeat(200), 10, 3);
    expect(truncated).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[2].endsWith(ELLIPSIS)).toBe(true);
    expect(textEm(lines[2])).toBeLessThanOrEqual(10);
  });
  it('handles a 32000 character prompt quickly', () => {
    const t0 = performance.now();
    const { lines, truncated } = wrapText('x'.repeat(32000), 20, 8);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(truncated).toBe(true);
    expect(lines).toHaveLength(8);
    expect(lines[7].endsWith(ELLIPSIS)).toBe(true);
  });
  it('returns nothing for blank text', () => {
    expect(wrapText('  \n \n', 10, 3)).toEqual({ lines: [], truncated: false });
  });
});

describe('fitText', () => {
  it('takes the largest size at which the whole text fits', () => {
    const short = fitText('Hello', { width: 640, height: 300 }, [60, 40, 20]);
    expect(short.fontSize).toBe(60);
    expect(short.truncated).toBe(false);
    const long = fitText('lorem ipsum dolor '.repeat(30), { width: 640, height: 300 }, [60, 40, 20]);
    expect(long.fontSize).toBe(20);
    const huge = fitText('lorem ipsum dolor '.repeat(3000), { width: 640, height: 300 }, [60, 40, 20]);
    expect(huge.fontSize).toBe(20);
    expect(huge.truncated).toBe(true);
    // The lines fit the height: n lines of (1.17 em + spacing).
    expect(huge.lines.length * (20 * 1.17 + huge.lineSpacing) - huge.lineSpacing).toBeLessThanOrEqual(300);
  });
});

describe('planLayout', () => {
  for (const [w, h] of [
    [720, 1280],
    [1280, 720],
    [1024, 1792],
    [1792, 1024],
  ] as const) {
    for (const n of [0, 1, 2, 3, 4]) {
      it(`${w}x${h} with ${n} characters: everything inside the frame, clips even, no overlap`, () => {
        const l = planLayout(w, h, n);
        expect(l.panels).toHaveLength(n);
        expect(l.text.x).toBeGreaterThanOrEqual(0);
        expect(l.text.y + l.text.height).toBeLessThanOrEqual(h);
        for (const p of l.panels) {
          const c = p.clip;
          for (const v of [c.x, c.y, c.width, c.height]) expect(v % 2).toBe(0);
          expect(c.x).toBeGreaterThanOrEqual(0);
          expect(c.x + c.width).toBeLessThanOrEqual(w);
          expect(c.y).toBeGreaterThan(l.text.y + l.text.height);
          expect(p.caption.y + p.caption.fontSize).toBeLessThanOrEqual(l.footer.y);
          expect(p.portrait.x).toBeGreaterThanOrEqual(c.x);
          expect(p.portrait.y + p.portrait.size).toBeLessThanOrEqual(c.y + c.height);
        }
        for (let i = 0; i + 1 < l.panels.length; i++) {
          const a = l.panels[i].clip;
          const b = l.panels[i + 1].clip;
          const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
          expect(apart).toBe(true);
        }
        expect(l.footer.y + l.footer.fontSize).toBeLessThanOrEqual(h);
      });
    }
  }
  it('puts up to two characters side by side', () => {
    expect(gridFor(1, false)).toEqual({ cols: 1, rows: 1 });
    expect(gridFor(2, false)).toEqual({ cols: 2, rows: 1 });
    expect(gridFor(3, false)).toEqual({ cols: 2, rows: 2 });
  });
});

const inputs = (n: number, extra: Partial<RenderInputs> = {}): RenderInputs => ({
  promptTextFile: '/w/s/prompt.txt',
  promptFontSize: 40,
  promptLineSpacing: 10,
  footerTextFile: '/w/s/footer.txt',
  referencePng: null,
  remixVideo: null,
  characters: Array.from({ length: n }, (_, i) => ({
    clip: `/c/clip${i}.mp4`,
    portraitPng: `/w/s/portrait-${i}.png`,
    captionTextFile: `/w/s/caption-${i}.txt`,
  })),
  fontFile: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  ...extra,
});

describe('buildRenderArgs', () => {
  const spec = (n: number, extra: Partial<RenderInputs> = {}) => ({
    width: 720,
    height: 1280,
    seconds: 4,
    layout: planLayout(720, 1280, n),
    inputs: inputs(n, extra),
  });

  it('encodes H.264 yuv420p 24 fps + AAC, exactly the length, faststart, progress on stdout', () => {
    const args = buildRenderArgs(spec(0), '/w/video.mp4');
    const valueAfter = (k: string) => args[args.indexOf(k) + 1];
    expect(valueAfter('-c:v')).toBe('libx264');
    expect(valueAfter('-pix_fmt')).toBe('yuv420p');
    expect(valueAfter('-r')).toBe('24');
    expect(valueAfter('-c:a')).toBe('aac');
    expect(valueAfter('-t')).toBe('4');
    expect(valueAfter('-movflags')).toBe('+faststart');
    expect(valueAfter('-progress')).toBe('pipe:1');
    expect(args.at(-1)).toBe('file:/w/video.mp4');
    expect(args).toContain('[vout]');
    expect(args).toContain('[aout]');
  });

  it('reads every input as a file: URL with the file protocol only; videos through mov only, images as PNG', () => {
    const s = spec(2, { referencePng: '/w/s/reference.png', remixVideo: '/r/remix.mp4' });
    const idx = inputPlan(s.inputs, 4);
    const args = idx.args;
    const inputsGiven = args.filter((_, i) => args[i - 1] === '-i');
    expect(inputsGiven).toEqual([
      'file:/r/remix.mp4',
      'file:/w/s/reference.png',
      'file:/c/clip0.mp4',
      'file:/w/s/portrait-0.png',
      'file:/c/clip1.mp4',
      'file:/w/s/portrait-1.png',
    ]);
    expect(args.filter((a) => a === '-protocol_whitelist')).toHaveLength(6);
    expect(args.filter((a) => a === 'mov')).toHaveLength(3);
    expect(args.filter((a) => a === 'png_pipe')).toHaveLength(3);
    // Clips loop and are cut at the length.
    const clipAt = args.indexOf('file:/c/clip0.mp4');
    expect(args.slice(clipAt - 5, clipAt)).toEqual(['-stream_loop', '-1', '-t', '4', '-i']);
    expect(idx).toMatchObject({ remix: 0, reference: 1, clips: [2, 4], portraits: [3, 5] });
  });

  it('builds one graph: background, prompt, one card + portrait + caption per character, footer, silence', () => {
    const s = spec(2);
    const g = buildRenderGraph(s, inputPlan(s.inputs, 4));
    expect(g.startsWith('color=c=0x0f1117:s=720x1280:r=24:d=4')).toBe(true);
    expect(g.match(/drawtext=/g)).toHaveLength(4); // prompt, 2 captions, footer
    expect(g.match(/expansion=none/g)).toHaveLength(4);
    expect(g).toContain('[2:v]setpts=PTS-STARTPTS,fps=24,scale=');
    expect(g).toContain('textfile=/w/s/caption-1.txt');
    expect(g).toContain('fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
    expect(g).toMatch(/\[vout\];anullsrc=r=48000:cl=stereo,atrim=duration=4\[aout\]$/);
    // Every label is produced once and consumed once.
    const produced = [...g.matchAll(/\[([a-z]+\d*)\](?=;|$)/g)].map((m) => m[1]);
    expect(new Set(produced).size).toBe(produced.length);
  });

  it('shows the reference alone for the first second, then dimmed behind', () => {
    const s = spec(1, { referencePng: '/w/s/reference.png' });
    const g = buildRenderGraph(s, inputPlan(s.inputs, 4));
    expect(g).toContain('split=2[refbg][reffull]');
    expect(g).toContain("[reffull]overlay=0:0:eof_action=repeat:enable='lt(t,1)'");
    expect(g).toContain('drawbox=x=0:y=0:w=iw:h=ih:color=black@0.6:t=fill');
  });

  it("uses the remix source's first frame as the background", () => {
    const s = spec(0, { remixVideo: '/r/remix.mp4' });
    const g = buildRenderGraph(s, inputPlan(s.inputs, 4));
    expect(g).toContain('[0:v]trim=end_frame=1,setpts=PTS-STARTPTS,scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280');
  });

  it('skips the prompt when there is nothing to draw; falls back to fontconfig without the font file', () => {
    const s = spec(0, { promptTextFile: null, fontFile: null });
    const g = buildRenderGraph(s, inputPlan(s.inputs, 4));
    expect(g.match(/drawtext=/g)).toHaveLength(1);
    expect(g).toContain('drawtext=font=Sans:');
  });

  it('escapes the paths of text files inside the graph', () => {
    const s = spec(0, { promptTextFile: "/tmp/we:ird'dir,x/prompt.txt" });
    const g = buildRenderGraph(s, inputPlan(s.inputs, 4));
    expect(g).toContain("textfile=/tmp/we\\\\:ird\\\\\\'dir\\,x/prompt.txt:");
  });
});

describe('previews', () => {
  it('sizes the thumbnail at the video size, at most 1280 on the long side', () => {
    expect(thumbnailSize(720, 1280)).toEqual({ width: 720, height: 1280 });
    expect(thumbnailSize(1280, 720)).toEqual({ width: 1280, height: 720 });
    expect(thumbnailSize(1024, 1792)).toEqual({ width: 731, height: 1280 });
    expect(thumbnailSize(1792, 1024)).toEqual({ width: 1280, height: 731 });
  });
  it('tiles 160 px wide frames, even heights, evenly spread', () => {
    expect(spriteTileSize(720, 1280)).toEqual({ width: 160, height: 284 });
    expect(spriteTileSize(1280, 720)).toEqual({ width: 160, height: 90 });
    expect(spriteFrameIndexes(96, 10)).toEqual([4, 14, 24, 33, 43, 52, 62, 72, 81, 91]);
    expect(spriteFrameIndexes(5, 10).every((n) => n >= 0 && n < 5)).toBe(true);
  });
  it('decodes once and writes a WebP and a JPEG', () => {
    const args = buildPreviewArgs({ videoPath: '/w/video.mp4', width: 720, height: 1280, seconds: 4, thumbnailPath: '/w/t.webp', spritesheetPath: '/w/s.jpg' });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    const g = args[args.indexOf('-filter_complex') + 1];
    expect(g).toContain("select='eq(n,48)',scale=720:1280");
    expect(g).toContain('tile=5x2');
    expect(args).toContain('libwebp');
    expect(args).toContain('mjpeg');
    expect(args.at(-1)).toBe('file:/w/s.jpg');
  });
});

describe('ProgressReader', () => {
  it('turns out_time_us into a monotonic percent of the ceiling, across split chunks', () => {
    const r = new ProgressReader(4_000_000, 95);
    const seen: number[] = [];
    const feed = (s: string) => {
      const p = r.push(s);
      if (p !== null) seen.push(p);
    };
    feed('frame=1\nout_time_us=N/A\nout_time_us=-5\nprogress=continue\n');
    feed('out_time_us=1000');
    feed('000\nout_time_ms=1000000\nout_time_us=500000\n');
    feed('out_time_us=3999999\n');
    feed('out_time_us=9000000\n');
    feed('progress=end\n');
    expect(seen).toEqual([23, 94, 95]);
    const end = new ProgressReader(4_000_000, 95);
    expect(end.push('out_time_us=1000000\nout_time_us=2000000\n')).toBe(47);
    expect(end.push('progress=end\n')).toBe(95);
    expect(r.percent).toBe(95);
  });
});
