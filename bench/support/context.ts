import type { FileServer } from './file-server.js';
import type { Inputs } from './inputs.js';
import type { ServiceProcess } from './service.js';

export interface BenchConfig {
  quick: boolean;
  /** Sequential creations (each paired with a floor run) of the latency figure. */
  latencyRounds: number;
  /** Repetitions of every other figure. */
  reps: number;
  /** Concurrency levels of the throughput figure, and creations per batch at each. */
  throughputLevels: number[];
  batchSize: (concurrency: number) => number;
  /** Size of the memory test's source. */
  bigBytes: number;
  /** Requests per read-path run, and how many at once. */
  readRequests: number;
  readConcurrency: number;
  /** Frames timed per portrait-stage repetition. */
  portraitFrames: number;
}

export interface BenchContext {
  cfg: BenchConfig;
  inputs: Inputs;
  /** The loopback origin: `short` and `long` honour Range, `big` does not. */
  origin: FileServer;
  /** The service under test (the memory section starts its own). */
  service: ServiceProcess;
  log(line: string): void;
}
