import { ChannelType, Locale, MessageFlags } from 'discord-api-types/v10';
import type { APIDMChannel, APIGuildMember, APIUser } from 'discord-api-types/v10';
import { Cdn, type StoredAttachment } from './cdn.ts';
import { CommandRegistry } from './commands.ts';
import {
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_MEMBER_PERMISSIONS,
  makeDMChannel,
  makeGuildMember,
  makeRole,
  makeTextChannel,
  makeThreadChannel,
  makeUser,
  permissionsString,
  uploadLimitBytes,
  type FakeGuild,
  type FakeGuildChannel,
  type FakeThreadChannel,
  type PermissionsInput,
  type PremiumTier,
} from './fixtures.ts';
import type { DispatchTarget } from './gateway.ts';
import type { StoreUpload } from './message-body.ts';
import { InteractionRegistry } from './interactions.ts';
import { MessageStore, toAPIMessage, type StoredMessage } from './message-store.ts';
import { SnowflakeFactory, stableSnowflake } from './snowflakes.ts';

export interface AddGuildOptions {
  id?: string;
  name?: string;
  premiumTier?: PremiumTier;
  ownerId?: string;
  /** Channels to create; the first is `guild.channel`. Default: one `#general`. */
  channels?: Array<{ id?: string; name?: string; nsfw?: boolean }>;
  /** What the bot's role grants (becomes `app_permissions` of interactions here). */
  botPermissions?: PermissionsInput;
  /** What @everyone grants. */
  everyonePermissions?: PermissionsInput;
  /** More roles (above the bot's), as in GUILD_CREATE; members get them with `roles: [id]`. */
  roles?: Array<{ id?: string; name: string; permissions?: PermissionsInput }>;
  preferredLocale?: Locale;
}

export type ChannelLookup =
  | { kind: 'guild'; channel: FakeGuildChannel; guild: FakeGuild }
  | { kind: 'dm'; channel: APIDMChannel; guild?: undefined };

export type Dispatch = (t: string, d: unknown, target: DispatchTarget) => Promise<number>;

/** Everything the fake knows; routes and helpers read and change it through here. */
export class DiscordWorld {
  readonly ids = new SnowflakeFactory();
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly guilds = new Map<string, FakeGuild>();
  readonly users = new Map<string, APIUser>();
  readonly dmChannels = new Map<string, APIDMChannel>();
  /** Users who take no direct messages from the bot (their privacy setting): posting in their DM gets 50007. */
  readonly closedDms = new Set<string>();
  readonly messages = new MessageStore();
  readonly interactions = new InteractionRegistry();
  readonly commands: CommandRegistry;
  readonly cdn: Cdn;
  /** Set once the gateway exists; until then events have nowhere to go. */
  dispatch: Dispatch = async () => 0;

  constructor(cdnBase: () => string, botName: string) {
    this.botUser = makeUser(botName, { bot: true, id: stableSnowflake(`application:${botName}`) });
    // Discord gives a bot user the same id as its application.
    this.applicationId = this.botUser.id;
    this.users.set(this.botUser.id, this.botUser);
    this.commands = new CommandRegistry(this.applicationId, this.ids);
    this.cdn = new Cdn(cdnBase);
  }

  user(name: string): APIUser {
    const user = makeUser(name);
    const known = this.users.get(user.id);
    if (known) return known;
    this.users.set(user.id, user);
    return user;
  }

  addGuild(options: AddGuildOptions = {}): FakeGuild {
    const id = options.id ?? this.ids.next();
    const name = options.name ?? `Guild ${this.guilds.size + 1}`;
    const channelSpecs = options.channels?.length ? options.channels : [{ name: 'general' }];
    const channels = channelSpecs.map((spec, position) =>
      makeTextChannel({
        id: spec.id ?? this.ids.next(),
        guildId: id,
        name: spec.name ?? `channel-${position + 1}`,
        position,
        ...(spec.nsfw !== undefined ? { nsfw: spec.nsfw } : {}),
      }),
    );
    const botRoleId = this.ids.next();
    const botPermissions = permissionsString(options.botPermissions, DEFAULT_BOT_PERMISSIONS);
    const owner = options.ownerId ?? this.user('guild owner').id;
    const joinedAt = new Date().toISOString();
    const guild: FakeGuild = {
      id,
      name,
      ownerId: owner,
      premiumTier: options.premiumTier ?? 0,
      channels,
      threads: [],
      roles: [
        // @everyone shares the guild's id.
        makeRole({ id, name: '@everyone', permissions: permissionsString(options.everyonePermissions, DEFAULT_MEMBER_PERMISSIONS), position: 0 }),
        makeRole({ id: botRoleId, name: this.botUser.username, permissions: botPermissions, position: 1, managed: true, botId: this.botUser.id }),
        ...(options.roles ?? []).map((r, i) =>
          makeRole({ id: r.id ?? this.ids.next(), name: r.name, permissions: permissionsString(r.permissions, 0n), position: i + 2 }),
        ),
      ],
      botRoleId,
      botPermissions,
      members: new Map<string, APIGuildMember>([[this.botUser.id, makeGuildMember(this.botUser, [botRoleId], joinedAt)]]),
      preferredLocale: options.preferredLocale ?? Locale.EnglishUS,
      joinedAt,
      channel: channels[0]!,
    };
    this.guilds.set(id, guild);
    return guild;
  }

