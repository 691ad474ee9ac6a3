/**
 * Reads the header of a plain MP4/MOV in-process, in the shape `ffprobe -show_format
 * -show_streams -print_format json` prints, so that src/media/probe-parse.ts judges it by the
 * same rules. Starting ffprobe costs about as much CPU as a face detection and tens of ms before
 * the decode can start; most sources are ordinary H.264 MP4s whose header says everything.
 *
 * It vouches only for what it fully understands, and answers null otherwise (ffprobe then reads
 * the source): the file starts with `ftyp`, its top-level boxes fit the file exactly (a cut file
 * goes to ffprobe), it is not fragmented, it has exactly one video track, H.264 with an SPS that
 * agrees with the sample entry and square pixels, a display matrix that is a quarter turn, at
 * most one simple edit, and audio tracks in codecs ffmpeg decodes.
 */
import type { ByteSource } from './byte-source.js';
import { parseSps, spsFromAvcC } from './h264-sps.js';
import { type Box, boxAt, childBoxes, findBox, fourcc, i32, i64, MalformedBox, readBoxHeader, u16, u32, u64 } from './mp4-boxes.js';

/** What ffprobe prints as the format name of every file its mov demuxer reads. */
export const MOV_FORMAT_NAME = 'mov,mp4,m4a,3gp,3g2,mj2';

/** A moov larger than this (a very long or oddly written file) is left to ffprobe. */
const MAX_MOOV_BYTES = 32 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES = 1024;
const HEAD_BYTES = 64 * 1024;

const VIDEO_CODECS: Record<string, string> = { avc1: 'h264', avc3: 'h264' };
const AUDIO_CODECS: Record<string, string> = {
  mp4a: 'aac',
  'ac-3': 'ac3',
  'ec-3': 'eac3',
  Opus: 'opus',
  fLaC: 'flac',
  alac: 'alac',
  '.mp3': 'mp3',
  sowt: 'pcm_s16le',
  twos: 'pcm_s16be',
  lpcm: 'pcm',
  in24: 'pcm_s24be',
  in32: 'pcm_s32be',
  fl32: 'pcm_f32be',
  fl64: 'pcm_f64be',
  ulaw: 'pcm_mulaw',
  alaw: 'pcm_alaw',
};

class NotPlain extends Error {}
const notPlain = (why: string): never => {
  throw new NotPlain(why);
};

/** ffprobe-shaped JSON of `src`, or null when the source is not a plain MP4/MOV this reader vouches for. */
export async function readMp4Header(src: ByteSource): Promise<Record<string, unknown> | null> {
  try {
    const moov = await findMoov(src);
    return moov ? describeMoov(moov) : null;
  } catch (e) {
    if (e instanceof NotPlain || e instanceof MalformedBox) return null;
    throw e;
  }
}

/** The payload of the one `moov`, after walking every top-level box header to the end of the file. */
async function findMoov(src: ByteSource): Promise<Buffer | null> {
  const head = await src.read(0, HEAD_BYTES);
  let moov: { at: number; headerSize: number; size: number } | null = null;
  let at = 0;
  for (let n = 0; at < src.size; n++) {
    if (n >= MAX_TOP_LEVEL_BOXES) return null;
    const bytes = at + 16 <= head.length ? head.subarray(at, at + 16) : await src.read(at, 16);
    // The header is read from a slice that starts at the box: sizes are checked against the file.
    const h = readBoxHeader(Buffer.concat([bytes, Buffer.alloc(Math.max(0, 16 - bytes.length))]), 0, src.size - at);
    if (n === 0 && h.type !== 'ftyp') return null;
    if (h.type === 'moof' || h.type === 'mfra') return null;
    if (h.type === 'moov') {
      if (moov || h.size > MAX_MOOV_BYTES) return null;
      moov = { at, ...h };
    }
    at += h.size;
  }
  if (!moov) return null;
  const { at: m, headerSize, size } = moov;
  return m + size <= head.length ? head.subarray(m + headerSize, m + size) : src.read(m + headerSize, size - headerSize);
}

interface Track {
  index: number;
  enabled: boolean;
  handler: string;
  codec: string | null;
  format: string;
  width: number;
  height: number;
  rotation: number;
  durationSec: number | null;
  frames: number;
  fps: string | null;
  sar: [number, number];
}

