import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, isAppError } from '../../errors.js';
import { defaultBinaries, type MediaBinaries } from '../../ffmpeg/binaries.js';
import { runTool, runToolStreaming } from '../../ffmpeg/run.js';
import type { Engine, ProgressListener, RenderRequest, RenderResult } from '../ports.js';
import { buildPreviewArgs, buildRenderArgs, type RenderInputs } from './args.js';
import { planLayout } from './layout.js';
import { preparePortrait, prepareReference } from './prepare.js';
import { ProgressReader } from './progress.js';
import { fitText, sanitizeText, wrapText } from './text.js';

export const LOCAL_ENGINE_NAME = 'local';
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Output names inside the work folder. */
export const OUTPUT_FILES = { video: 'video.mp4', thumbnail: 'thumbnail.webp', spritesheet: 'spritesheet.jpg' } as const;
/** The folder (inside the work folder) of the engine's own intermediate files, removed after. */
const SCRATCH = 'local-engine';

/** Share of the progress the encode takes; the previews take the rest. */
const ENCODE_SHARE = 95;

export interface LocalEngineOptions {
  binaries?: MediaBinaries;
  /** TrueType font for drawtext; when the file is missing, fontconfig's default sans is used. */
  fontFile?: string;
  /** x264 preset. Default 'veryfast'. */
  preset?: string;
  /** Kills a render running longer. Default: 60 s + 20 s per second of video. */
  timeoutMs?: number;
  /** Memory limit of each ffmpeg run, MiB (FFMPEG_MAX_MEMORY_MB). Default 1024. */
  maxMemoryMb?: number;
  /** Most characters drawn (the API allows 2). Default 4. */
  maxCharacters?: number;
  /** The footer line; `{size}` and `{seconds}` are filled in. */
  footer?: string;
}

/** Checks what the renderer needs of a request; a bad one is the caller's bug, refused typed. */
export function validateRenderRequest(req: RenderRequest, maxCharacters = 4): void {
  const bad = (message: string, param: string) => new AppError('invalid_parameter', message, { param });
  const dim = (n: number) => Number.isInteger(n) && n >= 64 && n <= 4096 && n % 2 === 0;
  if (!dim(req.width) || !dim(req.height)) throw bad('The size must be even numbers of pixels between 64 and 4096.', 'size');
  if (!(Number.isFinite(req.seconds) && req.seconds > 0 && req.seconds <= 120)) throw bad('The length must be between 0 and 120 seconds.', 'seconds');
  if (req.characters.length > maxCharacters) throw bad(`At most ${maxCharacters} characters can take part in a video.`, 'characters');
  if (!req.workDir) throw new AppError('internal_error', 'The render has no work folder.');
}

/**
 * The built-in engine: renders an offline preview with ffmpeg — the prompt, and each character's
 * clip (looped) and round portrait captioned `@username`, over a dark background, the input
 * reference (shown alone for the first second, then dimmed behind) or the remixed video's first
 * frame — at exactly the asked size and length, 24 fps, H.264 + silent AAC, faststart; then the
 * WebP thumbnail and the JPEG spritesheet.
 */
