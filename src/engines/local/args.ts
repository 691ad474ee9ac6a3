/**
 * ffmpeg arguments of the local engine, pure (no I/O): the render (one filter graph composing
 * the background, the prompt, the characters' panels and a silent audio track into an MP4) and
 * the previews (a WebP thumbnail and a JPEG spritesheet from one decode of the video).
 *
 * Safety: every input is a local path given as a `file:` URL with `-protocol_whitelist file`;
 * the videos are read only by the `mov` demuxer (mp4), the images only as PNGs this engine wrote
 * itself (sharp normalizes the caller's images first). Text never appears in the graph: drawtext
 * reads it from files with `expansion=none`, and the paths of those files are escaped for both
 * levels of filtergraph syntax. Every input is decoded within the service's limits (no picture
 * over MAX_PIXELS, a fixed number of threads: src/ffmpeg/limits.ts), and so is every encoder.
 */

import { fileUrl } from '../../ffmpeg/file-url.js';
import { ENCODER_THREADS, FILTER_THREADS, inputLimitArgs } from '../../ffmpeg/limits.js';
import type { FrameLayout } from './layout.js';

export const FPS = 24;
export const BACKGROUND = '0x0f1117';
export const CARD = '0x1d212b';

/** Escapes a value for a filter option inside a filtergraph (option level, then graph level). */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** A local path as an ffmpeg URL, so a name like `http:x` or `a|b` is never read as a protocol. */

export function videoInputArgs(path: string, opts: { loop?: boolean; durationSec?: number } = {}): string[] {
  return [
    ...inputLimitArgs(),
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    'mov',
    ...(opts.loop ? ['-stream_loop', '-1'] : []),
    ...(opts.durationSec !== undefined ? ['-t', secondsArg(opts.durationSec)] : []),
    '-i',
    fileUrl(path),
  ];
}

export function pngInputArgs(path: string): string[] {
  return [...inputLimitArgs(), '-protocol_whitelist', 'file', '-f', 'png_pipe', '-i', fileUrl(path)];
}

export function secondsArg(s: number): string {
  return Number.isInteger(s) ? String(s) : s.toFixed(3);
}

/** The files a render reads, all prepared in the work folder except the clips and remix source. */
export interface RenderInputs {
  /** Null when the prompt has nothing to draw. */
  promptTextFile: string | null;
  promptFontSize: number;
  promptLineSpacing: number;
  footerTextFile: string;
  /** PNG at exactly width x height (cover-fitted), or null. */
  referencePng: string | null;
  remixVideo: string | null;
  characters: Array<{ clip: string; portraitPng: string; captionTextFile: string }>;
  /** A TrueType file for drawtext; null falls back to fontconfig's default sans family. */
  fontFile: string | null;
}

export interface RenderSpec {
  width: number;
  height: number;
  seconds: number;
  layout: FrameLayout;
  inputs: RenderInputs;
  /** x264 preset. Default 'veryfast'. */
  preset?: string;
  crf?: number;
}

function fontOption(fontFile: string | null): string {
  return fontFile ? `fontfile=${escapeFilterValue(fontFile)}` : 'font=Sans';
}

function drawtext(o: {
  fontFile: string | null;
  textFile: string;
  fontSize: number;
  x: string;
  y: string;
  color?: string;
  lineSpacing?: number;
  shadow?: boolean;
}): string {
  return [
    `drawtext=${fontOption(o.fontFile)}`,
    `textfile=${escapeFilterValue(o.textFile)}`,
    'expansion=none',
    `fontsize=${o.fontSize}`,
    `fontcolor=${o.color ?? 'white'}`,
    ...(o.lineSpacing ? [`line_spacing=${o.lineSpacing}`] : []),
    `x=${o.x}`,
    `y=${o.y}`,
    ...(o.shadow ? ['shadowcolor=black@0.7', 'shadowx=2', 'shadowy=2'] : []),
  ].join(':');
}

