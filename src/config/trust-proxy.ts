import { isIP } from 'node:net';
import { ConfigError, Env, readString } from './env-parsers';

/** Express's `trust proxy`: nothing, the number of proxy hops in front, or the proxies' addresses. */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 10;

/**
 * DG_TRUST_PROXY names which `X-Forwarded-For` hops to believe (SPEC §15): a hop count (`1`: the
 * address the nearest proxy saw) or a comma-separated list of proxy addresses and CIDRs. `true`
 * is refused: it believes the left-most address, which any client writes itself.
 */
export function readTrustProxy(env: Env): TrustProxy {
  const name = 'DG_TRUST_PROXY';
  const value = readString(env, name);
  if (value === undefined || ['false', 'no', 'off', '0'].includes(value.toLowerCase())) return false;
  if (['true', 'yes', 'on'].includes(value.toLowerCase())) {
    throw new ConfigError(
      name,
      'must name the trusted proxies: a hop count such as 1, or addresses/CIDRs such as 10.0.0.0/8 ("true" would trust every X-Forwarded-For hop, which clients can forge)',
    );
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_HOPS) throw new ConfigError(name, `must be a hop count between 0 and ${MAX_HOPS}, got ${hops}`);
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (!isAddressOrCidr(entry) && !RANGE_NAMES.has(entry)) {
      throw new ConfigError(
        name,
        `"${entry}" is neither an IP address, a CIDR nor one of ${[...RANGE_NAMES].join(', ')}`,
      );
    }
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (!version || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
