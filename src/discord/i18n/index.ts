// The bot's words in the reader's language. Everything a Discord user reads is
// made here from a catalogue key and values; the layers below raise codes and data.
import type { MessageKey } from './catalogue.ts';
import { catalogues, FALLBACK_LOCALE } from './catalogues.ts';
import { formatMessage, type MessageValues } from './message-format.ts';

export type { MessageKey } from './catalogue.ts';
export type { MessageValues } from './message-format.ts';
export { catalogues, FALLBACK_LOCALE } from './catalogues.ts';

/** The catalogue for a Discord locale: the same tag, else the same language (`zh-TW` → `zh-CN`), else none. */
export function catalogueLocale(locale: string | null | undefined): string | undefined {
  if (!locale) return undefined;
  if (catalogues.has(locale)) return locale;
  const language = locale.split('-')[0]!.toLowerCase();
  for (const tag of catalogues.keys()) if (tag.split('-')[0]!.toLowerCase() === language) return tag;
  return undefined;
}

/** The user's locale if the bot speaks it, else the server's, else the configured default. */
export function pickLocale(userLocale: string | null | undefined, guildLocale: string | null | undefined, defaultLocale: string): string {
  return catalogueLocale(userLocale) ?? catalogueLocale(guildLocale) ?? catalogueLocale(defaultLocale) ?? FALLBACK_LOCALE;
}

export interface Translator {
  readonly locale: string;
  /** A function, not a method: `const t = tr.t` works. */
  t: (key: MessageKey, values?: MessageValues) => string;
  number(n: number): string;
  /** `850 ms`, `12s`, `1m 05s`, `2h 03m` in the locale's words. */
  duration(ms: number): string;
  /** Bytes as KB/MB/GB (1024-based, as Discord's limits are). */
  bytes(n: number): string;
  date(ms: number): string;
  /** `a, b and c` / `a、b和c`: a list joined as the locale does. */
  list(items: string[]): string;
}

const translators = new Map<string, Translator>();

export function translator(locale: string): Translator {
  const tag = catalogueLocale(locale) ?? FALLBACK_LOCALE;
  let tr = translators.get(tag);
  if (!tr) translators.set(tag, (tr = makeTranslator(tag)));
  return tr;
}

function makeTranslator(locale: string): Translator {
  const own = catalogues.get(locale)!;
  const fallback = catalogues.get(FALLBACK_LOCALE)!;
  const numbers = new Intl.NumberFormat(locale);
  const decimals = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const lists = new Intl.ListFormat(locale, { type: 'conjunction' });
  const two = (n: number) => String(n).padStart(2, '0');
  const tr: Translator = {
    locale,
    t: (key, values = {}) => formatMessage(own[key] ?? fallback[key], values, locale, tr),
    number: (n) => numbers.format(n),
    duration(ms) {
      const t = tr.t;
      if (ms < 1000) return t('unit.ms', { n: Math.round(ms) });
      const s = Math.round(ms / 1000);
      if (s < 60) return t('unit.seconds', { s: String(s) });
      const m = Math.floor(s / 60);
      if (m < 60) return t('unit.minutes', { m: String(m), s: two(s % 60) });
      return t('unit.hours', { h: String(Math.floor(m / 60)), m: two(m % 60) });
    },
    bytes(n) {
      const units = ['B', 'KB', 'MB', 'GB', 'TB'];
      let v = n;
      let i = 0;
      while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      return `${v >= 10 || i === 0 ? numbers.format(Math.round(v)) : decimals.format(v)} ${units[i]}`;
    },
    date: (ms) => `${dates.format(ms)} UTC`,
    list: (items) => lists.format(items),
  };
  return tr;
}
