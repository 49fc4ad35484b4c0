import {
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  PermissionFlagsBits,
  ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';
import type {
  APIDMChannel,
  APIGuild,
  APIGuildMember,
  APIInteractionGuildMember,
  APIRole,
  APITextChannel,
  APIThreadChannel,
  APIUser,
  ChannelFlags,
  GatewayGuildCreateDispatchData,
  GuildMemberFlags,
  RoleFlags,
  UserFlags,
} from 'discord-api-types/v10';
import { stableSnowflake } from './snowflakes.ts';

export type PremiumTier = 0 | 1 | 2 | 3;
export type PermissionsInput = bigint | string;
export type FakeTextChannel = APITextChannel;
/** A public thread: no NSFW mark of its own (Discord applies its parent's). */
export type FakeThreadChannel = APIThreadChannel<ChannelType.PublicThread>;
/** Any channel of a guild an interaction or a message can be in. */
export type FakeGuildChannel = FakeTextChannel | FakeThreadChannel;

/** What an ordinary member can do in an ordinary text channel. */
export const DEFAULT_MEMBER_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreateInstantInvite |
  PermissionFlagsBits.ChangeNickname;

/** What a typical invite link grants a bot. */
export const DEFAULT_BOT_PERMISSIONS =
  DEFAULT_MEMBER_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.UseExternalStickers;

const MIB = 1024 * 1024;

/** Per-file upload limit by boost tier (tiers 0 and 1 share the base limit). */
export function uploadLimitBytes(tier: PremiumTier): number {
  return tier === 3 ? 100 * MIB : tier === 2 ? 50 * MIB : 10 * MIB;
}

export function permissionsString(input: PermissionsInput | undefined, fallback: bigint): string {
  return (input === undefined ? fallback : BigInt(input)).toString();
}

export function makeUser(name: string, options: { bot?: boolean; id?: string } = {}): APIUser {
  return {
    id: options.id ?? stableSnowflake(`user:${name}`),
    username: name.toLowerCase().replace(/[^a-z0-9_.]/g, '_').slice(0, 32) || 'user',
    discriminator: '0',
    global_name: options.bot ? null : name,
    avatar: null,
    bot: options.bot ?? false,
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    // Discord's user objects always carry these two (null when unset).
    collectibles: null,
    primary_guild: null,
  };
}

export function makeGuildMember(user: APIUser, roles: string[], joinedAt: string): APIGuildMember {
  return {
    user,
    nick: null,
    avatar: null,
    banner: null,
    roles,
    joined_at: joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

export function makeInteractionMember(
  user: APIUser,
  options: { permissions?: PermissionsInput; roles?: string[]; joinedAt?: string } = {},
): APIInteractionGuildMember {
  return {
    ...makeGuildMember(user, options.roles ?? [], options.joinedAt ?? '2021-01-01T00:00:00.000Z'),
    permissions: permissionsString(options.permissions, DEFAULT_MEMBER_PERMISSIONS),
  };
}

export function makeRole(options: {
  id: string;
  name: string;
  permissions: string;
  position: number;
  managed?: boolean;
  botId?: string;
}): APIRole {
  return {
    id: options.id,
    name: options.name,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated for readers, but Discord still sends it
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: options.position,
    permissions: options.permissions,
    managed: options.managed ?? false,
    mentionable: false,
    flags: 0 as RoleFlags,
    ...(options.botId ? { tags: { bot_id: options.botId } } : {}),
  };
}

export function makeTextChannel(options: {
  id: string;
  guildId: string;
  name: string;
  position: number;
  type?: ChannelType.GuildText;
  nsfw?: boolean;
  parentId?: string | null;
}): FakeTextChannel {
  return {
    id: options.id,
    type: ChannelType.GuildText,
    guild_id: options.guildId,
    name: options.name,
    position: options.position,
    permission_overwrites: [],
    nsfw: options.nsfw ?? false,
    parent_id: options.parentId ?? null,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0 as ChannelFlags,
  };
}

export function makeThreadChannel(options: { id: string; guildId: string; parentId: string; name: string; ownerId: string }): FakeThreadChannel {
  const now = new Date().toISOString();
  return {
    id: options.id,
    type: ChannelType.PublicThread,
    guild_id: options.guildId,
    parent_id: options.parentId,
    name: options.name,
    owner_id: options.ownerId,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    flags: 0 as ChannelFlags,
    thread_metadata: {
      archived: false,
      auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
      archive_timestamp: now,
      locked: false,
      create_timestamp: now,
    },
  };
}

export function makeDMChannel(user: APIUser): APIDMChannel {
  return {
    id: stableSnowflake(`dm:${user.id}`),
    type: ChannelType.DM,
    name: null,
    recipients: [user],
    last_message_id: null,
    flags: 0 as ChannelFlags,
  };
}

/** A guild as the fake keeps it; API shapes are derived from it on demand so they always agree. */
export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  premiumTier: PremiumTier;
  channels: FakeTextChannel[];
  /** Active threads, each under one of `channels`. */
  threads: FakeThreadChannel[];
  roles: APIRole[];
  botRoleId: string;
  botPermissions: string;
  members: Map<string, APIGuildMember>;
  preferredLocale: Locale;
  joinedAt: string;
  /** The first text channel: where interactions happen unless a test says otherwise. */
  channel: FakeTextChannel;
}

export function toAPIGuild(guild: FakeGuild): APIGuild {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: guild.roles,
    emojis: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: guild.channel.id,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: guild.premiumTier,
    premium_subscription_count: [0, 2, 7, 14][guild.premiumTier] ?? 0,
    preferred_locale: guild.preferredLocale,
    public_updates_channel_id: null,
    nsfw_level: GuildNSFWLevel.Default,
    stickers: [],
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    max_members: 500_000,
    max_presences: null,
  };
}

export function guildCreatePayload(guild: FakeGuild): GatewayGuildCreateDispatchData {
  return {
    ...toAPIGuild(guild),
    joined_at: guild.joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: [...guild.members.values()],
    channels: guild.channels,
    threads: guild.threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
