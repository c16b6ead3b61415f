import { createHash } from 'node:crypto';

/**
 * Canonical JSON (SPEC §5.4): the one byte form that payload hashes, event hashes and export
 * digests are computed over, so that any client can recompute them.
 *
 * Object keys are sorted by Unicode code point, no whitespace, non-ASCII written raw, arrays kept
 * in order. Otherwise it writes what JSON.stringify would (`toJSON` honoured, undefined members
 * omitted, undefined array items written as null), so that a value and its JSON round trip hash
 * the same. Values with no JSON form (non-finite numbers, bigint, functions, symbols) throw: a hash
 * over a silently altered value would be worse than an error.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, '');
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form (undefined)');
  return text;
}

/** Lower-case hex of the SHA-256 of the text's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `sha256:<hex>`, the form every hash takes in the API. */
export function sha256Tagged(text: string): string {
  return `sha256:${sha256Hex(text)}`;
}

/**
 * Orders strings by code point. JavaScript's default comparison is by UTF-16 code unit, which puts
 * astral characters (surrogate pairs, D800–DFFF) before U+E000–U+FFFF; lifting surrogates above
 * that range at the first differing unit gives code point order without decoding the strings.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointWeight(x) - codePointWeight(y);
  }
  return a.length - b.length;
}

function codePointWeight(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Returns undefined for the members JSON leaves out (undefined), like JSON.stringify does. */
function write(input: unknown, key: string): string | undefined {
  const value = withToJson(input, key);
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value) : writeObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

function withToJson(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  return value;
}

function writeArray(items: readonly unknown[]): string {
  const parts = items.map((item, index) => write(item, String(index)) ?? 'null');
  return `[${parts.join(',')}]`;
}

function writeObject(object: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of Object.keys(object).sort(compareCodePoints)) {
    const member = write(object[key], key);
    if (member !== undefined) parts.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${parts.join(',')}}`;
}
