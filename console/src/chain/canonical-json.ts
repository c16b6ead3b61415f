/**
 * Canonical JSON as SPEC §5.4 defines it, for hashing in the browser: object keys sorted by
 * Unicode code point (not by UTF-16 code unit, JavaScript's default), no whitespace, non-ASCII
 * written raw, arrays in order, undefined members left out. The API's values are JSON already
 * (parsed from a response), so there is no toJSON or non-finite number to deal with.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value)
        ? `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
        : writeObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

function writeObject(object: Record<string, unknown>): string {
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort(compareCodePoints)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
}

/** Code point order: surrogates (astral characters) sort after U+E000–U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = weight(a.charCodeAt(i));
    const y = weight(b.charCodeAt(i));
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

function weight(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** `sha256:<hex>` of the text's UTF-8 bytes, with WebCrypto. */
export async function sha256Tagged(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return `sha256:${hex}`;
}
