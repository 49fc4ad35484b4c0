// Who may do what. Requesters may cancel their own jobs; moderators anyone's.
import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import type { Config } from '../config.ts';
import { UserError } from '../jobs/user-error.ts';

export function canCancel(requesterId: string, userId: string, permissions: Readonly<PermissionsBitField> | null | undefined): boolean {
  return requesterId === userId || Boolean(permissions?.has(PermissionFlagsBits.ManageMessages));
}

/** Clearing the whole queue or interrupting anyone's job is for server managers. */
export function isServerManager(permissions: Readonly<PermissionsBitField> | null | undefined): boolean {
  return Boolean(permissions?.has(PermissionFlagsBits.ManageGuild));
}

/** The optional allow-lists; an empty list allows everything. Returns why not, or undefined. */
export function accessProblem(
  config: Pick<Config, 'ALLOWED_GUILDS' | 'ALLOWED_CHANNELS' | 'ALLOWED_ROLES'>,
  where: { guildId: string | null; channelId: string | null; parentChannelId?: string | null; roleIds: string[] },
): UserError | undefined {
  if (config.ALLOWED_GUILDS.length && (!where.guildId || !config.ALLOWED_GUILDS.includes(where.guildId))) {
    return new UserError('access.guild');
  }
  // A thread is part of its channel: allowing a channel allows its threads (as NSFW follows the parent).
  const allowedChannel = (id: string | null | undefined) => Boolean(id && config.ALLOWED_CHANNELS.includes(id));
  if (config.ALLOWED_CHANNELS.length && !allowedChannel(where.channelId) && !allowedChannel(where.parentChannelId)) {
    return new UserError('access.channel', { channels: config.ALLOWED_CHANNELS.map((c) => `<#${c}>`).join(', ') });
  }
  if (config.ALLOWED_ROLES.length && !where.roleIds.some((r) => config.ALLOWED_ROLES.includes(r))) {
    return new UserError('access.role');
  }
  return undefined;
}