export function createLocalEngine(opts: LocalEngineOptions = {}): Engine {
  const bins = opts.binaries ?? defaultBinaries();
  const fontFile = opts.fontFile ?? DEFAULT_FONT_FILE;
  const maxCharacters = opts.maxCharacters ?? 4;
  const footerTemplate = opts.footer ?? 'PREVIEW \u00b7 local engine \u00b7 {size} \u00b7 {seconds}s';
  let fontChecked: Promise<string | null> | null = null;
  const font = () =>
    (fontChecked ??= access(fontFile, constants.R_OK).then(
      () => fontFile,
      () => null,
    ));

  return {
    name: LOCAL_ENGINE_NAME,
    async render(req: RenderRequest, onProgress: ProgressListener, signal: AbortSignal): Promise<RenderResult> {
      validateRenderRequest(req, maxCharacters);
      const workDir = resolve(req.workDir);
      const scratch = join(workDir, SCRATCH);
      const out = {
        videoPath: join(workDir, OUTPUT_FILES.video),
        thumbnailPath: join(workDir, OUTPUT_FILES.thumbnail),
        spritesheetPath: join(workDir, OUTPUT_FILES.spritesheet),
      };
      let last = -1;
      const report = (p: number) => {
        if (p > last) {
          last = p;
          onProgress(p);
        }
      };
      const timeoutMs = opts.timeoutMs ?? 60_000 + req.seconds * 20_000;
      const limits = { timeoutMs, maxMemoryMb: opts.maxMemoryMb };
      let ok = false;
      try {
        throwIfAborted(signal);
        report(0);
        await rm(scratch, { recursive: true, force: true });
        await mkdir(scratch, { recursive: true });

        const inputs = await prepareInputs(req, scratch, await font(), footerTemplate, signal);
        throwIfAborted(signal);

        const layout = planLayout(req.width, req.height, req.characters.length);
        const args = buildRenderArgs({ width: req.width, height: req.height, seconds: req.seconds, layout, inputs, preset: opts.preset }, out.videoPath);
        const reader = new ProgressReader(req.seconds * 1_000_000, ENCODE_SHARE);
        await runToolStreaming(
          bins.ffmpeg,
          args,
          async (stdout: Readable) => {
            stdout.setEncoding('utf8');
            for await (const chunk of stdout as AsyncIterable<string>) {
              const p = reader.push(chunk);
              if (p !== null) report(p);
            }
          },
          { signal, ...limits },
        );
        report(ENCODE_SHARE);

        await runTool(bins.ffmpeg, buildPreviewArgs({ width: req.width, height: req.height, seconds: req.seconds, ...out }), { signal, ...limits });
        report(100);
        ok = true;
        return { ...out, durationSec: req.seconds };
      } catch (e) {
        if (signal.aborted) {
          throw new AppError('engine_error', 'The render was cancelled.', { cause: signal.reason ?? e });
        }
        if (isAppError(e)) throw e;
        const kind = toolFailureKind(e);
        const what =
          kind === 'timeout'
            ? 'took too long to render the video'
            : kind === 'memory_limit'
              ? 'needed more memory than allowed to render the video'
              : 'failed to render the video';
        throw new AppError('engine_error', `The local engine ${what}.`, { cause: e });
      } finally {
        await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
        if (!ok) {
          await Promise.all(Object.values(out).map((p) => rm(p, { force: true }).catch(() => undefined)));
        }
      }
    },
  };
}

/** The runner's failure kind (MediaToolError.kind), read without depending on its module. */
function toolFailureKind(e: unknown): string | null {
  return e instanceof Error && 'kind' in e && typeof e.kind === 'string' ? e.kind : null;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

async function prepareInputs(req: RenderRequest, scratch: string, fontFile: string | null, footerTemplate: string, signal: AbortSignal): Promise<RenderInputs> {
  const layout = planLayout(req.width, req.height, req.characters.length);
  const fitted = fitText(sanitizeText(req.prompt), layout.text, layout.textFontSizes);
  let promptTextFile: string | null = null;
  if (fitted.lines.length > 0) {
    promptTextFile = join(scratch, 'prompt.txt');
    await writeFile(promptTextFile, fitted.lines.join('\n'), 'utf8');
  }
  const footerTextFile = join(scratch, 'footer.txt');
  const footer = footerTemplate.replace('{size}', `${req.width}x${req.height}`).replace('{seconds}', String(req.seconds));
  await writeFile(footerTextFile, wrapText(sanitizeText(footer), (req.width - 2 * layout.margin) / layout.footer.fontSize, 1).lines.join(''), 'utf8');

  let referencePng: string | null = null;
  if (req.inputReferencePath) {
    referencePng = join(scratch, 'reference.png');
    await imageStep('The input reference image could not be read.', 'input_reference', () =>
      prepareReference(resolve(req.inputReferencePath as string), referencePng as string, req.width, req.height),
    );
  }

  const characters: RenderInputs['characters'] = [];
  for (let i = 0; i < req.characters.length; i++) {
    throwIfAborted(signal);
    const c = req.characters[i];
    const panel = layout.panels[i];
    const portraitPng = join(scratch, `portrait-${i}.png`);
    await imageStep(`The portrait of character ${c.id} could not be read.`, null, () =>
      preparePortrait(resolve(c.portraitPath), portraitPng, panel.portrait.size),
    );
    const captionTextFile = join(scratch, `caption-${i}.txt`);
    const caption = wrapText(sanitizeText(`@${c.username}`).replace(/\n/g, ' '), panel.caption.width / panel.caption.fontSize, 1);
    await writeFile(captionTextFile, caption.lines.join('') || '@', 'utf8');
    characters.push({ clip: resolve(c.clipPath), portraitPng, captionTextFile });
  }

  return {
    promptTextFile,
    promptFontSize: fitted.fontSize,
    promptLineSpacing: fitted.lineSpacing,
    footerTextFile,
    referencePng,
    remixVideo: req.remixOfVideoPath ? resolve(req.remixOfVideoPath) : null,
    characters,
    fontFile,
  };
}

async function imageStep(message: string, param: string | null, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (e) {
    throw new AppError('engine_error', message, { param, cause: e });
  }
}
