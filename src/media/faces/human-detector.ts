/**
 * A FaceDetector on @vladmandic/human (blazeface only) with the tfjs WASM backend.
 *
 * Why it is wired by hand:
 * - the package's `exports` map is broken for Node, so `dist/human.node-wasm.js` is loaded by
 *   file path with createRequire;
 * - that build `require`s @tensorflow/tfjs-core, -converter and -backend-wasm (not bundled);
 *   the .wasm binaries ship in @tensorflow/tfjs-backend-wasm/dist and are read from there;
 * - Human loads models with fetch(`file://...`), which Node's fetch refuses, so a tfjs IO
 *   router serves the model files from the package's `models/` folder (no global fetch patch).
 * Nothing is ever downloaded: Human's default wasmPath (a CDN) is replaced by the local folder.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { FaceBox, RgbFrame } from '../../characters/ports.js';
import type { FaceDetector } from './face-detector.js';

/** The tfjs packages human.node-wasm.js needs next to it (same version as Human was built with). */
export const HUMAN_WASM_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-wasm'] as const;

export class FaceDetectorUnavailableError extends Error {
  override readonly name = 'FaceDetectorUnavailableError';
}

export interface HumanDetectorOptions {
  /**
   * Faces scoring below this are dropped (blazeface confidence, 0.2..1). Default 0.7: clear
   * faces score 0.8-0.95, while testsrc2's timecode digits ("00" eyes) reach 0.65.
   */
  minScore?: number;
  /** At most this many faces per frame (up to 10). Default 5. */
  maxFaces?: number;
}

/* The few pieces of Human/tfjs this module touches (their own typings pull in tfjs types). */
interface TfTensor {
  dispose(): void;
}
interface ModelJson {
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
  [key: string]: unknown;
}
interface Tf {
  tensor4d(values: Int32Array, shape: [number, number, number, number], dtype: 'int32'): TfTensor;
  getBackend(): string;
  io: {
    registerLoadRouter(router: (url: string | string[]) => { load(): Promise<unknown> } | null): void;
    getModelArtifactsForJSON(json: ModelJson, loadWeights: (manifest: ModelJson['weightsManifest']) => Promise<[unknown[], ArrayBuffer]>): Promise<unknown>;
  };
}
interface HumanFace {
  box: [number, number, number, number];
  boxScore: number;
  score: number;
}
interface HumanInstance {
  tf: Tf;
  config: { wasmPath: string };
  init(): Promise<void>;
  load(): Promise<void>;
  detect(input: TfTensor): Promise<{ face: HumanFace[]; error?: string | null }>;
}
type HumanCtor = new (config: Record<string, unknown>) => HumanInstance;

export interface LoadedHuman {
  human: HumanInstance;
  backend: string;
  initMs: number;
}

const require = createRequire(import.meta.url);

/** The installed @vladmandic/human folder (resolving `package.json` is refused by its exports). */
export function humanPackageDir(): string {
  const main = require.resolve('@vladmandic/human'); // .../dist/human.node.js, resolved, not loaded
  return resolve(dirname(main), '..');
}

function missingTfPackages(fromDir: string): string[] {
  const missing: string[] = [];
  for (const name of HUMAN_WASM_PACKAGES) {
    try {
      require.resolve(name, { paths: [fromDir] });
    } catch {
      missing.push(name);
    }
  }
  return missing;
}

/** A tfjs load handler for `file://` model URLs under `modelsDir` only. */
function fileModelRouter(tf: Tf, modelsDir: string) {
  const prefix = modelsDir.endsWith(sep) ? modelsDir : modelsDir + sep;
  return (url: string | string[]) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const path = fileURLToPath(url);
    if (!path.startsWith(prefix)) return null;
    return {
      async load() {
        const json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const specs: unknown[] = [];
          const parts: Buffer[] = [];
          for (const group of manifest) {
            specs.push(...group.weights);
            for (const file of group.paths) {
              const weightPath = resolve(dirname(path), file);
              if (!weightPath.startsWith(prefix)) throw new Error(`model weight outside models dir: ${file}`);
              parts.push(await readFile(weightPath));
            }
          }
          const all = Buffer.concat(parts);
          return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
        });
      },
    };
  };
}

function humanConfig(modelsDir: string, wasmDir: string, minScore: number, maxFaces: number) {
  const off = { enabled: false };
  return {
    backend: 'wasm',
    wasmPath: wasmDir + sep,
    wasmPlatformFetch: false,
    modelBasePath: pathToFileURL(modelsDir + sep).href,
    debug: false,
    async: false,
    warmup: 'none',
    cacheModels: false,
    cacheSensitivity: 0, // never reuse the previous frame's result: every frame is a new picture
    deallocate: false,
    filter: off,
    face: {
      enabled: true,
      detector: {
        modelPath: 'blazeface.json',
        rotation: false,
        maxDetected: maxFaces,
        minConfidence: minScore,
        iouThreshold: 0.3,
        skipFrames: 0,
        skipTime: 0,
        scale: 1, // the face itself, not Human's 1.4x crop for facemesh
        return: false,
      },
      mesh: off,
      iris: off,
      emotion: off,
      description: off,
      antispoof: off,
      liveness: off,
      attention: off,
      gear: off,
    },
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
  };
}

