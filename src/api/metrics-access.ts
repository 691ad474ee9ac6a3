import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';
import { bearer } from './auth.js';

export interface MetricsAccessSettings {
  /** METRICS_TOKEN: a bearer token /metrics asks for. */
  metricsToken: string | null;
  /** METRICS_ALLOW: addresses and CIDRs (validated by the config) of the clients that may ask. */
  metricsAllow: string[];
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

const toRange = (s: string): Range => {
  if (s.includes('/')) return ipaddr.parseCIDR(s);
  const addr = ipaddr.parse(s);
  return [addr, addr.kind() === 'ipv4' ? 32 : 128];
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The onRequest hook of /metrics. The address checked is the TCP peer's, never X-Forwarded-For
 * (anyone can send that header); behind a proxy, allow the proxy or use the token.
 */
export function metricsAccess(s: MetricsAccessSettings) {
  const ranges = s.metricsAllow.map(toRange);
  const token = s.metricsToken ? digest(s.metricsToken) : null;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (ranges.length > 0) {
      const peer = req.raw.socket.remoteAddress;
      const addr = peer && ipaddr.isValid(peer) ? ipaddr.process(peer) : null;
      if (!addr || !ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits))) {
        throw new AppError('client_not_allowed', 'this address may not read /metrics (METRICS_ALLOW)');
      }
    }
    if (token) {
      const given = bearer(req);
      if (!given || !timingSafeEqual(digest(given), token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError('invalid_api_key', 'send the metrics token as Authorization: Bearer <METRICS_TOKEN>');
      }
    }
  };
}
