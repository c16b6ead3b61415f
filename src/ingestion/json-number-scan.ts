/**
 * Finds, in the raw JSON text of a request, the numbers the decision log refuses: floats (any
 * token with `.`, `e` or `E`, so `1.0` counts although JSON.parse makes it 1) and integers beyond
 * ±(2^53−1), which JSON.parse silently rounds. It reads the text because Node 20's JSON.parse
 * reviver cannot see a number's source.
 */
export type JsonNumberScan = { floats: string[]; unsafeIntegers: string[] };

/**
 * Numbers up to this depth are reported with their exact paths (`$.events[3].trace_seq` is depth
 * 3); deeper down, only the first float and the first unsafe integer of each depth-3 subtree. That
 * answers "the first one under X" for any X up to depth 3, which is all validation asks, and keeps
 * the output linear: every float of a hostile 1 MiB body, each with a long path, would not be.
 */
export const EXACT_PATH_DEPTH = 3;

/** Longer keys are shortened in paths so that an error message cannot echo a megabyte key. */
export const MAX_PATH_KEY_CHARS = 64;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Integers with fewer digits than this are always safe, so BigInt is only needed for the rest. */
const SAFE_DIGITS = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** `parent.key`, or `parent["odd key"]` when the key is not a plain identifier (or is shortened). */
export function memberPath(parent: string, key: string): string {
  if (key.length > MAX_PATH_KEY_CHARS) return `${parent}[${JSON.stringify(`${key.slice(0, MAX_PATH_KEY_CHARS)}…`)}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Scans text already known to be valid JSON, in one pass. */
export function scanJsonNumbers(rawText: string): JsonNumberScan {
  const scanner = new NumberScanner(rawText);
  scanner.run();
  const result = { floats: scanner.floats.paths, unsafeIntegers: scanner.unsafeIntegers.paths };
  FIRST_UNDER.set(result.floats, scanner.floats.firstUnder);
  FIRST_UNDER.set(result.unsafeIntegers, scanner.unsafeIntegers.firstUnder);
  return result;
}

/**
 * The first path of `paths` (in document order) equal to `prefix` or inside it. `prefix` must be
 * at most EXACT_PATH_DEPTH deep. Lists from scanJsonNumbers answer from an index built during the
 * scan, so validating each of 500 batch items does not rescan the list; other lists are searched.
 */
export function firstPathUnder(paths: readonly string[], prefix: string): string | undefined {
  if (prefix === '$') return paths[0];
  const index = FIRST_UNDER.get(paths);
  if (index) return index.get(prefix);
  return paths.find((path) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`));
}

const FIRST_UNDER = new WeakMap<readonly string[], ReadonlyMap<string, string>>();

type Frame = {
  isArray: boolean;
  /** Index of the current item (arrays). */
  index: number;
  /** Raw text span of the current member's key, quotes included (objects). */
  keyStart: number;
  keyEnd: number;
  expectKey: boolean;
  /** Where this container sits in its parent, captured when it opens. */
  ownIndex: number;
  ownKeyStart: number;
  ownKeyEnd: number;
  /** This container's path, built only when a report needs it, then kept. */
  path: string | undefined;
  reportedFloat: boolean;
  reportedUnsafe: boolean;
};

type Found = { paths: string[]; firstUnder: Map<string, string> };

class NumberScanner {
  readonly floats: Found = { paths: [], firstUnder: new Map() };
  readonly unsafeIntegers: Found = { paths: [], firstUnder: new Map() };
  private readonly frames: Frame[] = [];
  private position = 0;

  constructor(private readonly text: string) {}

  run(): void {
    const { text } = this;
    while (this.position < text.length) {
      const c = text.charCodeAt(this.position);
      if (c === QUOTE) this.string();
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.open(c === OPEN_BRACKET);
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.close();
      else if (c === COMMA) this.comma();
      else if (c === MINUS || (c >= ZERO && c <= NINE)) this.number();
      // Whitespace, ':' and the letters of true, false and null change nothing.
      else this.position++;
    }
  }

  private string(): void {
    const start = this.position;
    this.position = stringEnd(this.text, start);
    const top = this.top();
    if (top && !top.isArray && top.expectKey) {
      top.keyStart = start;
      top.keyEnd = this.position;
      top.expectKey = false;
    }
  }

  private open(isArray: boolean): void {
    const parent = this.top();
    this.frames.push({
      isArray,
      index: 0,
      keyStart: -1,
      keyEnd: -1,
      expectKey: !isArray,
      ownIndex: parent?.isArray ? parent.index : -1,
      ownKeyStart: parent && !parent.isArray ? parent.keyStart : -1,
      ownKeyEnd: parent && !parent.isArray ? parent.keyEnd : -1,
      path: undefined,
      reportedFloat: false,
      reportedUnsafe: false,
    });
    this.position++;
  }

  private close(): void {
    this.frames.pop();
    this.position++;
  }

  private comma(): void {
    const top = this.top();
    if (top?.isArray) top.index++;
    else if (top) top.expectKey = true;
    this.position++;
  }

  private number(): void {
    const { text } = this;
    const start = this.position;
    let isFloat = false;
    let end = start;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === DOT || c === LOWER_E || c === UPPER_E) isFloat = true;
      else if (!(c === MINUS || c === PLUS || (c >= ZERO && c <= NINE))) break;
    }
    this.position = end;
    if (isFloat) this.report(this.floats, 'reportedFloat');
    else if (end - start >= SAFE_DIGITS && isUnsafeInteger(text.slice(start, end))) {
      this.report(this.unsafeIntegers, 'reportedUnsafe');
    }
  }

  private report(found: Found, flag: 'reportedFloat' | 'reportedUnsafe'): void {
    const depth = this.frames.length;
    if (depth > EXACT_PATH_DEPTH) {
      const anchor = this.frames[EXACT_PATH_DEPTH];
      if (anchor[flag]) return;
      anchor[flag] = true;
    }
    const top = this.top();
    const path = top
      ? this.childPath(this.containerPath(depth - 1), top.isArray, top.index, top.keyStart, top.keyEnd)
      : '$';
    found.paths.push(path);
    if (depth <= EXACT_PATH_DEPTH && !found.firstUnder.has(path)) found.firstUnder.set(path, path);
    for (let level = 1; level < depth && level <= EXACT_PATH_DEPTH; level++) {
      const ancestor = this.containerPath(level);
      if (!found.firstUnder.has(ancestor)) found.firstUnder.set(ancestor, path);
    }
  }

  /** Builds paths downwards from the deepest container that has one, so deep nesting cannot recurse. */
  private containerPath(level: number): string {
    let known = level;
    while (known >= 0 && this.frames[known].path === undefined) known--;
    for (let next = known + 1; next <= level; next++) {
      const frame = this.frames[next];
      const parent = this.frames[next - 1]?.path as string;
      frame.path =
        next === 0
          ? '$'
          : this.childPath(parent, frame.ownIndex >= 0, frame.ownIndex, frame.ownKeyStart, frame.ownKeyEnd);
    }
    return this.frames[level].path as string;
  }

  private childPath(parent: string, inArray: boolean, index: number, keyStart: number, keyEnd: number): string {
    return inArray ? indexPath(parent, index) : memberPath(parent, decodeKey(this.text, keyStart, keyEnd));
  }

  private top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return text.length;
}

function decodeKey(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

function isUnsafeInteger(token: string): boolean {
  const value = BigInt(token);
  return value > MAX_SAFE || value < -MAX_SAFE;
}
