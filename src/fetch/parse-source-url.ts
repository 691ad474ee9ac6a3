import net from 'node:net';
import { AppError } from '../errors.js';
import { isForbiddenAddress } from './address-policy.js';
import type { AddressPolicy } from './download-options.js';

export interface SourceUrlRules {
  allowPrivate: boolean;
  isForbiddenAddress?: AddressPolicy;
}

/**
 * Validates a source URL before any connection is made. WHATWG URL parsing already rewrites
 * every IPv4 notation (decimal, octal, hex, short forms) into a dotted quad, so a literal IP
 * host is judged here in its canonical form; names are judged again after DNS by the
 * safe dispatcher.
 */
export function parseSourceUrl(input: string, rules: SourceUrlRules): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new AppError('invalid_url', 'url is not a valid URL', { param: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('invalid_url', 'url must use http or https', { param: 'url' });
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('invalid_url', 'url must not carry credentials', { param: 'url' });
  }
  if (url.hostname === '') {
    throw new AppError('invalid_url', 'url has no host', { param: 'url' });
  }
  if (rules.allowPrivate) return url;

  const host = hostWithoutBrackets(url.hostname);
  if (net.isIP(host) !== 0) {
    const forbidden = rules.isForbiddenAddress ?? isForbiddenAddress;
    if (forbidden(host)) throw notAllowed();
  } else if (isPrivateName(host)) {
    throw notAllowed();
  }
  return url;
}

export function hostWithoutBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function isPrivateName(hostname: string): boolean {
  // A trailing dot makes the same name fully qualified: `localhost.` is still localhost.
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.local') || name.endsWith('.internal');
}

export function notAllowed(): AppError {
  return new AppError('url_not_allowed', 'url points to a private or reserved network address', { param: 'url' });
}
