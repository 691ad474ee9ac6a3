import dns from 'node:dns/promises';
import net, { type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { isForbiddenAddress } from './address-policy.js';
import type { AddressPolicy, HostResolver } from './download-options.js';
import { hostWithoutBrackets, notAllowed } from './parse-source-url.js';

export interface SafeDispatcherOptions {
  allowPrivate: boolean;
  resolveHost?: HostResolver;
  isForbiddenAddress?: AddressPolicy;
  connectTimeoutMs?: number;
}

export const systemResolver: HostResolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/**
 * An undici Agent that only ever connects to addresses it has checked itself. The hostname is
 * resolved once, every address it yields is judged, and the socket connects to those very
 * addresses, so a DNS answer cannot change between the check and the connect (rebinding).
 */
export function createSafeDispatcher(options: SafeDispatcherOptions): Agent {
  const resolveHost = options.resolveHost ?? systemResolver;
  const forbidden = options.isForbiddenAddress ?? isForbiddenAddress;
  const mayReach = (ip: string): boolean => options.allowPrivate || !forbidden(ip);

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolveHost(hostname).then(
      (found) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const addresses = found.filter((a) => wanted === 0 || a.family === wanted);
        if (addresses.length === 0) return callback(notFound(hostname), '');
        // One bad answer condemns the name: connecting to the good ones would still let the
        // name's owner steer some connections inward.
        if (!addresses.every((a) => mayReach(a.address))) return callback(notAllowed(), '');
        // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily).
        if (lookupOptions.all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      },
      (err: unknown) => callback(err instanceof Error ? (err as NodeJS.ErrnoException) : notFound(hostname), ''),
    );
  };

  const connectViaCheckedLookup = buildConnector({ lookup, timeout: options.connectTimeoutMs ?? 10_000 });

  return new Agent({
    connect(connectOptions, callback) {
      // net.connect skips the lookup for IP literals, so those are judged here.
      const host = hostWithoutBrackets(connectOptions.hostname);
      if (net.isIP(host) !== 0 && !mayReach(host)) {
        process.nextTick(callback, notAllowed(), null);
        return;
      }
      connectViaCheckedLookup(connectOptions, callback);
    },
  });
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`could not resolve ${hostname}`);
  err.code = 'ENOTFOUND';
  return err;
}
