// Who may use the bot where, decided once for everything that comes in from
// Discord (commands, autocomplete, buttons, modals, reactions) before any
// handler runs: before an attachment is fetched, ComfyUI is asked or a job is
// recorded. Each rule is a small check; the first refusal wins.
import type { Channel, GuildMember, Interaction, MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import type { Config } from '../config.ts';
import type { BanStore } from '../jobs/bans.ts';
import { UserError } from '../jobs/user-error.ts';
import { accessProblem } from './permissions.ts';

/** What the checks know about an incoming interaction or reaction. */
export interface Incoming {
  kind: 'command' | 'autocomplete' | 'button' | 'select' | 'modal' | 'reaction' | 'other';
  userId: string;
  guildId: string | null;
  channelId: string | null;
  /** The channel a thread belongs to (null for anything else): a thread of an allowed channel is allowed too. */
  parentChannelId: string | null;
  /** The member's roles there; empty in DMs. */
  roleIds: readonly string[];
}

export interface Refusal {
  /** For the log: which rule refused. */
  rule: string;
  /** For the person refused, in their language (reply.ts): only that the bot is not available to them here. */
  error: UserError;
}

/** One rule: a refusal, or undefined to let the next rule decide. */
export type AccessCheck = (incoming: Incoming) => Refusal | undefined;

/** ALLOWED_GUILDS, ALLOWED_CHANNELS, ALLOWED_ROLES (an empty list allows everything). */
export function allowLists(config: Pick<Config, 'ALLOWED_GUILDS' | 'ALLOWED_CHANNELS' | 'ALLOWED_ROLES'>): AccessCheck {
  return (incoming) => {
    const error = accessProblem(config, {
      guildId: incoming.guildId,
      channelId: incoming.channelId,
      parentChannelId: incoming.parentChannelId,
      roleIds: [...incoming.roleIds],
    });
    return error ? { rule: 'allow-lists', error } : undefined;
  };
}

/** Users banned from the bot (the bans table): here, or everywhere; in a DM any ban counts. */
export function bannedUsers(bans: Pick<BanStore, 'isBanned'>): AccessCheck {
  return (incoming) => (bans.isBanned(incoming.userId, incoming.guildId) ? { rule: 'bans', error: new UserError('access.banned') } : undefined);
}

/** The rules the bot applies; more (a ban list, say) go at the end of this list. */
export function accessChecks(config: Config, extra: readonly AccessCheck[] = []): AccessCheck[] {
  return [allowLists(config), ...extra];
}

export function firstRefusal(checks: readonly AccessCheck[], incoming: Incoming): Refusal | undefined {
  for (const check of checks) {
    const refusal = check(incoming);
    if (refusal) return refusal;
  }
  return undefined;
}

export function roleIdsOf(member: GuildMember | { roles: string[] } | null | undefined): string[] {
  const roles = member?.roles;
  if (!roles) return [];
  return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

export function incomingInteraction(interaction: Interaction): Incoming {
  const kind: Incoming['kind'] = interaction.isAutocomplete()
    ? 'autocomplete'
    : interaction.isCommand()
      ? 'command'
      : interaction.isButton()
        ? 'button'
        : interaction.isStringSelectMenu()
          ? 'select'
          : interaction.isModalSubmit()
            ? 'modal'
            : 'other';
  return {
    kind,
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    parentChannelId: threadParentOf(interaction.channel),
    roleIds: roleIdsOf(interaction.member),
  };
}

/**
 * A reaction, with the member who reacted (discord.js caches it from the event;
 * fetched only if not), returned too so the handler need not look it up again.
 */
export async function incomingReaction(
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
): Promise<{ incoming: Incoming; member: GuildMember | null }> {
  const message = reaction.message;
  const guild = message.guild ?? (message.guildId ? (message.client.guilds.cache.get(message.guildId) ?? null) : null);
  const member = guild ? (guild.members.cache.get(user.id) ?? (await guild.members.fetch(user.id).catch(() => null))) : null;
  return {
    incoming: {
      kind: 'reaction',
      userId: user.id,
      guildId: message.guildId ?? null,
      channelId: message.channelId,
      parentChannelId: threadParentOf(message.channel),
      roleIds: roleIdsOf(member),
    },
    member,
  };
}

/** The parent channel's id when `channel` is a thread (Discord sends it with the thread). */
function threadParentOf(channel: Channel | null | undefined): string | null {
  return channel?.isThread() ? channel.parentId : null;
}
