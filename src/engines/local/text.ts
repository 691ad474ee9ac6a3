/**
 * Text for drawtext, pure: cleaning a prompt, measuring it roughly, wrapping it to a width and
 * truncating it with an ellipsis. drawtext reads the result from a file (`textfile=`) with
 * `expansion=none`, so no character of the prompt has a meaning to ffmpeg; what is left to do
 * here is what drawtext cannot: wrapping, and dropping control characters it would draw as boxes
 * or interpret (tabs, carriage returns).
 */

export const ELLIPSIS = '\u2026';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 controls but \n, DEL, C1 controls, bidi embeddings/overrides/isolates, BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose.
const DROPPED = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** Normalizes a prompt for drawing: NFC, `\n` line breaks only, tabs as spaces, no controls. */
export function sanitizeText(input: string): string {
  return input
    .replace(LONE_SURROGATE, '\uFFFD')
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(/[\t\v\f]/g, ' ')
    .replace(DROPPED, '')
    .replace(/[ \u00A0]+\n/g, '\n');
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

/** True for East Asian wide/fullwidth characters and emoji: about one em wide. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x2600 && cp <= 0x27bf) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/**
 * Estimated advance of one grapheme in em, for DejaVu Sans (a wide face): generous on purpose,
 * so that a wrapped line stays inside its box.
 */
export function graphemeEm(g: string): number {
  const cp = g.codePointAt(0) ?? 0x20;
  if (isWide(cp)) return 1.05;
  if (g === ' ') return 0.32;
  if ("iljI.,:;'|!`".includes(g)) return 0.32;
  if ('frt()[]{}"/\\-'.includes(g)) return 0.45;
  if ('mwMW@%'.includes(g)) return 1.0;
  if (cp >= 0x41 && cp <= 0x5a) return 0.76; // A-Z
  return 0.64;
}

export function textEm(s: string): number {
  let w = 0;
  for (const g of graphemes(s)) w += graphemeEm(g);
  return w;
}

export interface Wrapped {
  lines: string[];
  /** Some of the text did not fit and was cut, the last line ends with an ellipsis. */
  truncated: boolean;
}

/**
 * Wraps `text` (already sanitized) into at most `maxLines` lines of at most `maxEm` em each:
 * at spaces, breaking words longer than a line between graphemes; `\n` starts a new line (runs
 * of blank lines count as one). Text beyond `maxLines` is cut and the last line ends with `…`.
 */
export function wrapText(text: string, maxEm: number, maxLines: number): Wrapped {
  if (maxLines < 1 || maxEm < 1) return { lines: [], truncated: text.trim() !== '' };
  // Only what could possibly fit is looked at (a prompt may be 32000 characters).
  const budget = Math.ceil((maxEm / 0.3 + 1) * maxLines) + 1;
  let cut = false;
  if (text.length > budget * 2) {
    text = text.slice(0, budget * 2).replace(/[\uD800-\uDBFF]$/, '');
    cut = true;
  }
  const paragraphs = text
    .split('\n')
    .map((p) => p.trim().replace(/ {2,}/g, ' '))
    .filter((p, i, all) => p !== '' || (i > 0 && all[i - 1] !== ''));
  while (paragraphs.length && paragraphs[paragraphs.length - 1] === '') paragraphs.pop();

  const lines: string[] = [];
  let overflow = false;
  const push = (line: string): boolean => {
    if (lines.length >= maxLines) {
      overflow = true;
      return false;
    }
    lines.push(line);
    return true;
  };
  outer: for (const para of paragraphs) {
    if (para === '') {
      if (!push('')) break;
      continue;
    }
    let line = '';
    let lineEm = 0;
    for (const word of para.split(' ')) {
      const wEm = textEm(word);
      const sep = line === '' ? 0 : graphemeEm(' ');
      if (lineEm + sep + wEm <= maxEm) {
        line = line === '' ? word : `${line} ${word}`;
        lineEm += sep + wEm;
        continue;
      }
      if (line !== '') {
        if (!push(line)) break outer;
        line = '';
        lineEm = 0;
      }
      if (wEm <= maxEm) {
        line = word;
        lineEm = wEm;
        continue;
      }
      // A word longer than a line: break it between graphemes.
      for (const g of graphemes(word)) {
        const gEm = graphemeEm(g);
        if (lineEm + gEm > maxEm && line !== '') {
          if (!push(line)) break outer;
          line = '';
          lineEm = 0;
        }
        line += g;
        lineEm += gEm;
      }
    }
    if (line !== '' && !push(line)) break;
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const truncated = overflow || cut;
  if (truncated) {
    if (lines.length === 0) return { lines: [ELLIPSIS], truncated };
    lines[lines.length - 1] = withEllipsis(lines[lines.length - 1], maxEm);
  }
  return { lines, truncated };
}

/** Ends `line` with `…`, dropping graphemes (and then trailing spaces) until it fits in `maxEm`. */
export function withEllipsis(line: string, maxEm: number): string {
  const gs = graphemes(line);
  const ell = graphemeEm(ELLIPSIS);
  let em = gs.reduce((a, g) => a + graphemeEm(g), 0);
  while (gs.length && em + ell > maxEm) em -= graphemeEm(gs.pop() as string);
  return `${gs.join('').trimEnd()}${ELLIPSIS}`;
}

export interface FittedText {
  fontSize: number;
  lineSpacing: number;
  lines: string[];
  truncated: boolean;
}

/** Advance of one line, in em, for DejaVu Sans (ascent+descent about 1.17 em) + the spacing. */
export const LINE_EM = 1.17;
export const LINE_SPACING_EM = 0.25;

/**
 * The largest of `fontSizes` (tried in order) at which the whole text fits in the box; when none
 * does, the last (smallest) size with the text truncated.
 */
export function fitText(text: string, box: { width: number; height: number }, fontSizes: readonly number[]): FittedText {
  let best: FittedText | null = null;
  for (const fontSize of fontSizes) {
    const lineSpacing = Math.round(fontSize * LINE_SPACING_EM);
    const maxLines = Math.max(1, Math.floor((box.height + lineSpacing) / (fontSize * LINE_EM + lineSpacing)));
    const { lines, truncated } = wrapText(text, box.width / fontSize, maxLines);
    best = { fontSize, lineSpacing, lines, truncated };
    if (!truncated) break;
  }
  return best ?? { fontSize: 16, lineSpacing: 4, lines: [], truncated: false };
}
