import { isIP } from 'node:net';

/**
 * What kind of network an IP address belongs to. Only `public` addresses are webhook
 * destinations by default; `loopback` is allowed for local use; the rest never are.
 */
export type AddressClass =
  | 'public'
  /** 127.0.0.0/8, ::1. */
  | 'loopback'
  /** 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7, fec0::/10. */
  | 'private'
  /** 169.254/16, fe80::/10. */
  | 'link-local'
  /** Instance metadata: 169.254.169.254, fd00:ec2::254. */
  | 'metadata'
  /** Unspecified, documentation, benchmarking, multicast, reserved, translation ranges. */
  | 'reserved'
  /** Not an IP address at all. */
  | 'invalid';

/** Which destinations a webhook may reach. */
export interface AddressPolicy {
  /** Allow `http:` URLs (local use only); default `https:` only. */
  readonly allowHttp: boolean;
  /** Allow loopback addresses (127/8, ::1) for a local receiver; never on AWS. */
  readonly allowLoopback: boolean;
}

/** The production policy: https to public addresses only. */
export const STRICT_ADDRESS_POLICY: AddressPolicy = Object.freeze({ allowHttp: false, allowLoopback: false });

/** Whether `policy` lets a webhook connect to an address of this class. */
export function isAddressClassAllowed(kind: AddressClass, policy: AddressPolicy): boolean {
  return kind === 'public' || (kind === 'loopback' && policy.allowLoopback);
}

interface Range {
  readonly base: bigint;
  readonly bits: number;
  readonly kind: Exclude<AddressClass, 'public' | 'invalid'>;
}

// Most specific first: the first range that contains the address wins.
const IPV4_RANGES: readonly Range[] = [
  v4('169.254.169.254', 32, 'metadata'),
  v4('0.0.0.0', 8, 'reserved'), // "this network": 0.0.0.0 reaches the local host on Linux
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'private'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'reserved'),
  v4('192.88.99.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('198.51.100.0', 24, 'reserved'),
  v4('203.0.113.0', 24, 'reserved'),
  v4('224.0.0.0', 4, 'reserved'),
  v4('240.0.0.0', 4, 'reserved'),
];

const IPV6_RANGES: readonly Range[] = [
  v6('fd00:ec2::254', 128, 'metadata'),
  v6('::', 128, 'reserved'),
  v6('::1', 128, 'loopback'),
  v6('64:ff9b:1::', 48, 'private'),
  v6('100::', 64, 'reserved'),
  v6('2001::', 32, 'reserved'), // Teredo: the IPv4 address inside is obfuscated
  v6('2001:db8::', 32, 'reserved'),
  v6('fc00::', 7, 'private'),
  v6('fe80::', 10, 'link-local'),
  v6('fec0::', 10, 'private'),
  v6('ff00::', 8, 'reserved'),
];

/** IPv6 prefixes that carry an IPv4 address: the address is judged by the IPv4 inside. */
const IPV4_CARRIERS: readonly { base: bigint; bits: number; extract: (n: bigint) => bigint }[] = [
  { base: parseV6('::ffff:0:0'), bits: 96, extract: (n) => n & 0xffffffffn }, // IPv4-mapped
  { base: parseV6('::'), bits: 96, extract: (n) => n & 0xffffffffn }, // IPv4-compatible (deprecated)
  { base: parseV6('64:ff9b::'), bits: 96, extract: (n) => n & 0xffffffffn }, // NAT64
  { base: parseV6('2002::'), bits: 16, extract: (n) => (n >> 80n) & 0xffffffffn }, // 6to4
];
const GLOBAL_UNICAST = { base: parseV6('2000::'), bits: 3 };

/**
 * Classifies an IP address (v4 or v6, without brackets). IPv6 forms that embed an IPv4
 * address (mapped `::ffff:a.b.c.d`, NAT64, 6to4) are judged by that IPv4 address, so
 * `::ffff:169.254.169.254` is `metadata`, not `public`.
 *
 * @example
 * classifyAddress('169.254.169.254'); // 'metadata'
 * classifyAddress('::ffff:7f00:1');   // 'loopback'
 */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return classifyV4(parseV4(address));
  if (family !== 6) return 'invalid';
  const n = parseV6(address.replace(/%.*$/, '')); // a zone id means link-local scope anyway
  for (const range of IPV6_RANGES) if (inRange(n, range.base, range.bits, 128)) return range.kind;
  for (const carrier of IPV4_CARRIERS) {
    if (inRange(n, carrier.base, carrier.bits, 128)) return classifyV4(carrier.extract(n));
  }
  return inRange(n, GLOBAL_UNICAST.base, GLOBAL_UNICAST.bits, 128) ? 'public' : 'reserved';
}

function classifyV4(n: bigint): AddressClass {
  for (const range of IPV4_RANGES) if (inRange(n, range.base, range.bits, 32)) return range.kind;
  return 'public';
}

function inRange(n: bigint, base: bigint, bits: number, width: number): boolean {
  const shift = BigInt(width - bits);
  return n >> shift === base >> shift;
}

function v4(address: string, bits: number, kind: Range['kind']): Range {
  return { base: parseV4(address), bits, kind };
}

function v6(address: string, bits: number, kind: Range['kind']): Range {
  return { base: parseV6(address), bits, kind };
}

function parseV4(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** A valid IPv6 text (as `isIP` accepts it) -> its 128-bit value. */
function parseV6(address: string): bigint {
  let text = address.toLowerCase();
  // An embedded dotted IPv4 tail becomes two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const n = parseV4(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}
