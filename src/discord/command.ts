// The shape of a slash command module in commands/: its definition and its handlers.
import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config.ts';
import type { BotContext } from './context.ts';

/** What a command's definition is built from: the loaded workflows, and the language of its default texts. */
export type CommandContext = Pick<BotContext, 'workflows'> & { config: Pick<Config, 'DEFAULT_LOCALE'> };

export interface Command {
  name: string;
  /** Built from the loaded workflows, on which some commands (generate) depend. */
  /** Descriptions in every language of the catalogue (description_localizations); see src/discord/i18n/localizations.ts. */
  definition(ctx: CommandContext): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}
