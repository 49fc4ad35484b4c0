// Who may do what. Requesters may cancel their own jobs; moderators anyone's.
import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import type { Config } from '../config.ts';

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
  where: { guildId: string | null; channelId: string | null; roleIds: string[] },
): string | undefined {
  if (config.ALLOWED_GUILDS.length && (!where.guildId || !config.ALLOWED_GUILDS.includes(where.guildId))) {
    return 'This bot is not enabled in this server.';
  }
  if (config.ALLOWED_CHANNELS.length && (!where.channelId || !config.ALLOWED_CHANNELS.includes(where.channelId))) {
    return `This bot only works in ${config.ALLOWED_CHANNELS.map((c) => `<#${c}>`).join(', ')}.`;
  }
  if (config.ALLOWED_ROLES.length && !where.roleIds.some((r) => config.ALLOWED_ROLES.includes(r))) {
    return 'You need one of the roles this bot is limited to. Ask a moderator.';
  }
  return undefined;
}
