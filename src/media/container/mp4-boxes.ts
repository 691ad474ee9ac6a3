/** ISO base media file format boxes (ISO/IEC 14496-12 4.2), read with every bound checked. */

export interface Box {
  type: string;
  /** Offset of the payload, and of the byte after the box, in the buffer walked. */
  body: number;
  end: number;
}

export class MalformedBox extends Error {
  override readonly name = 'MalformedBox';
}

/** Size and type of the box header at `at`; `limit` is where the enclosing space ends. */
export function readBoxHeader(buf: Buffer, at: number, limit: number): { type: string; headerSize: number; size: number } {
  if (at + 8 > buf.length) throw new MalformedBox('box header cut');
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let headerSize = 8;
  if (size === 1) {
    if (at + 16 > buf.length) throw new MalformedBox('large box header cut');
    const large = buf.readBigUInt64BE(at + 8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedBox('box too large');
    size = Number(large);
    headerSize = 16;
  } else if (size === 0) {
    size = limit - at; // to the end of the enclosing space
  }
  if (size < headerSize || at + size > limit) throw new MalformedBox(`box '${type}' does not fit`);
  return { type, headerSize, size };
}

/** The boxes laid end to end in `buf[from, to)`. */
export function childBoxes(buf: Buffer, from: number, to: number): Box[] {
  if (to > buf.length) throw new MalformedBox('box runs past its parent');
  const boxes: Box[] = [];
  for (let at = from; at < to; ) {
    if (to - at < 8) break; // trailing padding some writers leave
    const h = readBoxHeader(buf, at, to);
    boxes.push({ type: h.type, body: at + h.headerSize, end: at + h.size });
    at += h.size;
  }
  return boxes;
}

export function findBox(buf: Buffer, parent: { body: number; end: number }, type: string): Box | undefined {
  return childBoxes(buf, parent.body, parent.end).find((b) => b.type === type);
}

/** Follows a path of box types from `parent` (e.g. ['mdia', 'minf', 'stbl']). */
export function boxAt(buf: Buffer, parent: { body: number; end: number }, path: string[]): Box | undefined {
  let cur: Box | undefined = { type: '', ...parent };
  for (const type of path) {
    cur = findBox(buf, cur, type);
    if (!cur) return undefined;
  }
  return cur;
}

/** Bounds-checked big-endian reads inside one box: `off` counts from the box's payload. */
function at(box: Box, off: number, n: number): number {
  if (off < 0 || box.body + off + n > box.end) throw new MalformedBox(`'${box.type}' is too short`);
  return box.body + off;
}
export const u16 = (buf: Buffer, box: Box, off: number) => buf.readUInt16BE(at(box, off, 2));
export const u32 = (buf: Buffer, box: Box, off: number) => buf.readUInt32BE(at(box, off, 4));
export const i32 = (buf: Buffer, box: Box, off: number) => buf.readInt32BE(at(box, off, 4));
export const i64 = (buf: Buffer, box: Box, off: number) => Number(buf.readBigInt64BE(at(box, off, 8)));
export const fourcc = (buf: Buffer, box: Box, off: number) => buf.toString('latin1', at(box, off, 4), box.body + off + 4);
export function u64(buf: Buffer, box: Box, off: number): number {
  const v = buf.readBigUInt64BE(at(box, off, 8));
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedBox('64-bit value too large');
  return Number(v);
}
