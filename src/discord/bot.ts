// Routes Discord events to handlers. Access is checked here, once, before any
// handler runs; every handler failure ends in a message, never a crash.
import {
  Events,
  MessageFlags,
  type Client,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import type { Command } from './command.ts';
import type { BotContext } from './context.ts';
import { UserError } from '../jobs/user-error.ts';
import { accessChecks, bannedUsers, firstRefusal, incomingInteraction, incomingReaction, type AccessCheck } from './access.ts';
import { handleButton, handleModal } from './buttons.ts';
import { decodeCustomId } from './custom-ids.ts';
import { handleReaction } from './reactions.ts';
import { translatorFor } from './locale.ts';
import { answerFailure, classifyError, replyError } from './reply.ts';

export function wireEvents(
  client: Client,
  commands: Map<string, Command>,
  ctx: BotContext,
  checks: readonly AccessCheck[] = accessChecks(ctx.config, [bannedUsers(ctx.bans)]),
): void {
  client.on(Events.InteractionCreate, (interaction) => {
    void onInteraction(interaction, commands, ctx, checks);
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    void onReaction(reaction, user, ctx, checks).catch((err: unknown) => ctx.log.error('reaction handler failed', { error: err }));
  });
  client.on(Events.Error, (err) => ctx.log.error('discord client error', { error: err }));
}

async function onInteraction(interaction: Interaction, commands: Map<string, Command>, ctx: BotContext, checks: readonly AccessCheck[]): Promise<void> {
  const log = ctx.log.child({ userId: interaction.user.id, interaction: interaction.id });
  const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
  try {
    const incoming = incomingInteraction(interaction);
    const refusal = firstRefusal(checks, incoming);
    if (refusal) {
      log.info('refused by the access rules', { rule: refusal.rule, kind: incoming.kind, guildId: incoming.guildId, channelId: incoming.channelId });
      ctx.metrics.refused(refusal.error.code);
      if (interaction.isAutocomplete()) await interaction.respond([]);
      else if (interaction.isRepliable()) await interaction.reply({ content: `⚠️ ${classifyError(refusal.error, tr).text}`, flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.isAutocomplete()) {
      const command = commands.get(interaction.commandName);
      await command?.autocomplete?.(interaction, ctx);
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (interaction.isChatInputCommand()) {
      const command = commands.get(interaction.commandName);
      if (!command) {
        const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
        await replyError(interaction, tr.t('command.unknown', { command: interaction.commandName }));
        return;
      }
      log.info('command', { command: interaction.commandName });
      await command.execute(interaction, ctx);
      return;
    }
    if (interaction.isButton()) return await handleButton(interaction, decodeCustomId(interaction.customId), ctx);
    if (interaction.isModalSubmit()) return await handleModal(interaction, decodeCustomId(interaction.customId), ctx);
  } catch (err) {
    if (err instanceof UserError) ctx.metrics.refused(err.code);
    await answerFailure(interaction, err, log, tr);
  }
}

async function onReaction(
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  ctx: BotContext,
  checks: readonly AccessCheck[],
): Promise<void> {
  // The bot's own reactions are not requests.
  if (user.id === ctx.client.user?.id) return;
  const { incoming, member } = await incomingReaction(reaction, user);
  const refusal = firstRefusal(checks, incoming);
  if (refusal) {
    // Silently: nobody is told, but the log says why nothing happened.
    ctx.log.debug('reaction refused by the access rules', { rule: refusal.rule, userId: user.id, messageId: reaction.message.id, emoji: reaction.emoji.name });
    ctx.metrics.refused(refusal.error.code);
    return;
  }
  await handleReaction(reaction, user, member, ctx);
}
