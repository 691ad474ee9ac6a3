/**
 * Where things go on the preview frame, pure: the prompt at the top, the characters' panels
 * side by side below it (each: the clip fitted in a card, the round portrait over its lower-left
 * corner, `@username` under it), a one-line footer. Every box is in whole pixels; the clip cards
 * have even sides and positions (yuv420p).
 */
import type { Box } from '../../geometry.js';

export type { Box };

export interface PanelLayout {
  /** The card the clip is fitted into (letterboxed in it). */
  clip: Box;
  /** The round portrait: a square of `size`. */
  portrait: { x: number; y: number; size: number };
  /** The caption line: centred in `width` from `x`, its top at `y`. */
  caption: { x: number; y: number; width: number; fontSize: number };
}

export interface FrameLayout {
  width: number;
  height: number;
  margin: number;
  /** The box the prompt is wrapped into. */
  text: Box;
  /** Font sizes to try for the prompt, largest first. */
  textFontSizes: number[];
  footer: { x: number; y: number; fontSize: number };
  panels: PanelLayout[];
}

const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

export function gridFor(n: number, landscape: boolean): { cols: number; rows: number } {
  if (n <= 0) return { cols: 0, rows: 0 };
  const cols = n <= 2 ? n : n <= 4 ? 2 : Math.ceil(Math.sqrt(n)) + (landscape ? 1 : 0);
  return { cols: Math.min(cols, n), rows: Math.ceil(n / Math.min(cols, n)) };
}

export function planLayout(width: number, height: number, characterCount: number): FrameLayout {
  const short = Math.min(width, height);
  const landscape = width > height;
  const margin = even(short * 0.05);
  const gap = even(short * 0.03);
  const footerFont = Math.max(10, Math.round(short * 0.026));
  const footerY = height - margin - footerFont;
  const contentBottom = footerY - gap;
  const contentW = width - 2 * margin;
  const base = [0.075, 0.062, 0.052, 0.044, 0.037].map((f) => Math.max(10, Math.round(short * f)));

  if (characterCount <= 0) {
    return {
      width,
      height,
      margin,
      text: { x: margin, y: margin, width: contentW, height: contentBottom - margin },
      textFontSizes: [Math.round(short * 0.09), ...base],
      footer: { x: margin, y: footerY, fontSize: footerFont },
      panels: [],
    };
  }

  const textH = Math.round(height * (landscape ? 0.28 : 0.3));
  const text: Box = { x: margin, y: margin, width: contentW, height: textH };
  const areaY = margin + textH + gap;
  const areaH = contentBottom - areaY;
  const { cols, rows } = gridFor(characterCount, landscape);
  const panelW = Math.floor((contentW - (cols - 1) * gap) / cols);
  const panelH = Math.floor((areaH - (rows - 1) * gap) / rows);
  const captionFont = Math.max(10, Math.round(Math.min(short * 0.04, panelW / 9)));
  const captionH = Math.round(captionFont * 1.8);

  const panels: PanelLayout[] = [];
  for (let i = 0; i < characterCount; i++) {
    const col = i % cols;
    const row = Math.floor(i / cols);
    // The last row, when not full, is centred.
    const inRow = row === rows - 1 ? characterCount - row * cols : cols;
    const rowOffset = Math.floor(((cols - inRow) * (panelW + gap)) / 2);
    const px = margin + rowOffset + col * (panelW + gap);
    const py = areaY + row * (panelH + gap);
    const clip: Box = { x: even(px), y: even(py), width: even(panelW), height: even(panelH - captionH) };
    const size = even(Math.min(clip.width, clip.height) * 0.32);
    const inset = Math.round(gap / 2);
    panels.push({
      clip,
      portrait: { x: clip.x + inset, y: clip.y + clip.height - size - inset, size },
      caption: { x: px, y: clip.y + clip.height + Math.round((captionH - captionFont) / 2), width: panelW, fontSize: captionFont },
    });
  }
  return { width, height, margin, text, textFontSizes: base, footer: { x: margin, y: footerY, fontSize: footerFont }, panels };
}
