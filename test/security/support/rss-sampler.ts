/**
 * The resident set of this process, sampled while something runs. The harness runs the service in
 * the test process, so its memory is this process's memory.
 */
export interface RssSampler {
  /** Highest RSS seen, bytes. */
  peak(): number;
  stop(): number;
}

export function sampleRss(everyMs = 25): RssSampler {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, everyMs);
  return {
    peak: () => peak,
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak;
    },
  };
}

export const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
