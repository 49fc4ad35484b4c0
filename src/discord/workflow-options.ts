// Manifests → Discord slash command options, and interaction options → values.
import {
  ApplicationCommandOptionType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { isUploadOption, type Manifest, type ManifestOption } from '../workflows/manifest.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import { aspectValues } from '../workflows/aspect-option.ts';
import type { Aspect } from '../workflows/aspect.ts';
import { choiceNameJson, descriptionJson, localized, type Localizations } from './i18n/localizations.ts';

/** Discord allows 25 subcommands per command and 25 options per subcommand. */
export const MAX_SUBCOMMANDS = 25;
const MAX_OPTIONS = 25;

/** The option the bot adds to every workflow: post this job's results as spoilers (a reserved name in manifests). */
export const SPOILER_OPTION = 'spoiler';

function spoilerOptionJson(defaultLocale: string): APIApplicationCommandBasicOption {
  return { type: ApplicationCommandOptionType.Boolean, name: SPOILER_OPTION, ...descriptionJson('command.generate.spoiler', defaultLocale), required: false };
}

/**
 * A manifest text in every language it has: its own `description` is English
 * (en-US), `localizations` add the others. Names stay as written (README: names).
 */
function manifestTexts(manifest: Manifest, english: string, pick: (l: Manifest['localizations'][string]) => string | undefined): Record<string, string> {
  const texts: Record<string, string> = { 'en-US': english };
  for (const [locale, l10n] of Object.entries(manifest.localizations)) {
    const text = pick(l10n);
    if (text !== undefined) texts[locale] = text;
  }
  return texts;
}

export function optionJson(o: ManifestOption, manifest: Manifest, defaultLocale: string): APIApplicationCommandBasicOption {
  const { text, localizations } = localized(
    manifestTexts(manifest, o.description, (l) => l.options[o.name]?.description),
    defaultLocale,
  );
  const base = { name: o.name, description: text, description_localizations: localizations, required: o.required };
  switch (o.type) {
    case 'text':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(o.maxLength !== undefined ? { max_length: Math.min(o.maxLength, 6000) } : {}),
        ...(o.minLength !== undefined ? { min_length: o.minLength } : {}),
      };
    case 'integer':
      // The option's own bounds are enforced with a clear message by the manifest; Discord only gets safe ones.
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        ...(o.min !== undefined ? { min_value: o.min } : {}),
        ...(o.max !== undefined ? { max_value: o.max } : {}),
      };
    case 'number':
      return {
        ...base,
        type: ApplicationCommandOptionType.Number,
        ...(o.min !== undefined ? { min_value: o.min } : {}),
        ...(o.max !== undefined ? { max_value: o.max } : {}),
      };
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'choice':
      if (o.choices.from === 'list' && o.choices.values.length <= 25) {
        // A value without a label in a language is shown as it is (like model names).
        return {
          ...base,
          type: ApplicationCommandOptionType.String,
          choices: o.choices.values.map((v) => {
            const label = localized(manifestTexts(manifest, v, (l) => l.options[o.name]?.choices?.[v] ?? v), defaultLocale);
            return { name: label.text, name_localizations: label.localizations, value: v };
          }),
        };
      }
      return { ...base, type: ApplicationCommandOptionType.String, autocomplete: true };
    case 'aspect':
      return { ...base, type: ApplicationCommandOptionType.String, choices: aspectValues(o).map((v) => aspectChoice(v, defaultLocale)) };
    case 'image':
    case 'mask':
    case 'video':
    case 'audio':
      return { ...base, type: ApplicationCommandOptionType.Attachment };
  }
}

/** "16:9 (wide)", in every language of the catalogue; the value sent is the ratio. */
export function aspectChoice(aspect: Aspect, defaultLocale: string): { name: string; name_localizations: Localizations; value: string } {
  return { ...choiceNameJson(`aspect.${aspect}`, defaultLocale), value: aspect };
}

export function subcommandJson(w: LoadedWorkflow, defaultLocale: string): APIApplicationCommandSubcommandOption {
  const { text, localizations } = localized(manifestTexts(w.manifest, w.description, (l) => l.description), defaultLocale);
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: w.name,
    description: text,
    description_localizations: localizations,
    options: [
      ...w.manifest.options.slice(0, MAX_OPTIONS).map((o) => optionJson(o, w.manifest, defaultLocale)),
      // After the workflow's own (Discord wants required options first, and this one is optional).
      ...(w.manifest.options.length < MAX_OPTIONS ? [spoilerOptionJson(defaultLocale)] : []),
    ],
  };
}

/** The values a user gave, typed as the manifest says (attachments are read separately). */
export function readValues(interaction: ChatInputCommandInteraction, w: LoadedWorkflow): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const o of w.manifest.options) {
    const v = interaction.options.get(o.name)?.value;
    if (v === undefined || v === null || isUploadOption(o)) continue;
    values[o.name] = v;
  }
  return values;
}
