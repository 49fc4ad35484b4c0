/**
 * JSON as ComfyUI's Python writes and reads it. The real server answers with
 * `json.dumps` defaults (", " and ": " separators, non-ASCII escaped), keeps dict
 * insertion order even for numeric keys (a JS object would move node "3" before
 * "4"), and keeps floats as floats (`5.0`, `7.0`). Mirroring this makes the fake's
 * bodies byte-for-byte comparable with the recordings.
 */

/** A number with the exact text Python would print for it (`7.0`, `18446744073709551615`). */
export class PyNum {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}

  valueOf(): number {
    return this.value;
  }

  toJSON(): number {
    return this.value;
  }
}

/** A dict: a Map, because only a Map keeps "4", "5", "3" in the order they came. */
export type JsonObject = Map<string, Json>;
export type Json = null | boolean | number | string | PyNum | Json[] | JsonObject;

export function pyFloat(value: number): PyNum {
  return new PyNum(value, formatPyFloat(value));
}

export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof PyNum) return value.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return NaN;
}

export function isNumeric(value: unknown): value is number | PyNum | boolean {
  return typeof value === 'number' || value instanceof PyNum || typeof value === 'boolean';
}

/** Python's float repr: shortest round-trip digits, `.0` on integral values, exponent outside 1e-4..1e16. */
export function formatPyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp <= 15) {
    const fixed = String(x);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const sign = exp < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export function formatPyInt(x: number): string {
  return Math.abs(x) < 1e21 ? String(x) : BigInt(Math.trunc(x)).toString();
}

function formatJsNumber(x: number): string {
  return Number.isInteger(x) ? formatPyInt(x) : jsonFloatText(formatPyFloat(x));
}

function jsonFloatText(repr: string): string {
  if (repr === 'nan') return 'NaN';
  if (repr === 'inf') return 'Infinity';
  if (repr === '-inf') return '-Infinity';
  return repr;
}

const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quote(s: string): string {
  if (PLAIN_STRING.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c >= 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/**
 * Dicts that will not change any more (a queued prompt), with their text once
 * rendered (null until then): /history, /queue and every saved PNG repeat the
 * same workflow.
 */
const settled = new WeakMap<Map<string, unknown>, string | null>();

/** Declares that `value` will not change any more, so pyJson renders it once; returns it. */
export function settle(value: JsonObject): JsonObject {
  if (!settled.has(value)) settled.set(value, null);
  return value;
}

/** `json.dumps(value)` with Python's defaults. Plain objects keep JS key order; use Maps for node-id keys. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return formatJsNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value instanceof PyNum) return jsonFloatText(value.text);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ', ' : '') + pyJson(value[i]);
    return `${out}]`;
  }
  if (!(value instanceof Map)) return dict(Object.entries(value as Record<string, unknown>));
  const map = value as Map<string, unknown>;
  const known = settled.get(map);
  if (known) return known;
  const text = dict(map);
  if (known === null) settled.set(map, text);
  return text;
}

function dict(entries: Iterable<[string, unknown]>): string {
  let out = '{';
  let first = true;
  for (const [key, item] of entries) {
    if (item === undefined) continue;
    out += `${first ? '' : ', '}${quote(String(key))}: ${pyJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** Python's `repr()` for the values a prompt can hold. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return reprString(value);
  return pyStr(value, true);
}

/** Python's `str()`; error details are built with it (`f"{x}, {val}, {ex}"`). */
export function pyStr(value: unknown, nested = false): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return nested ? reprString(value) : value;
  if (typeof value === 'number') return Number.isInteger(value) ? formatPyInt(value) : formatPyFloat(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof PyNum) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v)).join(', ')}]`;
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  // Left: bigint (printed as Python prints an int), symbol and function (never in a prompt).
  return typeof value === 'bigint' ? value.toString() : typeof value;
}

function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

/** Python truthiness, for `bool(val)` and `if json_data['front']`. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof PyNum) return value.value !== 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  return true;
}

/** Python `==` between JSON values: 1 == 1.0 == True, containers compared item by item. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return num(a) === num(b);
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => pyEquals(v, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !pyEquals(v, b.get(k))) return false;
    return true;
  }
  return false;
}

/** Python's `type(x).__name__` for error messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof PyNum) return Number.isInteger(value.value) && !/[.en]/.test(value.text) ? 'int' : 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** Converts our parsed form back to plain JS values (for logs and tests). */
export function toPlain(value: unknown): unknown {
  if (value instanceof PyNum) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    const map = value as Map<string, unknown>;
    for (const [k, v] of map) out[k] = toPlain(v);
    return out;
  }
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

/**
 * `json.loads` keeping what JSON.parse loses: dict order (as Maps) and float-ness.
 * Integral values written with a dot stay floats (Python reads `7.0` as a float and
 * writes it back as `7.0`); integers beyond 2^53 keep their digits.
 */
export function parsePyJson(text: string): Json {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (parser.pos !== text.length) parser.fail('Extra data');
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  pos = 0;

  constructor(private readonly s: string) {}

  fail(what = 'Expecting value'): never {
    throw new SyntaxError(`${what}: char ${this.pos}`);
  }

  skipSpace(): void {
    const s = this.s;
    let c = s.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.pos);
  }

  value(): Json {
    const c = this.s.charCodeAt(this.pos);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (this.s.startsWith('-Infinity', this.pos)) return this.literal('-Infinity', pyFloat(-Infinity));
      return this.number();
    }
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    if (c === 0x4e) return this.literal('NaN', pyFloat(NaN));
    if (c === 0x49) return this.literal('Infinity', pyFloat(Infinity));
    return this.fail();
  }

  private literal<T extends Json>(word: string, result: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail();
    this.pos += word.length;
    return result;
  }

  private number(): Json {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.s);
    if (!m) return this.fail();
    this.pos += m[0].length;
    const value = Number(m[0]);
    if (m[1] !== undefined || m[2] !== undefined) return pyFloat(value);
    return Number.isSafeInteger(value) ? value : new PyNum(value, m[0].replace(/^-0$/, '0'));
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    let end = s.indexOf('"', start + 1);
    for (;;) {
      if (end < 0) this.fail('Unterminated string');
      let backslashes = 0;
      for (let i = end - 1; s.charCodeAt(i) === 0x5c; i--) backslashes++;
      if (backslashes % 2 === 0) break;
      end = s.indexOf('"', end + 1);
    }
    this.pos = end + 1;
    const raw = s.slice(start + 1, end);
    return raw.includes('\\') ? (JSON.parse(s.slice(start, end + 1)) as string) : raw;
  }

  private array(): Json[] {
    this.pos++;
    const out: Json[] = [];
    this.skipSpace();
    if (this.s.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      out.push(this.value());
      this.skipSpace();
      const c = this.s.charCodeAt(this.pos++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.fail("Expecting ',' delimiter");
    }
  }

  private object(): JsonObject {
    this.pos++;
    const out: JsonObject = new Map();
    this.skipSpace();
    if (this.s.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.s.charCodeAt(this.pos) !== 0x22) this.fail('Expecting property name enclosed in double quotes');
      const key = this.string();
      this.skipSpace();
      if (this.s.charCodeAt(this.pos++) !== 0x3a) this.fail("Expecting ':' delimiter");
      this.skipSpace();
      out.set(key, this.value());
      this.skipSpace();
      const c = this.s.charCodeAt(this.pos++);
      if (c === 0x7d) return out;
      if (c !== 0x2c) this.fail("Expecting ',' delimiter");
    }
  }
}
