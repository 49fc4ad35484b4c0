// Manifests → Discord slash command options, and interaction options → values.
import {
  ApplicationCommandOptionType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { ManifestOption } from '../workflows/manifest.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import { truncate } from '../text/format.ts';
import { catalogues, FALLBACK_LOCALE, translator } from './i18n/index.ts';

/** Discord allows 25 subcommands per command and 25 options per subcommand. */
export const MAX_SUBCOMMANDS = 25;
const MAX_OPTIONS = 25;

/** The option the bot adds to every workflow: post this job's results as spoilers (a reserved name in manifests). */
export const SPOILER_OPTION = 'spoiler';

function spoilerOptionJson(): APIApplicationCommandBasicOption {
  const localized = Object.fromEntries(
    [...catalogues.keys()].filter((l) => l !== FALLBACK_LOCALE).map((l) => [l, translator(l).t('option.spoiler.description')]),
  );
  return {
    type: ApplicationCommandOptionType.Boolean,
    name: SPOILER_OPTION,
    description: translator(FALLBACK_LOCALE).t('option.spoiler.description'),
    description_localizations: localized,
    required: false,
  };
}

export function optionJson(o: ManifestOption): APIApplicationCommandBasicOption {
  const base = { name: o.name, description: truncate(o.description, 100), required: o.required };
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
        return { ...base, type: ApplicationCommandOptionType.String, choices: o.choices.values.map((v) => ({ name: v, value: v })) };
      }
      return { ...base, type: ApplicationCommandOptionType.String, autocomplete: true };
    case 'image':
    case 'mask':
      return { ...base, type: ApplicationCommandOptionType.Attachment };
  }
}

export function subcommandJson(w: LoadedWorkflow): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: w.name,
    description: truncate(w.description, 100),
    options: [
      ...w.manifest.options.slice(0, MAX_OPTIONS).map(optionJson),
      // After the workflow's own (Discord wants required options first, and this one is optional).
      ...(w.manifest.options.length < MAX_OPTIONS ? [spoilerOptionJson()] : []),
    ],
  };
}

/** The values a user gave, typed as the manifest says (attachments are read separately). */
export function readValues(interaction: ChatInputCommandInteraction, w: LoadedWorkflow): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const o of w.manifest.options) {
    const v = interaction.options.get(o.name)?.value;
    if (v === undefined || v === null || o.type === 'image' || o.type === 'mask') continue;
    values[o.name] = v;
  }
  return values;
}
