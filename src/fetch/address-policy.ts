import net from 'node:net';
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * True when the service must not connect to `ip`: anything that is not plain public unicast.
 * Unparseable input is refused too, so a caller can never fail open.
 */
export function isForbiddenAddress(ip: string): boolean {
  if (net.isIP(ip) === 0) return true;
  let addr: IPv4 | IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return true;
  }
  return addr.kind() === 'ipv4' ? isForbiddenIPv4(addr as IPv4) : isForbiddenIPv6(addr as IPv6);
}

function isForbiddenIPv4(addr: IPv4): boolean {
  // ipaddr names loopback, private, link-local, CGNAT, unspecified, broadcast, multicast,
  // documentation and reserved ranges; only what it calls 'unicast' is left.
  return addr.range() !== 'unicast';
}

function isForbiddenIPv6(addr: IPv6): boolean {
  const embedded = embeddedIPv4(addr);
  if (embedded) return isForbiddenIPv4(embedded);
  if (!addr.match(GLOBAL_UNICAST_V6)) return true;
  // Teredo, benchmarking, ORCHID, documentation and the like are not 'unicast' to ipaddr.
  return addr.range() !== 'unicast';
}

/**
 * The IPv4 address an IPv6 address stands for, when the network may route it to that IPv4
 * host: mapped (::ffff:a.b.c.d), SIIT (::ffff:0:a.b.c.d), compatible (::a.b.c.d, which also
 * covers :: and ::1), NAT64 well-known prefix and 6to4.
 */
function embeddedIPv4(addr: IPv6): IPv4 | null {
  const p = addr.parts;
  const range = addr.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || addr.match(NAT64_WELL_KNOWN) || isCompatible(p)) {
    return fromParts(p[6], p[7]);
  }
  if (range === '6to4') return fromParts(p[1], p[2]);
  return null;
}

function isCompatible(parts: number[]): boolean {
  return parts.slice(0, 6).every((part) => part === 0);
}

function fromParts(high: number, low: number): IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
