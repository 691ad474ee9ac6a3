/**
 * The `Range` header of a /files request, for a blob of `size` bytes (RFC 9110 §14):
 * - null: serve the whole blob with 200 (no header, another unit, a malformed or a multi-range
 *   header: a server may ignore those);
 * - 'unsatisfiable': answer 416 with `Content-Range: bytes * /<size>`;
 * - {start, end}: inclusive byte positions, end clamped to the last byte; answer 206.
 */
export type ParsedRange = { start: number; end: number } | 'unsatisfiable' | null;

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function parseRange(header: string | undefined, size: number): ParsedRange {
  if (header === undefined) return null;
  const m = SINGLE_RANGE.exec(header.trim());
  if (!m) return null;
  const first = m[1] ?? '';
  const last = m[2] ?? '';
  if (first === '' && last === '') return null;

  if (first === '') {
    // Suffix range: the last N bytes.
    const suffix = Number(last); // digits only: a huge value is merely large (or Infinity), never NaN
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }

  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return null; // an invalid range-spec: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