function describeMoov(buf: Buffer): Record<string, unknown> | null {
  const top = childBoxes(buf, 0, buf.length);
  if (top.some((b) => b.type === 'mvex')) return null; // fragmented
  const mvhd = top.find((b) => b.type === 'mvhd') ?? notPlain('no mvhd');
  const movie = timescaleAndDuration(buf, mvhd);
  const tracks = top.filter((b) => b.type === 'trak').map((t, index) => readTrack(buf, t, index, movie.timescale));
  const video = tracks.filter((t) => t.handler === 'vide');
  if (video.length > 1) return null;
  return {
    format: { format_name: MOV_FORMAT_NAME, ...(movie.seconds > 0 ? { duration: String(movie.seconds) } : {}) },
    streams: tracks.map((t) => streamJson(t)),
  };
}

function readTrack(buf: Buffer, trak: Box, index: number, movieTimescale: number): Track {
  const tkhd = findBox(buf, trak, 'tkhd') ?? notPlain('no tkhd');
  const mdhd = boxAt(buf, trak, ['mdia', 'mdhd']) ?? notPlain('no mdhd');
  const hdlr = boxAt(buf, trak, ['mdia', 'hdlr']) ?? notPlain('no hdlr');
  const stbl = boxAt(buf, trak, ['mdia', 'minf', 'stbl']);
  const handler = fourcc(buf, hdlr, 8);
  const flags = u32(buf, tkhd, 0) & 0xffffff;
  const track: Track = {
    index,
    enabled: (flags & 1) === 1,
    handler,
    codec: null,
    format: '',
    width: 0,
    height: 0,
    rotation: 0,
    durationSec: null,
    frames: 0,
    fps: null,
    sar: [1, 1],
  };
  if (handler !== 'vide' && handler !== 'soun') return track;
  if (!stbl) return notPlain('no sample table');
  const entry = firstSampleEntry(buf, stbl);
  track.format = entry.type;
  if (handler === 'soun') {
    track.codec = AUDIO_CODECS[entry.type] ?? notPlain(`audio codec ${entry.type}`);
    return track;
  }

  track.codec = VIDEO_CODECS[entry.type] ?? notPlain(`video codec ${entry.type}`);
  track.width = u16(buf, entry, 24);
  track.height = u16(buf, entry, 26);
  const extensions = childBoxes(buf, entry.body + 78, entry.end);
  const pasp = extensions.find((b) => b.type === 'pasp');
  if (pasp && u32(buf, pasp, 0) !== u32(buf, pasp, 4)) notPlain('non-square pixels');
  const avcC = extensions.find((b) => b.type === 'avcC') ?? notPlain('no avcC');
  const sps = parseSps(spsFromAvcC(buf.subarray(avcC.body, avcC.end)) ?? notPlain('no SPS'));
  if (!sps || sps.width !== track.width || sps.height !== track.height) notPlain('SPS and sample entry disagree');
  if (sps!.sar[0] !== sps!.sar[1]) notPlain('non-square pixels in the SPS');

  const { matrix, width, height } = tkhdShape(buf, tkhd);
  track.rotation = quarterTurn(matrix);
  const swap = track.rotation % 180 !== 0;
  // The presentation size is the coded size: anything else means a scaling or aspect of its own.
  const [dw, dh] = [Math.round(width), Math.round(height)];
  if ((dw !== track.width || dh !== track.height) && !(swap && dw === track.height && dh === track.width)) {
    notPlain('presentation size differs from the coded size');
  }

  const media = timescaleAndDuration(buf, mdhd);
  const timing = sampleTiming(buf, stbl, media.timescale);
  track.frames = timing.frames;
  track.fps = timing.fps;
  const edited = editedSeconds(buf, trak, movieTimescale);
  const mediaSec = media.seconds > 0 ? media.seconds : null;
  track.durationSec = edited !== null && mediaSec !== null ? Math.min(mediaSec, edited) : mediaSec;
  return track;
}

function streamJson(t: Track): Record<string, unknown> {
  const type = t.handler === 'vide' ? 'video' : t.handler === 'soun' ? 'audio' : 'data';
  return {
    index: t.index,
    codec_type: type,
    ...(t.codec ? { codec_name: t.codec } : {}),
    ...(type === 'video'
      ? {
          width: t.width,
          height: t.height,
          sample_aspect_ratio: `${t.sar[0]}:${t.sar[1]}`,
          nb_frames: String(t.frames),
          ...(t.fps ? { avg_frame_rate: t.fps } : {}),
          ...(t.durationSec !== null ? { duration: String(t.durationSec) } : {}),
          // ffprobe prints the display matrix angle counter-clockwise.
          side_data_list: t.rotation ? [{ side_data_type: 'Display Matrix', rotation: -t.rotation }] : [],
        }
      : {}),
    disposition: { default: t.enabled ? 1 : 0, attached_pic: 0 },
  };
}

