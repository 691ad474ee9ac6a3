/**
 * Reads ffmpeg's `-progress` output (key=value lines, in blocks ending with `progress=...`) and
 * turns `out_time_us` into a percent of the expected length: whole numbers, never decreasing,
 * scaled into 0..`ceiling` (the caller keeps the rest for the steps after the encode).
 */
export class ProgressReader {
  private buffered = '';
  private last = -1;

  constructor(
    private readonly totalUs: number,
    private readonly ceiling = 100,
  ) {}

  /** Feeds a chunk of stdout; returns the new percent when it went up, else null. */
  push(chunk: string): number | null {
    this.buffered += chunk;
    let raised: number | null = null;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      const p = this.line(line);
      if (p !== null) raised = p;
    }
    // A line is short; whatever does not end keeps at most a little.
    if (this.buffered.length > 4096) this.buffered = this.buffered.slice(-256);
    return raised;
  }

  get percent(): number {
    return Math.max(0, this.last);
  }

  private line(line: string): number | null {
    const eq = line.indexOf('=');
    if (eq < 0) return null;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    let p: number | null = null;
    if (key === 'out_time_us' || key === 'out_time_ms') {
      // Both are in microseconds (out_time_ms is misnamed); N/A or negative early on.
      const us = Number(value);
      if (!Number.isFinite(us) || us < 0 || this.totalUs <= 0) return null;
      p = Math.floor((Math.min(us, this.totalUs) / this.totalUs) * this.ceiling);
    } else if (key === 'progress' && value === 'end') {
      p = this.ceiling;
    }
    if (p === null || p <= this.last) return null;
    this.last = p;
    return p;
  }
}
