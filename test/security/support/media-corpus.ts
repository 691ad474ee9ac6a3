/**
 * Mutated and truncated media, made by the test from a few small generated videos: random byte
 * flips, cuts at random offsets, one file's header spliced onto another's body, zeroed and
 * repeated ranges, and MP4 box sizes rewritten. Seeded: a seed and an index name one file.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeVideo } from '../../support/videos.js';

const exec = promisify(execFile);

/** mulberry32: a small seeded PRNG, enough to make a corpus that is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Seed {
  name: string;
  bytes: Buffer;
  type: string;
}

/** The originals: H.264 MP4 (moov first and last), VP9 WebM, and the same H.264 in Matroska. */
export async function corpusSeeds(dir: string): Promise<Seed[]> {
  const mp4 = await makeVideo({ durationSec: 4, width: 320, height: 180 });
  const mp4MoovLast = await makeVideo({ durationSec: 4, width: 320, height: 180, faststart: false });
  const webm = await makeVideo({ durationSec: 4, width: 320, height: 180, codec: 'vp9' });
  const mkv = join(dir, 'seed.mkv');
  await exec(process.env.FFMPEG_PATH || 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', mp4, '-c', 'copy', mkv]);
  return [
    { name: 'mp4', bytes: await readFile(mp4), type: 'video/mp4' },
    { name: 'mp4-moov-last', bytes: await readFile(mp4MoovLast), type: 'video/mp4' },
    { name: 'webm', bytes: await readFile(webm), type: 'video/webm' },
    { name: 'mkv', bytes: await readFile(mkv), type: 'video/x-matroska' },
  ];
}

export interface Mutant {
  name: string;
  path: string;
  type: string;
  /** What was done to the seed, for failure messages. */
  how: string;
}

type Mutation = (b: Buffer, rnd: () => number, other: Buffer) => { bytes: Buffer; how: string };
const at = (rnd: () => number, n: number) => Math.floor(rnd() * n);

const MUTATIONS: Mutation[] = [
  (b, rnd) => {
    const out = Buffer.from(b);
    const flips = 1 + at(rnd, 64);
    for (let i = 0; i < flips; i++) out[at(rnd, out.length)] ^= 1 << at(rnd, 8);
    return { bytes: out, how: `${flips} bit flips` };
  },
  (b, rnd) => {
    // Flips concentrated in the first 4 KiB, where the container headers are.
    const out = Buffer.from(b);
    const flips = 1 + at(rnd, 16);
    for (let i = 0; i < flips; i++) out[at(rnd, Math.min(4096, out.length))] = at(rnd, 256);
    return { bytes: out, how: `${flips} header bytes replaced` };
  },
  (b, rnd) => {
    const cut = at(rnd, b.length);
    return { bytes: b.subarray(0, cut), how: `truncated at ${cut}/${b.length}` };
  },
  (b, rnd, other) => {
    const head = 64 + at(rnd, 4096);
    const from = at(rnd, other.length);
    return { bytes: Buffer.concat([b.subarray(0, head), other.subarray(from)]), how: `first ${head} bytes spliced onto another file from ${from}` };
  },
  (b, rnd) => {
    const out = Buffer.from(b);
    const start = at(rnd, out.length);
    const len = at(rnd, 64 * 1024);
    out.fill(0, start, Math.min(out.length, start + len));
    return { bytes: out, how: `${len} bytes zeroed at ${start}` };
  },
  (b, rnd) => {
    const start = at(rnd, b.length);
    const len = 1 + at(rnd, 32 * 1024);
    const times = 1 + at(rnd, 20);
    const chunk = b.subarray(start, start + len);
    return {
      bytes: Buffer.concat([b.subarray(0, start), ...Array.from({ length: times }, () => chunk), b.subarray(start)]),
      how: `${len} bytes at ${start} repeated ${times}x`,
    };
  },
  (b, rnd) => {
    // An MP4/MOV box size (or an EBML size byte) rewritten to 0, 1, tiny or huge.
    const out = Buffer.from(b);
    const names = ['moov', 'mdat', 'trak', 'stsz', 'stco', 'mvhd', 'avcC'].map((n) => out.indexOf(n)).filter((i) => i >= 4);
    const pos = names.length ? names[at(rnd, names.length)]! - 4 : at(rnd, Math.max(1, out.length - 4));
    const size = [0, 1, 7, 0xffffffff, 0x7fffffff, at(rnd, 1 << 20)][at(rnd, 6)]!;
    out.writeUInt32BE(size >>> 0, Math.min(pos, out.length - 4));
    return { bytes: out, how: `box size at ${pos} set to ${size}` };
  },
];

/** `count` mutants of the seeds, written under `dir`; the same seed gives the same files. */
export async function writeMutants(seeds: Seed[], count: number, seed: number, dir: string): Promise<Mutant[]> {
  const rnd = seededRandom(seed);
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const s = seeds[i % seeds.length]!;
    const other = seeds[(i + 1 + at(rnd, seeds.length - 1)) % seeds.length]!;
    // Some files get two mutations in a row.
    let { bytes, how } = MUTATIONS[at(rnd, MUTATIONS.length)]!(s.bytes, rnd, other.bytes);
    if (rnd() < 0.25) {
      const second = MUTATIONS[at(rnd, MUTATIONS.length)]!(bytes, rnd, other.bytes);
      bytes = second.bytes;
      how = `${how}, then ${second.how}`;
    }
    const name = `m${String(i).padStart(4, '0')}-${s.name}`;
    const path = join(dir, name);
    await writeFile(path, bytes);
    out.push({ name, path, type: s.type, how: `${s.name}: ${how}` });
  }
  return out;
}