  /** The user's guild member, joining them to the guild on first sight. */
  memberOf(guild: FakeGuild, user: APIUser): APIGuildMember {
    let member = guild.members.get(user.id);
    if (!member) {
      member = makeGuildMember(user, [], new Date().toISOString());
      guild.members.set(user.id, member);
    }
    return member;
  }

  /** A public thread under a text channel of a guild, started by `ownerId`. */
  addThread(options: { parentId: string; name?: string; id?: string; ownerId?: string }): { thread: FakeThreadChannel; guild: FakeGuild } {
    const parent = this.channel(options.parentId);
    if (!parent || parent.kind !== 'guild' || parent.channel.type !== ChannelType.GuildText) {
      throw new Error(`addThread: ${options.parentId} is not a text channel of a guild`);
    }
    const thread = makeThreadChannel({
      id: options.id ?? this.ids.next(),
      guildId: parent.guild.id,
      parentId: parent.channel.id,
      name: options.name ?? `thread-${parent.guild.threads.length + 1}`,
      ownerId: options.ownerId ?? parent.guild.ownerId,
    });
    parent.guild.threads.push(thread);
    return { thread, guild: parent.guild };
  }

  channel(id: string): ChannelLookup | undefined {
    for (const guild of this.guilds.values()) {
      const channel = guild.channels.find((c) => c.id === id) ?? guild.threads.find((t) => t.id === id);
      if (channel) return { kind: 'guild', channel, guild };
    }
    const dm = this.dmChannels.get(id);
    return dm ? { kind: 'dm', channel: dm } : undefined;
  }

  dmChannelWith(user: APIUser): APIDMChannel {
    const channel = makeDMChannel(user);
    const known = this.dmChannels.get(channel.id);
    if (known) return known;
    this.dmChannels.set(channel.id, channel);
    return channel;
  }

  uploadLimit(channelId: string): number {
    return uploadLimitBytes(this.channel(channelId)?.guild?.premiumTier ?? 0);
  }

  uploadsTo(channelId: string, ephemeral: boolean): StoreUpload {
    return (file, meta) =>
      this.cdn.store({
        channelId,
        id: this.ids.next(),
        filename: meta.filename,
        bytes: file.bytes,
        contentType: file.contentType,
        ephemeral,
        ...(meta.description !== undefined ? { description: meta.description } : {}),
      });
  }

  addAttachment(options: {
    filename: string;
    contentType?: string;
    bytes: Buffer;
    sizeOverride?: number;
    channelId?: string;
  }): StoredAttachment {
    return this.cdn.store({
      channelId: options.channelId ?? this.firstGuild().channel.id,
      id: this.ids.next(),
      filename: options.filename,
      bytes: options.bytes,
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      ...(options.sizeOverride !== undefined ? { sizeOverride: options.sizeOverride } : {}),
    });
  }

  firstGuild(): FakeGuild {
    const guild = this.guilds.values().next().value;
    if (!guild) throw new Error('the fake has no guild');
    return guild;
  }

  // Ephemeral messages exist only for their user: Discord sends no gateway events for them.
  async announce(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', message: StoredMessage): Promise<void> {
    if (message.flags & MessageFlags.Ephemeral) return;
    const member = message.guild_id ? this.guilds.get(message.guild_id)?.members.get(message.author.id) : undefined;
    const { user: _user, ...memberWithoutUser } = member ?? { user: undefined };
    await this.dispatch(
      t,
      {
        ...toAPIMessage(message, this.botUser.id),
        ...(message.guild_id ? { guild_id: message.guild_id } : {}),
        ...(member ? { member: memberWithoutUser } : {}),
      },
      { guildId: message.guild_id ?? null },
    );
  }

  async announceDelete(message: StoredMessage): Promise<void> {
    if (message.flags & MessageFlags.Ephemeral) return;
    await this.dispatch(
      'MESSAGE_DELETE',
      { id: message.id, channel_id: message.channel_id, ...(message.guild_id ? { guild_id: message.guild_id } : {}) },
      { guildId: message.guild_id ?? null },
    );
  }
}
