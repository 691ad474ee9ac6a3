/**
 * The few facts of an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1 and E.1.1) that decide
 * the picture's shape: the cropped size and the sample aspect ratio. Null when the bytes are not a
 * well-formed SPS this reader understands.
 */
export interface SpsShape {
  width: number;
  height: number;
  /** Sample aspect ratio; [0, 0] when unspecified. */
  sar: [number, number];
}

/** Table E-1: aspect_ratio_idc 1..16. */
const SAR_TABLE: ReadonlyArray<[number, number]> = [
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];
const EXTENDED_SAR = 255;
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Buffer) {}

  bit(): number {
    if (this.pos >= this.bytes.length * 8) throw new RangeError('SPS ends early');
    const b = (this.bytes[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  /** ue(v): Exp-Golomb, at most 32 bits of prefix. */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}

/** The RBSP of a NAL unit: emulation prevention bytes (00 00 03) removed. */
function removeEmulationPrevention(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** `nal`: one SPS NAL unit, header byte included. */
export function parseSps(nal: Buffer): SpsShape | null {
  if (nal.length < 4 || (nal[0] & 0x1f) !== 7) return null;
  try {
    const r = new BitReader(removeEmulationPrevention(nal.subarray(1)));
    const profile = r.bits(8);
    r.bits(16); // constraint flags, level_idc
    r.ue(); // seq_parameter_set_id
    let chromaFormat = 1;
    let separatePlanes = 0;
    if (HIGH_PROFILES.has(profile)) {
      chromaFormat = r.ue();
      if (chromaFormat > 3) return null;
      if (chromaFormat === 3) separatePlanes = r.bit();
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.bit(); // qpprime_y_zero_transform_bypass_flag
      if (r.bit()) {
        const lists = chromaFormat === 3 ? 12 : 8;
        for (let i = 0; i < lists; i++) if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.bit();
      r.se();
      r.se();
      const cycle = r.ue();
      if (cycle > 255) return null;
      for (let i = 0; i < cycle; i++) r.se();
    } else if (pocType !== 2) return null;
    r.ue(); // max_num_ref_frames
    r.bit(); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = r.ue() + 1;
    const heightUnits = r.ue() + 1;
    const frameMbsOnly = r.bit();
    if (!frameMbsOnly) r.bit(); // mb_adaptive_frame_field_flag
    r.bit(); // direct_8x8_inference_flag
    let crop = [0, 0, 0, 0];
    if (r.bit()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    // Crop units (Table 6-1): chroma subsampling and field coding scale them.
    const arrayType = separatePlanes ? 0 : chromaFormat;
    const subW = arrayType === 1 || arrayType === 2 ? 2 : 1;
    const subH = arrayType === 1 ? 2 : 1;
    const unitX = arrayType === 0 ? 1 : subW;
    const unitY = (arrayType === 0 ? 1 : subH) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - unitX * (crop[0] + crop[1]);
    const height = heightUnits * 16 * (2 - frameMbsOnly) - unitY * (crop[2] + crop[3]);
    if (width <= 0 || height <= 0) return null;

    let sar: [number, number] = [0, 0];
    if (r.bit() && r.bit()) {
      // vui_parameters_present_flag, then aspect_ratio_info_present_flag
      const idc = r.bits(8);
      if (idc === EXTENDED_SAR) sar = [r.bits(16), r.bits(16)];
      else if (idc >= 1 && idc <= SAR_TABLE.length) sar = SAR_TABLE[idc - 1];
    }
    return { width, height, sar };
  } catch {
    return null;
  }
}

/** The first SPS of an `avcC` box payload (ISO/IEC 14496-15 5.3.3.1). */
export function spsFromAvcC(avcC: Buffer): Buffer | null {
  if (avcC.length < 8 || avcC[0] !== 1) return null;
  const count = avcC[5] & 0x1f;
  if (count < 1) return null;
  const len = avcC.readUInt16BE(6);
  if (8 + len > avcC.length) return null;
  return avcC.subarray(8, 8 + len);
}
