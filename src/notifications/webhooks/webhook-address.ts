import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** What an IP address is, for the decision to send a webhook to it. */
export type AddressClass = 'public' | 'private' | 'loopback' | 'link_local' | 'unspecified' | 'multicast' | 'reserved';

type Range = [first: bigint, bits: number, prefix: number, kind: Exclude<AddressClass, 'public'>];

const v4 = (text: string): bigint => text.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);

/** IPv4 ranges that are not globally reachable (IANA special-purpose registry, the parts that matter). */
const IPV4_RANGES: Range[] = (
  [
    ['0.0.0.0', 8, 'unspecified'],
    ['10.0.0.0', 8, 'private'],
    ['100.64.0.0', 10, 'private'], // carrier-grade NAT
    ['127.0.0.0', 8, 'loopback'],
    ['169.254.0.0', 16, 'link_local'], // includes cloud metadata (169.254.169.254)
    ['172.16.0.0', 12, 'private'],
    ['192.0.0.0', 24, 'reserved'],
    ['192.0.2.0', 24, 'reserved'],
    ['192.168.0.0', 16, 'private'],
    ['198.18.0.0', 15, 'reserved'],
    ['198.51.100.0', 24, 'reserved'],
    ['203.0.113.0', 24, 'reserved'],
    ['224.0.0.0', 4, 'multicast'],
    ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
  ] as const
).map(([first, prefix, kind]) => [v4(first), 32, prefix, kind]);

const IPV6_RANGES: Range[] = (
  [
    ['::', 128, 'unspecified'],
    ['::1', 128, 'loopback'],
    ['100::', 64, 'reserved'], // discard-only
    ['2001:db8::', 32, 'reserved'], // documentation
    ['fc00::', 7, 'private'], // unique local
    ['fe80::', 10, 'link_local'],
    ['fec0::', 10, 'private'], // site-local (deprecated)
    ['ff00::', 8, 'multicast'],
  ] as const
).map(([first, prefix, kind]) => [v6(first), 128, prefix, kind]);

/** IPv6 prefixes that embed an IPv4 address in their low 32 bits (mapped, compatible, NAT64). */
const EMBEDDED_V4_PREFIXES = [v6('::ffff:0:0'), v6('::'), v6('64:ff9b::')];

function v6(text: string): bigint {
  let address = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const n = v4(dotted[1]);
    address = `${address.slice(0, -dotted[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array(missing).fill('0'), ...groups(tail)];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function inRange(value: bigint, [first, bits, prefix]: Range): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === first >> shift;
}

function classifyV4(value: bigint): AddressClass {
  return IPV4_RANGES.find((r) => inRange(value, r))?.[3] ?? 'public';
}

/**
 * Classifies an IP address literal (IPv4, IPv6, with or without brackets or a zone id). IPv6
 * addresses that carry an IPv4 address (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d, and 6to4
 * 2002:AABB:CCDD::) are judged by that IPv4 address. Not an IP address → undefined.
 */
export function classifyAddress(literal: string): AddressClass | undefined {
  const address = literal.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return classifyV4(v4(address));
  if (family !== 6) return undefined;
  const value = v6(address);
  const fixed = IPV6_RANGES.find((r) => r[2] === 128 && r[0] === value);
  if (fixed) return fixed[3];
  if (EMBEDDED_V4_PREFIXES.some((p) => value >> 32n === p >> 32n)) return classifyV4(value & 0xffffffffn);
  if (value >> 112n === 0x2002n) return classifyV4((value >> 80n) & 0xffffffffn);
  return IPV6_RANGES.find((r) => inRange(value, r))?.[3] ?? 'public';
}

export type ResolvedAddress = { address: string; family: number };
export type AddressCheck = { ok: true; addresses: ResolvedAddress[] } | { ok: false; reason: string };

/** How long a lookup may take when the caller gives no bound. */
const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Resolves `hostname` (an IP literal is taken as is) and refuses it when any of its addresses is
 * not public. Checking all addresses, not just the first, means a name cannot smuggle a private
 * address in behind a public one. The lookup is bounded by `timeoutMs` (SPEC §15: a slow resolver
 * must not outlast a delivery's lease); the reason names the kind of address, never the address a
 * name resolved to (it would tell the caller about the internal network).
 */
export async function resolvePublicAddresses(
  hostname: string,
  timeoutMs = DEFAULT_LOOKUP_TIMEOUT_MS,
): Promise<AddressCheck> {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  if (isIP(bare)) {
    addresses = [{ address: bare, family: isIP(bare) }];
  } else {
    try {
      addresses = await withinTime(lookup(bare, { all: true, verbatim: true }), timeoutMs);
    } catch (e) {
      return {
        ok: false,
        reason: `host ${hostname} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      };
    }
  }
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (kind !== 'public')
      return { ok: false, reason: `host ${hostname} resolves to a ${(kind ?? 'invalid').replace('_', '-')} address` };
  }
  return { ok: true, addresses };
}

/** The lookup's answer, or an ETIMEOUT error once `ms` have passed (getaddrinfo cannot be cancelled). */
async function withinTime<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
