import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';

/**
 * The client address that the profile pages' rate limit counts by.
 *
 * Not `req.ip`: with `trustProxy: true` it is the leftmost X-Forwarded-For entry, which any
 * client writes, so a client could take a fresh count on every request. Instead:
 * - the socket's peer address, when it is a public address (the client itself);
 * - when the peer is loopback, private or link-local (a reverse proxy in front of the service),
 *   the rightmost X-Forwarded-For entry: the address that proxy saw, which the client cannot
 *   choose. One proxy hop is assumed: behind a chain, every client counts as the nearest hop's
 *   previous one.
 * IPv6 addresses count by their /64, the block one subscriber gets.
 */
export function clientAddress(req: FastifyRequest): string {
  const peer = req.socket.remoteAddress ?? '';
  const forwarded = isProxyHop(peer) ? lastForwarded(req.headers['x-forwarded-for']) : null;
  return addressKey(forwarded ?? peer);
}

function lastForwarded(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return null;
  const last = value.split(',').at(-1)?.trim() ?? '';
  return ipaddr.isValid(last) ? last : null;
}

function isProxyHop(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const range = ipaddr.process(address).range();
  return range === 'loopback' || range === 'private' || range === 'linkLocal' || range === 'uniqueLocal';
}

function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.process(address);
  if (a.kind() === 'ipv4') return a.toString();
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
