import type { Answer } from './invariants.js';

/** Counts answers by status and error code, so a run shows which checks its inputs reached. */
export class AnswerTally {
  private readonly counts = new Map<string, number>();

  add(res: Answer): void {
    let code = '';
    try {
      code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code ?? '';
    } catch {
      /* not JSON */
    }
    const key = `${res.statusCode}${code ? ` ${code}` : ''}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  summary(): string {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  }
}
