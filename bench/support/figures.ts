/** One line of the results table: a median with min/max, and, when it has one, its target. */
export interface Figure {
  /** Stable key (used by the JSON and the quick test). */
  key: string;
  label: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  /** How many measurements the median is taken over. */
  n: number;
  /** e.g. "<= 1.0x"; absent for informational figures. */
  target?: string;
  /** null when the figure has no target. */
  pass: boolean | null;
  note?: string;
}

export interface Section {
  id: string;
  title: string;
  figures: Figure[];
  /** Free-form extra numbers (stage times, bytes read, ...). */
  details?: Record<string, unknown>;
}

export function figure(
  key: string,
  label: string,
  unit: string,
  s: { median: number; min: number; max: number; n: number },
  target?: { op: '<=' | '>='; value: number; on?: 'median' | 'max' },
  note?: string,
): Figure {
  let pass: boolean | null = null;
  let targetText: string | undefined;
  if (target) {
    const v = target.on === 'max' ? s.max : s.median;
    pass = Number.isFinite(v) && (target.op === '<=' ? v <= target.value : v >= target.value);
    targetText = `${target.op} ${target.value}${unit === 'x' ? 'x' : ` ${unit}`}${target.on === 'max' ? ' (max)' : ''}`;
  }
  return { key, label, unit, median: s.median, min: s.min, max: s.max, n: s.n, target: targetText, pass, note };
}
