// One path for every way a job starts from Discord (/generate, Re-roll, Retry,
// Use as input): the reply is deferred, the job recorded and queued, and the
// reply becomes the job's message. Access was checked before any handler ran
// (bot.ts); a refusal or failure is thrown to the dispatcher, which answers it.
import type { ChatInputCommandInteraction, GuildMember, Message, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import type { Delivery, JobRow } from '../jobs/ledger.ts';
import type { Attachment } from '../jobs/service.ts';
import { roleIdsOf } from './access.ts';
import type { BotContext } from './context.ts';
import { isServerManager } from './permissions.ts';

type StartingInteraction = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction;

/** Interaction tokens are valid for 15 minutes after the interaction was created. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/**
 * Defers the reply (Discord wants an answer within 3 s) and returns the reply
 * message. The callback's own answer carries the message, so this costs no
 * request from the bot's rate-limit budget; an already deferred reply is fetched.
 */
export async function deferJobReply(interaction: StartingInteraction): Promise<Message> {
  if (!interaction.deferred && !interaction.replied) {
    const response = await interaction.deferReply({ withResponse: true });
    if (response.resource?.message) return response.resource.message;
  }
  return interaction.fetchReply();
}

/** A member of one of PRIORITY_ROLES: their jobs go before everyone else's (decided when a job is accepted). */
export function hasPriority(interaction: StartingInteraction, ctx: BotContext): boolean {
  const roles = ctx.config.PRIORITY_ROLES;
  return roles.length > 0 && roleIdsOf(interaction.member as GuildMember | { roles: string[] } | null).some((r) => roles.includes(r));
}

export async function startJob(
  interaction: StartingInteraction,
  ctx: BotContext,
  job: { workflow: string; values: Record<string, unknown>; attachments?: Record<string, Attachment>; reply?: Message },
  start: (delivery: Delivery, who: { priority: boolean }) => Promise<JobRow> = (delivery, who) =>
    ctx.service.submit({
      userId: interaction.user.id,
      workflow: job.workflow,
      values: job.values,
      attachments: job.attachments ?? {},
      delivery,
      shard: ctx.shard,
      exempt: isServerManager(interaction.memberPermissions),
      priority: who.priority,
    }),
): Promise<JobRow> {
  const reply = job.reply ?? (await deferJobReply(interaction));
  const row = await start(
    {
      guildId: interaction.guildId,
      channelId: interaction.channelId ?? reply.channelId,
      messageId: reply.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      tokenExpiresAt: interaction.createdTimestamp + TOKEN_LIFETIME_MS,
      channelMessageId: null,
    },
    { priority: hasPriority(interaction, ctx) },
  );
  ctx.messenger.track(row);
  return row;
}
