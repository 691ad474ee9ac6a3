import { type Dispatcher, request } from 'undici';
import { unreachable } from './fetch-errors.js';
import { parseSourceUrl, type SourceUrlRules } from './parse-source-url.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export const REQUEST_HEADERS = {
  'user-agent': 'sora-characters',
  accept: 'video/*, application/octet-stream;q=0.9, */*;q=0.1',
  // The bytes must be the file itself, never a compressed transfer of it.
  'accept-encoding': 'identity',
};

export interface CheckedRequestContext {
  rules: SourceUrlRules;
  /** A safe dispatcher: every resolved address is checked before connecting. */
  dispatcher: Dispatcher;
  maxRedirects: number;
  signal: AbortSignal;
  headers: Record<string, string>;
}

/** GET `start`, following redirects by hand: every Location is checked again before it is fetched. */
export async function requestFollowingRedirects(start: URL, ctx: CheckedRequestContext): Promise<{ response: Dispatcher.ResponseData; url: URL }> {
  let current = start;
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, { method: 'GET', headers: ctx.headers, dispatcher: ctx.dispatcher, signal: ctx.signal });
    if (!REDIRECT_STATUSES.has(response.statusCode)) return { response, url: current };
    // Not dumped: a redirect whose body never comes would hold every hop until the deadline.
    response.body.on('error', () => {}).destroy();
    const location = singleHeader(response.headers.location);
    if (!location) throw unreachable(`source answered HTTP ${response.statusCode} without a Location`);
    if (redirects >= ctx.maxRedirects) throw unreachable(`source redirected more than ${ctx.maxRedirects} times`);
    current = parseSourceUrl(resolveLocation(location, current), ctx.rules);
  }
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw unreachable('source redirected to an invalid URL');
  }
}

export function singleHeader(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}
