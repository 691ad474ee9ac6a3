import type { UpstreamRender } from '../upstream-api.js';
import { klingInput } from './kling.js';
import { seedanceInput } from './seedance.js';
import { veoInput } from './veo.js';

/** The model families the fal engine knows what to send to, told from the upstream model id. */
export type FalFamily = 'seedance-2-reference' | 'kling-o3-reference' | 'veo-3.1-reference';

const FAMILIES: { family: FalFamily; test: RegExp; input: (r: UpstreamRender) => Record<string, unknown> }[] = [
  { family: 'seedance-2-reference', test: /^bytedance\/seedance-2\.0\/(fast\/)?reference-to-video$/, input: seedanceInput },
  { family: 'kling-o3-reference', test: /^fal-ai\/kling-video\/o3\/[a-z0-9]+\/reference-to-video$/, input: klingInput },
  { family: 'veo-3.1-reference', test: /^fal-ai\/veo3\.1(\/fast)?\/reference-to-video$/, input: veoInput },
];

/** The family of an upstream model id, or null when the fal engine does not know it. */
export function falFamilyOf(model: string): FalFamily | null {
  return FAMILIES.find((f) => f.test.test(model))?.family ?? null;
}

/** The request body for the job; throws for a model of no known family. */
export function falInputFor(r: UpstreamRender): Record<string, unknown> {
  const f = FAMILIES.find((x) => x.test.test(r.model));
  if (!f) throw new Error(`the fal engine does not know the model family of '${r.model}'`);
  return f.input(r);
}

export const FAL_MODEL_EXAMPLES = [
  'bytedance/seedance-2.0/reference-to-video',
  'fal-ai/kling-video/o3/pro/reference-to-video',
  'fal-ai/veo3.1/reference-to-video',
] as const;