/** Maps the inputs to indexes, in the order of `buildRenderArgs`. */
export function inputPlan(
  inputs: RenderInputs,
  seconds: number,
): { args: string[]; remix: number | null; reference: number | null; clips: number[]; portraits: number[] } {
  const args: string[] = [];
  let n = 0;
  const add = (a: string[]) => {
    args.push(...a);
    return n++;
  };
  const remix = inputs.remixVideo ? add(videoInputArgs(inputs.remixVideo, { durationSec: 1 })) : null;
  const reference = inputs.referencePng ? add(pngInputArgs(inputs.referencePng)) : null;
  const clips: number[] = [];
  const portraits: number[] = [];
  for (const c of inputs.characters) {
    clips.push(add(videoInputArgs(c.clip, { loop: true, durationSec: seconds })));
    portraits.push(add(pngInputArgs(c.portraitPng)));
  }
  return { args, remix, reference, clips, portraits };
}

/** The render's filter graph: labels `[vout]` (yuv420p, width x height, 24 fps) and `[aout]` (silence). */
export function buildRenderGraph(spec: RenderSpec, idx: ReturnType<typeof inputPlan>): string {
  const { width: W, height: H, seconds, layout, inputs } = spec;
  const S = secondsArg(seconds);
  const chains: string[] = [];
  let label = 'bg0';
  let k = 0;
  const next = () => `v${++k}`;
  chains.push(`color=c=${BACKGROUND}:s=${W}x${H}:r=${FPS}:d=${S},format=yuv420p[bg0]`);
  const dim = 'drawbox=x=0:y=0:w=iw:h=ih:color=black@0.6:t=fill';
  const cover = `scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1,format=yuv420p`;

  let referenceFull: string | null = null;
  if (idx.remix !== null) {
    chains.push(`[${idx.remix}:v]trim=end_frame=1,setpts=PTS-STARTPTS,${cover}[rmx]`);
    const out = next();
    chains.push(`[${label}][rmx]overlay=0:0:eof_action=repeat,${dim}[${out}]`);
    label = out;
    if (idx.reference !== null) {
      chains.push(`[${idx.reference}:v]setsar=1,format=yuv420p[reffull]`);
      referenceFull = 'reffull';
    }
  } else if (idx.reference !== null) {
    chains.push(`[${idx.reference}:v]setsar=1,format=yuv420p,split=2[refbg][reffull]`);
    const out = next();
    chains.push(`[${label}][refbg]overlay=0:0:eof_action=repeat,${dim}[${out}]`);
    label = out;
    referenceFull = 'reffull';
  }

  if (inputs.promptTextFile) {
    const t = layout.text;
    const out = next();
    const text = drawtext({
      fontFile: inputs.fontFile,
      textFile: inputs.promptTextFile,
      fontSize: inputs.promptFontSize,
      lineSpacing: inputs.promptLineSpacing,
      x: String(t.x),
      y: `${t.y}+max(0\\,(${t.height}-text_h)/2)`,
      shadow: true,
    });
    chains.push(`[${label}]${text}[${out}]`);
    label = out;
  }

  inputs.characters.forEach((c, i) => {
    const p = layout.panels[i];
    if (!p) throw new Error(`layout has no panel for character ${i}`);
    const { clip, portrait, caption } = p;
    chains.push(
      `[${idx.clips[i]}:v]setpts=PTS-STARTPTS,fps=${FPS},` +
        `scale=${clip.width}:${clip.height}:force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1,` +
        `pad=${clip.width}:${clip.height}:(ow-iw)/2:(oh-ih)/2:color=${CARD},format=yuv420p[clip${i}]`,
    );
    chains.push(`[${idx.portraits[i]}:v]format=rgba[por${i}]`);
    const a = next();
    chains.push(`[${label}][clip${i}]overlay=${clip.x}:${clip.y}:eof_action=repeat[${a}]`);
    const b = next();
    chains.push(`[${a}][por${i}]overlay=${portrait.x}:${portrait.y}:eof_action=repeat[${b}]`);
    const cap = next();
    const text = drawtext({
      fontFile: inputs.fontFile,
      textFile: c.captionTextFile,
      fontSize: caption.fontSize,
      x: `${caption.x}+(${caption.width}-text_w)/2`,
      y: String(caption.y),
      color: '0xe6e8ee',
    });
    chains.push(`[${b}]${text}[${cap}]`);
    label = cap;
  });

  if (referenceFull) {
    const out = next();
    chains.push(`[${label}][${referenceFull}]overlay=0:0:eof_action=repeat:enable='lt(t,1)'[${out}]`);
    label = out;
  }

  const footer = drawtext({
    fontFile: inputs.fontFile,
    textFile: inputs.footerTextFile,
    fontSize: layout.footer.fontSize,
    x: String(layout.footer.x),
    y: String(layout.footer.y),
    color: 'white@0.6',
  });
  chains.push(`[${label}]${footer},format=yuv420p[vout]`);
  chains.push(`anullsrc=r=48000:cl=stereo,atrim=duration=${S}[aout]`);
  return chains.join(';');
}

