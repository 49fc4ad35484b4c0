// A catalogue message filled with its values: `{name}` is replaced by the value
// (numbers formatted for the locale), `{size, bytes}` / `{ms, duration}` /
// `{at, date}` go through the translator's formatters, and
// `{count, plural, one {# image} other {# images}}` picks the form Intl.PluralRules
// names for the locale (`#` is the number, formatted for the locale).

export type MessageValues = Record<string, string | number>;

/** How `{x, bytes}`, `{x, duration}` and `{x, date}` are written in the locale. */
export interface ValueFormats {
  bytes(n: number): string;
  duration(ms: number): string;
  date(ms: number): string;
}

const FORMATS = ['bytes', 'duration', 'date'] as const;
type FormatName = (typeof FORMATS)[number];

/** The values a message uses (`name`, `name, bytes`, `name, plural`), sorted: a translation must use the same ones. */
export function placeholdersOf(message: string): string[] {
  const names = new Set<string>();
  for (const token of tokens(message)) {
    if (token.kind === 'value') names.add(token.name);
    else if (token.kind === 'format') names.add(`${token.name}, ${token.format}`);
    else if (token.kind === 'plural') {
      names.add(`${token.name}, plural`);
      for (const form of Object.values(token.forms)) for (const inner of placeholdersOf(form)) names.add(inner);
    }
  }
  return [...names].sort();
}

export function formatMessage(message: string, values: MessageValues, locale: string, formats?: ValueFormats): string {
  let out = '';
  for (const token of tokens(message)) {
    if (token.kind === 'text') {
      out += token.text;
      continue;
    }
    const value = values[token.name];
    if (value === undefined) {
      out += `{${token.name}}`;
      continue;
    }
    if (token.kind === 'value') {
      out += typeof value === 'string' ? value : new Intl.NumberFormat(locale).format(value);
      continue;
    }
    if (token.kind === 'format') {
      out += typeof value === 'number' && formats ? formats[token.format](value) : String(value);
      continue;
    }
    const n = Number(value);
    const exact = token.forms[`=${n}`];
    const form = exact ?? token.forms[new Intl.PluralRules(locale).select(n)] ?? token.forms['other'] ?? '';
    const shown = typeof value === 'string' ? value : new Intl.NumberFormat(locale).format(value);
    out += formatMessage(form.replaceAll('#', shown), values, locale, formats);
  }
  return out;
}

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string }
  | { kind: 'format'; name: string; format: FormatName }
  | { kind: 'plural'; name: string; forms: Record<string, string> };

const cache = new Map<string, Token[]>();

function tokens(message: string): Token[] {
  let parsed = cache.get(message);
  if (!parsed) cache.set(message, (parsed = parse(message)));
  return parsed;
}

function parse(message: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let text = '';
  while (i < message.length) {
    const ch = message[i]!;
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    const end = matching(message, i);
    if (end < 0) {
      // A lone brace is text (e.g. a code sample in a help line).
      text += ch;
      i++;
      continue;
    }
    if (text) out.push({ kind: 'text', text });
    text = '';
    out.push(placeholder(message.slice(i + 1, end)));
    i = end + 1;
  }
  if (text) out.push({ kind: 'text', text });
  return out;
}

function placeholder(body: string): Token {
  const f = /^\s*([A-Za-z_][\w.]*)\s*,\s*(\w+)\s*$/.exec(body);
  if (f && (FORMATS as readonly string[]).includes(f[2]!)) return { kind: 'format', name: f[1]!, format: f[2] as FormatName };
  const m = /^\s*([A-Za-z_][\w.]*)\s*(?:,\s*plural\s*,(.*))?$/s.exec(body);
  if (!m) return { kind: 'text', text: `{${body}}` };
  const name = m[1]!;
  if (m[2] === undefined) return { kind: 'value', name };
  const forms: Record<string, string> = {};
  const rest = m[2];
  let i = 0;
  while (i < rest.length) {
    const sel = /^\s*(=?\w+)\s*\{/.exec(rest.slice(i));
    if (!sel) break;
    const open = i + sel[0].length - 1;
    const close = matching(rest, open);
    if (close < 0) break;
    forms[sel[1]!] = rest.slice(open + 1, close);
    i = close + 1;
  }
  return { kind: 'plural', name, forms };
}

function matching(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}
