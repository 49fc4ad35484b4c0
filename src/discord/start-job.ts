// One path for every way a job starts from Discord (/generate, Re-roll, Retry,
// Use as input): the reply is deferred, the job recorded and queued, and the
// reply becomes the job's message.
import type { ChatInputCommandInteraction, GuildMember, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import { OptionValueError } from '../workflows/apply.ts';
import type { Delivery, JobRow } from '../jobs/ledger.ts';
import type { Attachment } from '../jobs/service.ts';
import { UserError } from '../jobs/user-error.ts';
import type { BotContext } from './context.ts';
import { accessProblem, isServerManager } from './permissions.ts';
import { messageFor, replyError } from './reply.ts';

type StartingInteraction = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction;

/** Interaction tokens are valid for 15 minutes after the interaction was created. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

export function roleIdsOf(interaction: StartingInteraction): string[] {
  const roles = (interaction.member as GuildMember | null)?.roles;
  if (!roles) return [];
  return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

/** Stops here with a message when the allow-lists keep this user out. */
export function checkAccess(interaction: StartingInteraction, ctx: BotContext): void {
  const problem = accessProblem(ctx.config, {
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    roleIds: roleIdsOf(interaction),
  });
  if (problem) throw new UserError(problem);
}

export async function startJob(
  interaction: StartingInteraction,
  ctx: BotContext,
  job: { workflow: string; values: Record<string, unknown>; attachments?: Record<string, Attachment> },
  start: (delivery: Delivery) => Promise<JobRow> = (delivery) =>
    ctx.service.submit({
      userId: interaction.user.id,
      workflow: job.workflow,
      values: job.values,
      attachments: job.attachments ?? {},
      delivery,
      shard: ctx.shard,
      exempt: isServerManager(interaction.memberPermissions),
    }),
): Promise<JobRow | undefined> {
  const log = ctx.log.child({ userId: interaction.user.id, command: job.workflow });
  try {
    checkAccess(interaction, ctx);
    if (!interaction.deferred && !interaction.replied) await interaction.deferReply();
    const reply = await interaction.fetchReply();
    const row = await start({
      guildId: interaction.guildId,
      channelId: interaction.channelId ?? reply.channelId,
      messageId: reply.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      tokenExpiresAt: interaction.createdTimestamp + TOKEN_LIFETIME_MS,
      channelMessageId: null,
    });
    ctx.messenger.track(row);
    // A ❌ ready to click; without Add Reactions permission users can still add it themselves.
    void reply.react('❌').catch(() => {});
    return row;
  } catch (err) {
    const text = err instanceof OptionValueError ? err.message : messageFor(err).text;
    if (!(err instanceof OptionValueError) && !messageFor(err).expected) log.error('could not start a job', { error: err });
    else log.info('job refused', { reason: text });
    await replyError(interaction, text).catch((e: unknown) => log.warn('could not show the error', { error: e }));
    return undefined;
  }
}
