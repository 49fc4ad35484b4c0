// Which language an interaction is answered in (L1): the user's Discord locale,
// else the server's, else DEFAULT_LOCALE.
import { pickLocale, translator, type Translator } from './i18n/index.ts';

export interface LocaleSource {
  locale: string;
  guildLocale: string | null;
}

export function localeOf(interaction: LocaleSource, defaultLocale: string): string {
  return pickLocale(interaction.locale, interaction.guildLocale, defaultLocale);
}

export function translatorFor(interaction: LocaleSource, defaultLocale: string): Translator {
  return translator(localeOf(interaction, defaultLocale));
}