let loading: Promise<LoadedHuman> | null = null;
/** Floors for the shared instance; each detector filters further with its own options. */
const HUMAN_MIN_CONFIDENCE = 0.2;
const HUMAN_MAX_FACES = 10;

/**
 * Loads Human once per process (blazeface only). Rejects with FaceDetectorUnavailableError
 * when the tfjs packages are missing; a failed load is not cached, so a later call retries.
 */
export function loadHuman(): Promise<LoadedHuman> {
  if (!loading) {
    loading = initHuman(HUMAN_MIN_CONFIDENCE, HUMAN_MAX_FACES).catch((err: unknown) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}

async function initHuman(minScore: number, maxFaces: number): Promise<LoadedHuman> {
  const started = performance.now();
  const pkgDir = humanPackageDir();
  const missing = missingTfPackages(pkgDir);
  if (missing.length > 0) {
    throw new FaceDetectorUnavailableError(`face detection needs ${missing.join(', ')} (version 4.22.0, the one @vladmandic/human 3.3.6 is built on)`);
  }
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm', { paths: [pkgDir] }));
  const modelsDir = join(pkgDir, 'models');
  const mod = require(join(pkgDir, 'dist', 'human.node-wasm.js')) as { Human?: HumanCtor; default?: HumanCtor };
  const Human = mod.Human ?? mod.default;
  if (!Human) throw new FaceDetectorUnavailableError('@vladmandic/human: no Human export in dist/human.node-wasm.js');
  const human = new Human(humanConfig(modelsDir, wasmDir, minScore, maxFaces));
  human.tf.io.registerLoadRouter(fileModelRouter(human.tf, modelsDir));
  await human.init();
  const backend = human.tf.getBackend();
  if (backend !== 'wasm') throw new FaceDetectorUnavailableError(`tfjs wasm backend did not start (got ${backend})`);
  await human.load();
  return { human, backend, initMs: performance.now() - started };
}

/** Detect calls share one Human; it is not re-entrant, so they run one at a time. */
let queue: Promise<unknown> = Promise.resolve();
function serialize<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

export function createHumanFaceDetector(options: HumanDetectorOptions = {}): FaceDetector {
  const minScore = Math.max(options.minScore ?? 0.7, HUMAN_MIN_CONFIDENCE);
  const maxFaces = Math.min(options.maxFaces ?? 5, HUMAN_MAX_FACES);
  return {
    async detect(frame: RgbFrame): Promise<FaceBox[]> {
      const { human } = await loadHuman();
      const square = await letterbox(frame);
      return serialize(async () => {
        const pixels = new Int32Array(square.data.length);
        for (let i = 0; i < square.data.length; i++) pixels[i] = square.data[i];
        const input = human.tf.tensor4d(pixels, [1, square.side, square.side, 3], 'int32');
        try {
          const result = await human.detect(input);
          if (result.error) throw new Error(`face detection failed: ${result.error}`);
          return result.face
            .map((f) => toFaceBox(f, square, frame.width, frame.height))
            .filter((b): b is FaceBox => b !== null && b.score >= minScore)
            .sort((a, b) => b.score - a.score)
            .slice(0, maxFaces);
        } finally {
          input.dispose();
        }
      });
    },
  };
}

/** Side of the square picture blazeface is given (its model input is 256x256). */
const DETECT_SIDE = 256;

interface Letterboxed {
  data: Buffer;
  side: number;
  scale: number;
  left: number;
  top: number;
}

/**
 * The frame scaled to fit a black square, as blazeface expects: Human stretches a non-square
 * input to its square model input, which squeezes faces and inflates their boxes by ~1.5x
 * on 16:9 frames. Letterboxing keeps boxes the same size whatever the frame's shape.
 */
async function letterbox(frame: RgbFrame): Promise<Letterboxed> {
  const { width, height, data } = frame;
  if (data.length !== width * height * 3) throw new Error(`frame is not packed RGB ${width}x${height}`);
  const long = Math.max(width, height);
  const side = Math.min(long, DETECT_SIDE);
  const scale = side / long;
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const left = Math.floor((side - w) / 2);
  const top = Math.floor((side - h) / 2);
  const out = await sharp(data, { raw: { width, height, channels: 3 } })
    .resize(w, h, { fit: 'fill' })
    .extend({ left, right: side - w - left, top, bottom: side - h - top, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  return { data: out, side, scale, left, top };
}

function toFaceBox(face: HumanFace, sq: Letterboxed, frameW: number, frameH: number): FaceBox | null {
  const bx = (face.box[0] - sq.left) / sq.scale;
  const by = (face.box[1] - sq.top) / sq.scale;
  const bw = face.box[2] / sq.scale;
  const bh = face.box[3] / sq.scale;
  const x0 = Math.max(0, Math.round(bx));
  const y0 = Math.max(0, Math.round(by));
  const x1 = Math.min(frameW, Math.round(bx + bw));
  const y1 = Math.min(frameH, Math.round(by + bh));
  if (x1 - x0 < 2 || y1 - y0 < 2) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: face.boxScore ?? face.score };
}
