// Routes Discord events to handlers; every handler failure ends in a message, never a crash.
import { Events, type Client, type Interaction } from 'discord.js';
import type { Command } from './command.ts';
import type { BotContext } from './context.ts';
import { handleButton, handleUseModal } from './buttons.ts';
import { handleReaction } from './reactions.ts';
import { translatorFor } from './locale.ts';
import { messageFor, replyError } from './reply.ts';

export function wireEvents(client: Client, commands: Map<string, Command>, ctx: BotContext): void {
  client.on(Events.InteractionCreate, (interaction) => {
    void onInteraction(interaction, commands, ctx);
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    void handleReaction(reaction, user, ctx).catch((err: unknown) => ctx.log.error('reaction handler failed', { error: err }));
  });
  client.on(Events.Error, (err) => ctx.log.error('discord client error', { error: err }));
}

async function onInteraction(interaction: Interaction, commands: Map<string, Command>, ctx: BotContext): Promise<void> {
  const log = ctx.log.child({ userId: interaction.user.id, interaction: interaction.id });
  try {
    if (interaction.isAutocomplete()) {
      const command = commands.get(interaction.commandName);
      await command?.autocomplete?.(interaction, ctx);
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (interaction.isChatInputCommand()) {
      const command = commands.get(interaction.commandName);
      if (!command) {
        await replyError(interaction, `Unknown command /${interaction.commandName}; the commands may need re-registering.`);
        return;
      }
      log.info('command', { command: interaction.commandName });
      await command.execute(interaction, ctx);
      return;
    }
    if (interaction.isButton()) return await handleButton(interaction, ctx);
    if (interaction.isModalSubmit() && interaction.customId.startsWith('usemodal:')) return await handleUseModal(interaction, ctx);
  } catch (err) {
    const { text, expected } = messageFor(err, translatorFor(interaction, ctx.config.DEFAULT_LOCALE));
    if (!expected) log.error('interaction failed', { error: err, stack: (err as Error).stack });
    if (interaction.isRepliable()) {
      await replyError(interaction as Parameters<typeof replyError>[0], text).catch(() => {});
    } else if (interaction.isAutocomplete() && !interaction.responded) {
      await interaction.respond([]).catch(() => {});
    }
  }
}
