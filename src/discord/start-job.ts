// One path for every way a job starts from Discord (/generate, Re-roll, Retry,
// Use as input): the reply is deferred, the job recorded and queued, and the
// reply becomes the job's message. Access was checked before any handler ran
// (bot.ts); a refusal or failure is thrown to the dispatcher, which answers it.
import { DiscordAPIError, MessageFlags, type ChatInputCommandInteraction, type Message, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { Delivery, JobRow } from '../jobs/ledger.ts';
import type { Attachment } from '../jobs/service.ts';
import { UserError } from '../jobs/user-error.ts';
import { roleIdsOf } from './access.ts';
import { isNsfwChannel } from './channels.ts';
import type { BotContext } from './context.ts';
import { isServerManager } from './permissions.ts';
import { localeOf } from './locale.ts';

type StartingInteraction = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction;

/** Discord's answer to a second callback for the same interaction. */
const ALREADY_ACKNOWLEDGED = 40060;

/** Interaction tokens are valid for 15 minutes after the interaction was created. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/** A workflow marked `"nsfw": true` runs only in a channel Discord marks NSFW (or a thread of one). */
export function checkWorkflowPlace(interaction: StartingInteraction, ctx: BotContext, workflow: string): void {
  if (ctx.workflows.get(workflow)?.manifest.nsfw && !isNsfwChannel(interaction.channel)) {
    throw new UserError('workflow.nsfw_only', { workflow });
  }
}

/** Results are spoilers when the user asked, and with SPOILER_RESULTS everywhere but NSFW channels. */
export function spoilerFor(interaction: StartingInteraction, ctx: BotContext, requested: boolean): boolean {
  return requested || (ctx.config.SPOILER_RESULTS && !isNsfwChannel(interaction.channel));
}

/**
 * Defers the reply (Discord wants an answer within 3 s) and returns the reply
 * message. The callback's own answer carries the message, so this costs no
 * request from the bot's rate-limit budget; an already deferred reply is fetched.
 */
export async function deferJobReply(interaction: StartingInteraction, ctx: Pick<BotContext, 'settings'>): Promise<Message> {
  if (!interaction.deferred && !interaction.replied) {
    // A user who chose private results (/settings private) sees the job alone.
    const ephemeral = ctx.settings.get(interaction.user.id).private;
    try {
      const response = await interaction.deferReply({ withResponse: true, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
      if (response.resource?.message) return response.resource.message;
    } catch (err) {
      // The first try reached Discord but its answer did not reach us (a timeout), and
      // the retry was told so: the reply exists, and the job must still get it.
      if (!(err instanceof DiscordAPIError && err.code === ALREADY_ACKNOWLEDGED)) throw err;
      interaction.deferred = true;
    }
  }
  return interaction.fetchReply();
}

/** A member of one of PRIORITY_ROLES: their jobs go before everyone else's (decided when a job is accepted). */
export function hasPriority(interaction: StartingInteraction, ctx: BotContext): boolean {
  const roles = ctx.config.PRIORITY_ROLES;
  return roles.length > 0 && roleIdsOf(interaction.member).some((r) => roles.includes(r));
}

/** `attachment_size_limit` of the interaction (boosts included), when Discord sent one. */
function attachmentSizeLimit(interaction: StartingInteraction): number | null {
  const limit: unknown = interaction.attachmentSizeLimit;
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : null;
}

export async function startJob(
  interaction: StartingInteraction,
  ctx: BotContext,
  job: {
    workflow: string;
    values: Record<string, unknown>;
    attachments?: Record<string, Attachment>;
    reply?: Message;
    /** Post the results as spoilers (the `spoiler` option, or kept from the job this one reruns). */
    spoiler?: boolean;
  },
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
  checkWorkflowPlace(interaction, ctx, job.workflow);
  const reply = job.reply ?? (await deferJobReply(interaction, ctx));
  const row = await start(
    {
      guildId: interaction.guildId,
      channelId: interaction.channelId ?? reply.channelId,
      messageId: reply.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      tokenExpiresAt: interaction.createdTimestamp + TOKEN_LIFETIME_MS,
      channelMessageId: null,
      // Whoever presses Re-roll or Retry is answered in their own language.
      locale: localeOf(interaction, ctx.config.DEFAULT_LOCALE),
      spoiler: spoilerFor(interaction, ctx, job.spoiler ?? false),
      ...(reply.flags.has(MessageFlags.Ephemeral) ? { private: true } : {}),
      uploadLimit: attachmentSizeLimit(interaction),
    },
    { priority: hasPriority(interaction, ctx) },
  );
  ctx.messenger.track(row);
  return row;
}