/** The whole render command: progress as key=value lines on stdout (`-progress pipe:1`). */
export function buildRenderArgs(spec: RenderSpec, outputPath: string): string[] {
  const idx = inputPlan(spec.inputs, spec.seconds);
  const S = secondsArg(spec.seconds);
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-stats_period',
    '0.1',
    ...idx.args,
    '-filter_complex_threads',
    String(FILTER_THREADS),
    '-filter_complex',
    buildRenderGraph(spec, idx),
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    '-c:v',
    'libx264',
    '-preset',
    spec.preset ?? 'veryfast',
    '-crf',
    String(spec.crf ?? 23),
    '-threads',
    String(ENCODER_THREADS),
    '-pix_fmt',
    'yuv420p',
    '-r',
    String(FPS),
    '-g',
    String(FPS * 2),
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-ar',
    '48000',
    '-ac',
    '2',
    '-t',
    S,
    '-map_metadata',
    '-1',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    '-y',
    fileUrl(outputPath),
  ];
}

export interface Size {
  width: number;
  height: number;
}

/** The thumbnail: the video size, or scaled down so the long side is at most `maxSide`. */
export function thumbnailSize(width: number, height: number, maxSide = 1280): Size {
  const s = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

export const SPRITE_COLUMNS = 5;
export const SPRITE_ROWS = 2;
export const SPRITE_TILE_WIDTH = 160;

/** One tile of the spritesheet: `tileWidth` wide, the video's aspect ratio, even height. */
export function spriteTileSize(width: number, height: number, tileWidth = SPRITE_TILE_WIDTH): Size {
  const h = Math.max(2, Math.round((tileWidth * height) / width / 2) * 2);
  return { width: tileWidth, height: h };
}

/** `count` frame numbers evenly spread over `totalFrames`, each in the middle of its share. */
export function spriteFrameIndexes(totalFrames: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.min(totalFrames - 1, Math.floor(((i + 0.5) * totalFrames) / count)));
  return out;
}

export interface PreviewSpec {
  videoPath: string;
  width: number;
  height: number;
  seconds: number;
  thumbnailPath: string;
  spritesheetPath: string;
  /** Frames in the video, when it was not rendered here at FPS (a hosted engine's result). */
  frameCount?: number;
}

/** One decode of the video, two outputs: the middle frame as WebP, a 5x2 tile as JPEG. */
export function buildPreviewArgs(spec: PreviewSpec): string[] {
  const total = spec.frameCount ?? Math.round(spec.seconds * FPS);
  const mid = Math.floor(total / 2);
  const th = thumbnailSize(spec.width, spec.height);
  const tile = spriteTileSize(spec.width, spec.height);
  const picks = spriteFrameIndexes(total, SPRITE_COLUMNS * SPRITE_ROWS)
    .map((n) => `eq(n,${n})`)
    .join('+');
  const graph = [
    '[0:v]split=2[a][b]',
    `[a]select='eq(n,${mid})',scale=${th.width}:${th.height},setsar=1[th]`,
    `[b]select='${picks}',scale=${tile.width}:${tile.height},setsar=1,tile=${SPRITE_COLUMNS}x${SPRITE_ROWS},format=yuvj420p[sp]`,
  ].join(';');
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-nostats',
    ...videoInputArgs(spec.videoPath),
    '-filter_complex_threads',
    String(FILTER_THREADS),
    '-filter_complex',
    graph,
    '-map',
    '[th]',
    '-frames:v',
    '1',
    '-c:v',
    'libwebp',
    '-quality',
    '80',
    '-f',
    'webp',
    '-y',
    fileUrl(spec.thumbnailPath),
    '-map',
    '[sp]',
    '-frames:v',
    '1',
    '-c:v',
    'mjpeg',
    '-q:v',
    '4',
    '-f',
    'image2',
    '-update',
    '1',
    '-y',
    fileUrl(spec.spritesheetPath),
  ];
}
