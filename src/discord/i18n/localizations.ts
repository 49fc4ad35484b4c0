// Words Discord shows in its own interface (command and option descriptions, choice
// names) in every language there is a text for (L2). Discord picks from
// `*_localizations` by the user's client locale, so each text is given for its own
// tag and for the Discord locales of the same language that have no text of their
// own (zh-CN's serves zh-TW too), the same rule as for messages (see pickLocale).
import { Locale } from 'discord.js';
import { catalogues, FALLBACK_LOCALE, translator, type MessageKey } from './index.ts';

export type Localizations = Partial<Record<Locale, string>>;

/** Discord's limit for descriptions and choice names. */
const MAX = 100;

const DISCORD_LOCALES = Object.values(Locale) as Locale[];
const language = (tag: string) => tag.split('-')[0]!.toLowerCase();

/** The text for `locale` among `texts` (keyed by locale tag): the same tag, else the same language. */
function textFor(texts: Readonly<Record<string, string>>, locale: string): string | undefined {
  if (texts[locale] !== undefined) return texts[locale];
  const match = Object.keys(texts).find((tag) => language(tag) === language(locale));
  return match === undefined ? undefined : texts[match];
}

/**
 * A text Discord shows: `text` in `defaultLocale` (else en-US), `localizations`
 * for every Discord locale that has a text in its language.
 */
export function localized(texts: Readonly<Record<string, string>>, defaultLocale: string): { text: string; localizations: Localizations } {
  const text = textFor(texts, defaultLocale) ?? textFor(texts, FALLBACK_LOCALE) ?? Object.values(texts)[0] ?? '';
  const localizations: Localizations = {};
  for (const locale of DISCORD_LOCALES) {
    const t = textFor(texts, locale);
    if (t !== undefined) localizations[locale] = clip(t);
  }
  return { text: clip(text), localizations };
}

/** A catalogue message in every language the bot speaks. */
function catalogueTexts(key: MessageKey): Record<string, string> {
  return Object.fromEntries([...catalogues.keys()].map((tag) => [tag, translator(tag).t(key)]));
}

interface Describable {
  setDescription(description: string): this;
  setDescriptionLocalizations(localizations: Localizations | null): this;
}

/** Gives a command builder (or an option builder) its description from the catalogue, in every language. */
export function describe<B extends Describable>(builder: B, key: MessageKey, defaultLocale: string): B {
  const { text, localizations } = localized(catalogueTexts(key), defaultLocale);
  return builder.setDescription(text).setDescriptionLocalizations(localizations);
}

/** `description` and `description_localizations` for a command's JSON, from the catalogue. */
export function descriptionJson(key: MessageKey, defaultLocale: string): { description: string; description_localizations: Localizations } {
  const { text, localizations } = localized(catalogueTexts(key), defaultLocale);
  return { description: text, description_localizations: localizations };
}

/** `name` and `name_localizations` of a fixed choice, from the catalogue. */
export function choiceNameJson(key: MessageKey, defaultLocale: string): { name: string; name_localizations: Localizations } {
  const { text, localizations } = localized(catalogueTexts(key), defaultLocale);
  return { name: text, name_localizations: localizations };
}

function clip(s: string): string {
  return s.length <= MAX ? s : `${s.slice(0, MAX - 1)}…`;
}
