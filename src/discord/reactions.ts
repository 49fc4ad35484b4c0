// ❌ on a job's message cancels it — if the one reacting may. Access rules were
// checked before (bot.ts), which also looked up the member who reacted.
import { PermissionFlagsBits, type GuildMember, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import type { BotContext } from './context.ts';
import { CANCEL_EMOJI } from './job-view.ts';
import { canCancel } from './permissions.ts';

export async function handleReaction(
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  member: GuildMember | null,
  ctx: BotContext,
): Promise<void> {
  if (reaction.emoji.name !== CANCEL_EMOJI) return;
  const job = ctx.service.ledger.byMessageId(reaction.message.id);
  if (!job) return;
  const log = ctx.log.child({ jobId: job.id, userId: user.id });
  const guild = member?.guild ?? reaction.message.guild;
  const permissions = member ? safePermissionsIn(member, reaction.message.channelId) : null;
  if (!canCancel(job.userId, user.id, permissions)) {
    log.info('ignored a cancel reaction from someone else');
    const me = guild?.members.me;
    if (me?.permissions.has(PermissionFlagsBits.ManageMessages)) await reaction.users.remove(user.id).catch(() => {});
    return;
  }
  const outcome = await ctx.service.cancel(job.id, user.id);
  log.info('cancel by reaction', { outcome });
}

/** Channel-level permissions (overwrites included), or the member's guild permissions if the channel is not cached. */
function safePermissionsIn(member: GuildMember, channelId: string) {
  try {
    return member.permissionsIn(channelId);
  } catch {
    return member.permissions;
  }
}
