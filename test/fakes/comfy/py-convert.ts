import { pyFloat, PyNum, pyRepr, pyStr, pyTruthy, pyTypeName, type Json } from './py-json.ts';

/** A Python exception: its type name and `str(ex)`, which ComfyUI copies into error bodies. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

export const keyError = (key: unknown): PyError => new PyError('KeyError', pyRepr(key));

// eslint-disable-next-line no-control-regex -- Python's str.strip() also strips \x1c-\x1f, and so must we
const WHITESPACE = /^[\s\u001c-\u001f]+|[\s\u001c-\u001f]+$/g;
const INT_LITERAL = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_LITERAL = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:[eE][+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*\.(?:[eE][+-]?\d+(?:_\d+)*)?)$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|infinity|nan)$/i;

/** `int(val)`, with Python's error messages. */
export function toPyInt(value: Json): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || value instanceof PyNum) {
    const n = typeof value === 'number' ? value : value.value;
    if (Number.isNaN(n)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(n)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return Math.trunc(n);
  }
  if (typeof value === 'string') {
    const text = value.replace(WHITESPACE, '');
    if (!INT_LITERAL.test(text)) {
      throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(value)}`);
    }
    return Number.parseInt(text.replaceAll('_', ''), 10);
  }
  throw new PyError(
    'TypeError',
    `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`,
  );
}

/** `float(val)`, kept as a PyNum so it is written back as `7.0`. */
export function toPyFloat(value: Json): PyNum {
  if (typeof value === 'boolean') return pyFloat(value ? 1 : 0);
  if (typeof value === 'number') return pyFloat(value);
  if (value instanceof PyNum) return pyFloat(value.value);
  if (typeof value === 'string') {
    const text = value.replace(WHITESPACE, '');
    if (SPECIAL_FLOAT.test(text)) {
      const negative = text.startsWith('-');
      return pyFloat(/nan/i.test(text) ? NaN : negative ? -Infinity : Infinity);
    }
    if (FLOAT_LITERAL.test(text)) return pyFloat(Number(text.replaceAll('_', '')));
    throw new PyError('ValueError', `could not convert string to float: ${pyRepr(value)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
}

export function toPyString(value: Json): string {
  return pyStr(value);
}

export function toPyBool(value: Json): boolean {
  return pyTruthy(value);
}
