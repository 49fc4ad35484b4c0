// The shape of a slash command module in commands/: its definition and its handlers.
import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from './context.ts';

export interface Command {
  name: string;
  /** Built from the loaded workflows, on which some commands (generate) depend. */
  definition(ctx: Pick<BotContext, 'workflows'>): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}
