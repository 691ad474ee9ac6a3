import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { optionalTiers } from './support/tiers.js';

/**
 * The global setup of the integration and e2e projects (the unit project needs no ffmpeg and has
 * none): fails fast with one clear line when the machine lacks what the suites need; names the
 * optional suites of this project that will not run, at the start and at the end.
 */
export default function setup(project: TestProject): () => void {
  for (const bin of [process.env.FFMPEG_PATH ?? 'ffmpeg', process.env.FFPROBE_PATH ?? 'ffprobe']) {
    try {
      execFileSync(bin, ['-version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${bin} is not installed: the test suites run real ffmpeg (apt-get install ffmpeg)`);
    }
  }
  const skipped = optionalTiers().filter((t) => t.project === project.name && !t.available);
  if (skipped.length > 0 && process.env.SORA_REQUIRE_TIERS === 'all') {
    throw new Error(`SORA_REQUIRE_TIERS=all but these tiers cannot run: ${skipped.map((t) => `${t.name} (${t.howTo})`).join('; ')}`);
  }
  const banner = () => {
    if (skipped.length === 0) return;
    const lines = skipped.map((t) => `  SKIPPED: ${t.name} — to run it, ${t.howTo}`);
    console.warn(['', '!'.repeat(78), ...lines, '!'.repeat(78), ''].join('\n'));
  };
  banner();
  return banner;
}