function firstSampleEntry(buf: Buffer, stbl: Box): Box {
  const stsd = findBox(buf, stbl, 'stsd') ?? notPlain('no stsd');
  if (u32(buf, stsd, 4) < 1) notPlain('no sample entry');
  const h = readBoxHeader(buf, stsd.body + 8, stsd.end);
  return { type: h.type, body: stsd.body + 8 + h.headerSize, end: stsd.body + 8 + h.size };
}

function timescaleAndDuration(buf: Buffer, box: Box): { timescale: number; seconds: number } {
  const v1 = u32(buf, box, 0) >>> 24 === 1;
  const timescale = u32(buf, box, v1 ? 20 : 12);
  const duration = v1 ? u64(buf, box, 24) : u32(buf, box, 16);
  if (timescale === 0) notPlain('zero timescale');
  // All ones: "duration unknown".
  const unknown = v1 ? duration >= Number.MAX_SAFE_INTEGER : duration === 0xffffffff;
  return { timescale, seconds: unknown ? 0 : duration / timescale };
}

function tkhdShape(buf: Buffer, tkhd: Box): { matrix: number[]; width: number; height: number } {
  const base = u32(buf, tkhd, 0) >>> 24 === 1 ? 52 : 40;
  const matrix = [0, 1, 3, 4].map((i) => i32(buf, tkhd, base + i * 4) / 65536); // a, b, c, d
  return { matrix, width: u32(buf, tkhd, base + 36) / 65536, height: u32(buf, tkhd, base + 40) / 65536 };
}

/** Degrees clockwise of a display matrix that is a pure quarter turn (no flip, no scale, no shear). */
function quarterTurn([a, b, c, d]: number[]): number {
  const turns: Array<[number, number, number, number, number]> = [
    [1, 0, 0, 1, 0],
    [0, 1, -1, 0, 90],
    [-1, 0, 0, -1, 180],
    [0, -1, 1, 0, 270],
  ];
  const hit = turns.find(([ta, tb, tc, td]) => ta === a && tb === b && tc === c && td === d);
  return hit ? hit[4] : notPlain('display matrix is not a quarter turn');
}

/** Sample count and ffmpeg's average frame rate (mov.c: constant delta, else count / duration). */
function sampleTiming(buf: Buffer, stbl: Box, timescale: number): { frames: number; fps: string | null } {
  const stts = findBox(buf, stbl, 'stts') ?? notPlain('no stts');
  const stsz = findBox(buf, stbl, 'stsz');
  const entries = u32(buf, stts, 4);
  if (8 + entries * 8 > stts.end - stts.body) notPlain('stts cut');
  let count = 0;
  let total = 0;
  const deltas: Array<[number, number]> = [];
  for (let i = 0; i < entries; i++) {
    const n = u32(buf, stts, 8 + i * 8);
    const delta = u32(buf, stts, 12 + i * 8);
    deltas.push([n, delta]);
    count += n;
    total += n * delta;
  }
  const frames = stsz ? u32(buf, stsz, 8) : count;
  const constant = entries === 1 || (entries === 2 && deltas[1][0] === 1);
  const [num, den] = constant && deltas[0][1] > 0 ? [timescale, deltas[0][1]] : [timescale * count, total];
  return { frames, fps: den > 0 && num > 0 ? reduced(num, den) : null };
}

/** The track's edited length in seconds: null without an edit list; one edit at most. */
function editedSeconds(buf: Buffer, trak: Box, movieTimescale: number): number | null {
  const elst = boxAt(buf, trak, ['edts', 'elst']);
  if (!elst) return null;
  const v1 = u32(buf, elst, 0) >>> 24 === 1;
  const entries = u32(buf, elst, 4);
  if (entries === 0) return null;
  if (entries > 1) notPlain('more than one edit');
  const segment = v1 ? u64(buf, elst, 8) : u32(buf, elst, 8);
  const mediaTime = v1 ? i64(buf, elst, 16) : i32(buf, elst, 12);
  if (mediaTime < 0) notPlain('an empty edit');
  return segment > 0 ? segment / movieTimescale : null;
}

function reduced(num: number, den: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(num, den);
  return `${num / g}/${den / g}`;
}
