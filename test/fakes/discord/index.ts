import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationCommandOptionType, ApplicationCommandType, ComponentType, Locale } from 'discord-api-types/v10';
import type {
  APIApplicationCommand,
  APIApplicationCommandInteractionDataBasicOption,
  APIApplicationCommandInteractionDataOption,
  APIApplicationCommandInteractionDataSubcommandOption,
  APIAttachment,
  APIEmbed,
  APIInteraction,
  APIInteractionGuildMember,
  APIMessageTopLevelComponent,
  APIPartialEmoji,
  APIUser,
  ApplicationFlags,
  GatewayIdentifyData,
} from 'discord-api-types/v10';
import { toAPIAttachment, type CdnDownload } from './cdn.ts';
import { Conformance, ConformanceError } from './conformance.ts';
import {
  DEFAULT_BOT_PERMISSIONS,
  guildCreatePayload,
  makeInteractionMember,
  permissionsString,
  type FakeGuild,
  type FakeTextChannel,
  type FakeThreadChannel,
  type PermissionsInput,
} from './fixtures.ts';
import { Gateway, type DispatchRecord, type DispatchTarget, type GatewayClose } from './gateway.ts';
import { createRequestHandler } from './http-server.ts';
import {
  autocompleteInteraction,
  chatInputInteraction,
  componentInteraction,
  focusOption,
  modalSubmitInteraction,
  type InvocationContext,
} from './interaction-payloads.ts';
import { newInteractionToken, type AutocompleteChoices, type InteractionRecord } from './interactions.ts';
import { DiscordOpenApi, describeViolation, type Violation } from './openapi.ts';
import { toAPIMessage, type StoredMessage } from './message-store.ts';
import { RateLimiter } from './rate-limiter.ts';
import { addReaction, parseEmoji, removeReaction } from './reactions.ts';
import { RequestLog, type LoggedRequest } from './request-log.ts';
import { ResponseOverrides, type ForcedResponse, type RequestMatcher } from './response-overrides.ts';
import { RestRouter } from './rest-router.ts';
import { shardOf, stableSnowflake } from './snowflakes.ts';
import { registerApplicationRoutes } from './routes/applications.ts';
import { registerBasicRoutes } from './routes/basics.ts';
import { registerChannelMessageRoutes } from './routes/channel-messages.ts';
import { registerInteractionCallbackRoute } from './routes/interaction-callback.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { DiscordWorld, type AddGuildOptions } from './world.ts';

export type { AddGuildOptions } from './world.ts';
export type { AutocompleteChoices, InteractionRecord } from './interactions.ts';
export type { CdnDownload } from './cdn.ts';
export type { DispatchRecord, DispatchTarget, GatewayClose } from './gateway.ts';
export type { FakeGuild, FakeTextChannel, FakeThreadChannel, PermissionsInput } from './fixtures.ts';
export type { LoggedRequest } from './request-log.ts';
export type { StoredMessage } from './message-store.ts';
export type { ForcedResponse, RequestMatcher } from './response-overrides.ts';
export type { Violation } from './openapi.ts';
export { ConformanceError } from './conformance.ts';
export { guildIdOnShard, shardOf } from './snowflakes.ts';

export interface FakeDiscordOptions {
  /** What GET /gateway/bot recommends. Default 1. */
  shards?: number;
  /** Global limit: more API requests than this in any 1 s window get a 429. Default 50. */
  rateLimitPerSecond?: number;
  /** Drop dispatches whose intent the session's IDENTIFY lacked, as Discord does. Default true. */
  filterIntents?: boolean;
  /** HELLO's heartbeat_interval in ms. Default 41250. */
  heartbeatInterval?: number;
  /** When set, REST and IDENTIFY must use exactly this token; otherwise any `Bot …` is accepted. */
  token?: string;
  botName?: string;
  /** The default guild (`discord.guild`). */
  guild?: AddGuildOptions;
  /** Default time limit of the wait helpers, in ms. Default 5000. */
  waitTimeoutMs?: number;
  /**
   * Check every API request, and the fake's answer, against Discord's OpenAPI description.
   * Default true: a request that does not conform gets Discord's 400 (naming the field), every
   * pending and later wait rejects with a ConformanceError, and so does `stop()`.
   */
  checkConformance?: boolean;
}

/** Who acts in an interaction, and where. Defaults: user "tester" in the default guild's channel. */
export interface InvokerOptions {
  user?: APIUser | string;
  /** A full member (from `discord.member`); otherwise built from `permissions` and `roles`. */
  member?: APIInteractionGuildMember;
  permissions?: PermissionsInput;
  roles?: string[];
  /** `null` invokes from the bot's DM. */
  guildId?: string | null;
  channelId?: string;
  /** Deliver to this shard instead of the one owning the guild. */
  shard?: number;
  locale?: Locale;
  appPermissions?: PermissionsInput;
  /**
   * The interaction's `attachment_size_limit` in bytes; default: the guild's tier limit.
   * `null` leaves the field out (as older API versions did). What the fake accepts
   * stays the tier's limit, so a larger value here is Discord over-reporting it.
   */
  attachmentSizeLimit?: number | null;
}

export interface SlashCommandOptions extends InvokerOptions {
  name: string;
  options?: APIApplicationCommandInteractionDataOption[];
  /** Put into `resolved.attachments` (attachment options referring to `addAttachment` ids are resolved anyway). */
  attachments?: APIAttachment[];
}

export interface SubcommandOptions extends SlashCommandOptions {
  subcommand: string;
  group?: string;
}

export interface AutocompleteOptions extends InvokerOptions {
  name: string;
  options: APIApplicationCommandInteractionDataOption[];
  /** Name of the option being typed in. */
  focused: string;
  timeoutMs?: number;
}

export type MessageRef = StoredMessage | { id: string } | string;

export interface ComponentOptions extends InvokerOptions {
  customId: string;
  message: MessageRef;
}

export interface SelectOptions extends ComponentOptions {
  values: string[];
  componentType?: ComponentType.StringSelect | ComponentType.UserSelect | ComponentType.RoleSelect | ComponentType.MentionableSelect | ComponentType.ChannelSelect;
}

export interface ReactionOptions {
  message: MessageRef;
  user: APIUser | string;
  emoji: string | APIPartialEmoji;
}

export interface SentInteraction {
  id: string;
  token: string;
  interaction: APIInteraction;
}

/**
 * An in-process Discord (REST + gateway + CDN) on 127.0.0.1 for driving a real discord.js
 * client. Everything the bot does is recorded so tests can assert on the wire traffic.
 */
export class FakeDiscord {
  private readonly world: DiscordWorld;
  private readonly log = new RequestLog();
  private readonly overrides = new ResponseOverrides();
  private readonly limiter: RateLimiter;
  private readonly server: Server;
  private gateway!: Gateway;
  private port = 0;
  private readonly waitTimeoutMs: number;
  private readonly conformance: Conformance | undefined;
  /** Rejects at the next violation; every wait helper races it. */
  private conformanceFailure!: { promise: Promise<never>; reject: (error: ConformanceError) => void };
  /** The default guild and its first text channel. */
  readonly guild: FakeGuild;
  readonly channel: FakeTextChannel;

  private constructor(options: FakeDiscordOptions) {
    this.world = new DiscordWorld(() => this.cdnBase, options.botName ?? 'FakeBot');
    this.guild = this.world.addGuild({ name: 'Fake Guild', ...options.guild });
    this.channel = this.guild.channel;
    this.limiter = new RateLimiter(options.rateLimitPerSecond ?? 50);
    this.waitTimeoutMs = options.waitTimeoutMs ?? 5000;
    this.armConformanceFailure();
    this.conformance =
      options.checkConformance === false
        ? undefined
        : new Conformance((violation) => {
            console.error(`[fake-discord] ${describeViolation(violation)}`);
            this.conformanceFailure.reject(new ConformanceError([violation]));
          });

    const router = new RestRouter();
    registerBasicRoutes(router, this.world, { shards: options.shards ?? 1, gatewayUrl: () => this.gatewayUrl });
    registerApplicationRoutes(router, this.world);
    registerInteractionCallbackRoute(router, this.world);
    registerWebhookRoutes(router, this.world);
    registerChannelMessageRoutes(router, this.world);

    this.server = createServer(
      createRequestHandler({
        log: this.log,
        overrides: this.overrides,
        limiter: this.limiter,
        router,
        cdn: this.world.cdn,
        token: options.token,
        conformance: this.conformance,
      }),
    );
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.gateway = new Gateway(fake.server, {
      heartbeatInterval: options.heartbeatInterval ?? 41_250,
      filterIntents: options.filterIntents ?? true,
      token: options.token,
      resumeUrl: () => fake.gatewayUrl,
      ready: (shard, sessionId) => ({
        v: 10,
        user: fake.world.botUser,
        guilds: fake.guildsOnShard(shard).map((g) => ({ id: g.id, unavailable: true })),
        session_id: sessionId,
        resume_gateway_url: fake.gatewayUrl,
        shard,
        application: { id: fake.world.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
      }),
      guildsFor: (shard) => fake.guildsOnShard(shard).map(guildCreatePayload),
      members: (guildId) => [...(fake.world.guilds.get(guildId)?.members.values() ?? [])],
    });
    fake.world.dispatch = (t, d, target) => fake.gateway.dispatch(t, d, target);
    return fake;
  }

  // ---- addresses and identity ----

  /** Pass as `rest.api` (or DISCORD_API_URL). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get cdnBase(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  get applicationId(): string {
    return this.world.applicationId;
  }

  get botUser(): APIUser {
    return this.world.botUser;
  }

  // ---- fixtures ----

  /** A user with a stable id per name. */
  user(name: string): APIUser {
    return this.world.user(name);
  }

  member(user: APIUser | string, options: { permissions?: PermissionsInput; roles?: string[] } = {}): APIInteractionGuildMember {
    return makeInteractionMember(this.resolveUser(user), options);
  }

  /** Adds a guild; clients already connected get its GUILD_CREATE on the owning shard. */
  addGuild(options: AddGuildOptions = {}): FakeGuild {
    const guild = this.world.addGuild(options);
    void this.world.dispatch('GUILD_CREATE', guildCreatePayload(guild), { guildId: guild.id });
    return guild;
  }

  get guilds(): ReadonlyMap<string, FakeGuild> {
    return this.world.guilds;
  }

  /**
   * Starts a public thread under a text channel (it is NSFW exactly when its parent is,
   * as in Discord); connected clients get THREAD_CREATE, later ones find it in GUILD_CREATE.
   */
  async addThread(options: { parentId: string; name?: string; id?: string; ownerId?: string }): Promise<FakeThreadChannel> {
    const { thread, guild } = this.world.addThread(options);
    await this.world.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, { guildId: guild.id });
    return thread;
  }

  /** A file "uploaded by a user", served by the fake CDN; `sizeOverride` makes `size` lie. */
  addAttachment(options: { filename: string; contentType?: string; bytes: Buffer; sizeOverride?: number; channelId?: string }): APIAttachment {
    return toAPIAttachment(this.world.addAttachment(options));
  }

  /** A message that already exists (e.g. posted by a user before the bot started); no gateway event. */
  seedMessage(options: {
    channelId?: string;
    author?: APIUser | string;
    content?: string;
    embeds?: APIEmbed[];
    components?: APIMessageTopLevelComponent[];
  } = {}): StoredMessage {
    const channelId = options.channelId ?? this.channel.id;
    const where = this.world.channel(channelId);
    if (!where) throw new Error(`seedMessage: unknown channel ${channelId}`);
    return this.world.messages.create({
      id: this.world.ids.next(),
      channel_id: channelId,
      ...(where.guild ? { guild_id: where.guild.id } : {}),
      author: options.author ? this.resolveUser(options.author) : this.user('tester'),
      type: 0,
      content: options.content ?? 'hello',
      embeds: options.embeds ?? [],
      components: options.components ?? [],
      attachments: [],
      flags: 0,
    });
  }

  // ---- interactions ----

  async sendSlashCommand(options: SlashCommandOptions): Promise<SentInteraction> {
    const ctx = this.invocation(options);
    const command = this.commandFor(options.name, ctx);
    const payload = chatInputInteraction(ctx, command, options.options, options.attachments ?? [], {
      attachments: (id) => this.world.cdn.attachment(id),
      users: (id) => this.world.users.get(id),
    });
    return this.deliver(ctx, this.record(ctx, payload), options.shard);
  }

  /** `/name [group] subcommand options…` */
  sendSubcommand(options: SubcommandOptions): Promise<SentInteraction> {
    const sub: APIApplicationCommandInteractionDataSubcommandOption = {
      type: ApplicationCommandOptionType.Subcommand,
      name: options.subcommand,
      options: (options.options ?? []) as APIApplicationCommandInteractionDataBasicOption[],
    };
    const top: APIApplicationCommandInteractionDataOption = options.group
      ? { type: ApplicationCommandOptionType.SubcommandGroup, name: options.group, options: [sub] }
      : sub;
    return this.sendSlashCommand({ ...options, options: [top] });
  }

  /** Resolves with the choices of the bot's type 8 callback. */
  async sendAutocomplete(options: AutocompleteOptions): Promise<AutocompleteChoices> {
    const ctx = this.invocation(options);
    const payload = autocompleteInteraction(ctx, this.commandFor(options.name, ctx), focusOption(options.options, options.focused));
    const record = this.record(ctx, payload);
    const timeoutMs = options.timeoutMs ?? this.waitTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<AutocompleteChoices>((resolve, reject) => {
      record.autocomplete = { resolve, reject };
      timer = setTimeout(
        () => reject(new Error(`sendAutocomplete: the bot did not answer /${options.name} (focused: ${options.focused}) within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await this.deliver(ctx, record, options.shard);
      return await this.unlessNonConforming(answered);
    } finally {
      clearTimeout(timer);
      // Nobody listens any more: stop() must not reject it into an unhandled rejection.
      delete record.autocomplete;
    }
  }

  sendButton(options: ComponentOptions): Promise<SentInteraction> {
    return this.sendComponent(options, { customId: options.customId, componentType: ComponentType.Button });
  }

  sendSelect(options: SelectOptions): Promise<SentInteraction> {
    return this.sendComponent(options, {
      customId: options.customId,
      componentType: options.componentType ?? ComponentType.StringSelect,
      values: options.values,
    });
  }

  /** Submits a modal with text inputs `{ customId: value }`. */
  sendModalSubmit(options: InvokerOptions & { customId: string; fields: Record<string, string>; message?: MessageRef }): Promise<SentInteraction> {
    const message = options.message ? this.storedMessage(options.message) : undefined;
    const ctx = this.invocation(message ? { ...options, channelId: message.channel_id, guildId: message.guild_id ?? null } : options);
    const payload = modalSubmitInteraction(ctx, options.customId, options.fields, message ? toAPIMessage(message, this.botUser.id) : undefined);
    return this.deliver(ctx, this.record(ctx, payload, message?.id), options.shard);
  }

  /** The interaction behind a token: callbacks received, `@original`, expiry. */
  interaction(token: string): InteractionRecord | undefined {
    return this.world.interactions.withToken(token);
  }

  /** Later webhook calls with this token get 401 code 50027, as after Discord's 15 minutes. */
  expireInteraction(token: string): void {
    const record = this.world.interactions.withToken(token);
    if (!record) throw new Error(`expireInteraction: unknown interaction token ${token.slice(0, 24)}…`);
    record.expired = true;
  }

  // ---- reactions and moderation ----

  /** Resolves with the number of gateway sessions that received MESSAGE_REACTION_ADD (0 if filtered). */
  reactionAdd(options: ReactionOptions): Promise<number> {
    return addReaction(this.world, this.storedMessage(options.message), this.resolveUser(options.user), this.resolveEmoji(options.emoji));
  }

  reactionRemove(options: ReactionOptions): Promise<number> {
    return removeReaction(this.world, this.storedMessage(options.message), this.resolveUser(options.user).id, this.resolveEmoji(options.emoji));
  }

  /** The user no longer takes direct messages from the bot: its DM posts get 403 code 50007. */
  closeDirectMessages(user: APIUser | string): void {
    this.world.closedDms.add(this.resolveUser(user).id);
  }

  /** The DM channel between the bot and a user (messages the bot sent there have its id as channel_id). */
  dmChannelId(user: APIUser | string): string {
    return this.world.dmChannelWith(this.resolveUser(user)).id;
  }

  /** A moderator deletes the message: REST answers 404 code 10008 from now on, MESSAGE_DELETE goes out. */
  async deleteMessage(id: string): Promise<void> {
    const message = this.world.messages.delete(id);
    if (!message) throw new Error(`deleteMessage: no stored message ${id}`);
    await this.world.announceDelete(message);
  }

  /** Sends any dispatch, routed by guild like Discord; resolves with how many sessions got it. */
  dispatch(t: string, d: unknown, target: DispatchTarget = {}): Promise<number> {
    return this.world.dispatch(t, d, target);
  }

  /** Closes gateway sockets from the server side (default 4000, which clients resume after). */
  disconnectGateway(code = 4000, shard?: number): void {
    this.gateway.disconnect(code, shard);
  }

  set heartbeatAcks(enabled: boolean) {
    this.gateway.heartbeatAcks = enabled;
  }

  // ---- observation ----

  get requests(): readonly LoggedRequest[] {
    return this.log.entries;
  }

  waitForRequest(predicate: (request: LoggedRequest) => boolean, timeoutMs = this.waitTimeoutMs): Promise<LoggedRequest> {
    return this.unlessNonConforming(this.log.waitFor(predicate, timeoutMs));
  }

  get messages(): ReadonlyMap<string, StoredMessage> {
    return this.world.messages.byId;
  }

  get deletedMessages(): ReadonlyMap<string, StoredMessage> {
    return this.world.messages.deleted;
  }

  originalMessage(interactionToken: string): StoredMessage | undefined {
    const id = this.world.interactions.withToken(interactionToken)?.originalMessageId;
    return id ? this.world.messages.byId.get(id) : undefined;
  }

  /** Resolves with the first stored message (as created, after an edit or a reaction change) that satisfies `predicate`. */
  waitForMessage(predicate: (message: StoredMessage) => boolean, timeoutMs = this.waitTimeoutMs): Promise<StoredMessage> {
    return this.unlessNonConforming(this.world.messages.waitFor(predicate, timeoutMs));
  }

  /** Every departure from Discord's OpenAPI description seen so far (requests and the fake's answers). */
  get violations(): readonly Violation[] {
    return this.conformance?.violations ?? [];
  }

  /** Removes and returns the violations, for a test that sends a non-conforming request on purpose. */
  takeViolations(): Violation[] {
    const taken = this.conformance?.take() ?? [];
    this.armConformanceFailure();
    return taken;
  }

  /** The next `times` matching API requests get this answer instead of being routed. */
  respondNext(matcher: RequestMatcher, response: ForcedResponse, times = 1): void {
    this.overrides.add(matcher, response, times);
  }

  /** 429s from the rate limiter (not those forced with respondNext). */
  get count429(): number {
    return this.limiter.count429;
  }

  get identifies(): readonly GatewayIdentifyData[] {
    return this.gateway.identifies;
  }

  get dispatches(): readonly DispatchRecord[] {
    return this.gateway.dispatches;
  }

  get gatewayCloses(): readonly GatewayClose[] {
    return this.gateway.closes;
  }

  get downloads(): readonly CdnDownload[] {
    return this.world.cdn.downloads;
  }

  commands(guildId?: string): APIApplicationCommand[] {
    return this.world.commands.list(guildId);
  }

  async stop(): Promise<void> {
    this.log.close();
    this.world.messages.close();
    this.world.interactions.close();
    await this.gateway.stop();
    // undici keeps sockets alive; without this close() waits for them to time out.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (process.env['DISCORD_OPENAPI_STATS']) console.log(`[fake-discord] OpenAPI check so far in this process: ${JSON.stringify(DiscordOpenApi.shared().stats)}`);
    const nonConforming = this.conformance?.error;
    if (nonConforming) throw nonConforming;
  }

  // ---- internals ----

  /** A wait fails at once, naming the request, when a request did not conform (past or while waiting). */
  private unlessNonConforming<T>(wait: Promise<T>): Promise<T> {
    const error = this.conformance?.error;
    if (error) {
      wait.catch(() => {});
      return Promise.reject(error);
    }
    return this.conformance ? Promise.race([wait, this.conformanceFailure.promise]) : wait;
  }

  private armConformanceFailure(): void {
    let reject: (error: ConformanceError) => void = () => {};
    const promise = new Promise<never>((_resolve, fail) => {
      reject = fail;
    });
    // Nobody may be waiting when it happens; stop() reports it then.
    promise.catch(() => {});
    this.conformanceFailure = { promise, reject };
  }

  private guildsOnShard([shardId, shardCount]: [number, number]): FakeGuild[] {
    return [...this.world.guilds.values()].filter((g) => shardOf(g.id, shardCount) === shardId);
  }

  private resolveUser(user: APIUser | string): APIUser {
    return typeof user === 'string' ? this.world.user(user) : user;
  }

  private resolveEmoji(emoji: string | APIPartialEmoji): APIPartialEmoji {
    return typeof emoji === 'string' ? parseEmoji(emoji) : emoji;
  }

  private storedMessage(ref: MessageRef): StoredMessage {
    const id = typeof ref === 'string' ? ref : ref.id;
    const message = this.world.messages.byId.get(id);
    if (!message) throw new Error(`no stored message ${id} (deleted, or never created through the fake)`);
    return message;
  }

  private invocation(options: InvokerOptions): InvocationContext {
    const user = this.resolveUser(options.user ?? 'tester');
    const base = {
      applicationId: this.world.applicationId,
      id: this.world.ids.next(),
      token: '',
      user,
      locale: options.locale ?? Locale.EnglishUS,
      ...(options.attachmentSizeLimit !== undefined ? { attachmentSizeLimit: options.attachmentSizeLimit } : {}),
    };
    base.token = newInteractionToken(base.id);
    if (options.guildId === null) {
      return { ...base, channel: this.world.dmChannelWith(user), appPermissions: permissionsString(options.appPermissions, DEFAULT_BOT_PERMISSIONS) };
    }
    const byChannel = options.channelId ? this.world.channel(options.channelId) : undefined;
    const guild = options.guildId ? this.world.guilds.get(options.guildId) : (byChannel?.guild ?? this.guild);
    if (!guild) throw new Error(`unknown guild ${options.guildId}; add it with discord.addGuild()`);
    const channel = options.channelId
      ? (guild.channels.find((c) => c.id === options.channelId) ?? guild.threads.find((t) => t.id === options.channelId))
      : guild.channel;
    if (!channel) throw new Error(`channel ${options.channelId} is not in guild ${guild.id}`);
    const member =
      options.member ??
      makeInteractionMember(user, {
        ...(options.permissions !== undefined ? { permissions: options.permissions } : {}),
        roles: options.roles ?? [],
      });
    const { permissions: _permissions, ...guildMember } = member;
    guild.members.set(user.id, guildMember);
    return {
      ...base,
      guild,
      channel,
      member,
      appPermissions: permissionsString(options.appPermissions, BigInt(guild.botPermissions)),
    };
  }

  private commandFor(name: string, ctx: InvocationContext): { id: string; name: string; guildId?: string } {
    const registered = this.world.commands.find(name, ApplicationCommandType.ChatInput, ctx.guild?.id);
    if (!registered) return { id: stableSnowflake(`command:${name}`), name };
    return { id: registered.id, name, ...(registered.guild_id ? { guildId: registered.guild_id } : {}) };
  }

  private sendComponent(options: ComponentOptions, component: { customId: string; componentType: ComponentType; values?: string[] }): Promise<SentInteraction> {
    const message = this.storedMessage(options.message);
    const ctx = this.invocation({ ...options, channelId: message.channel_id, guildId: message.guild_id ?? null });
    const payload = componentInteraction(ctx, toAPIMessage(message, this.botUser.id), component);
    return this.deliver(ctx, this.record(ctx, payload, message.id), options.shard);
  }

  private record(ctx: InvocationContext, payload: APIInteraction, sourceMessageId?: string): InteractionRecord {
    return {
      id: ctx.id,
      token: ctx.token,
      type: payload.type,
      guildId: ctx.guild?.id ?? null,
      channelId: ctx.channel.id,
      user: ctx.user,
      payload,
      callbacks: [],
      expired: false,
      ...(sourceMessageId ? { sourceMessageId } : {}),
    };
  }

  private async deliver(ctx: InvocationContext, record: InteractionRecord, shard: number | undefined): Promise<SentInteraction> {
    this.world.interactions.add(record);
    const target: DispatchTarget = shard !== undefined ? { shard } : { guildId: ctx.guild?.id ?? null };
    const delivered = await this.world.dispatch('INTERACTION_CREATE', record.payload, target);
    if (delivered === 0) {
      const where = shard !== undefined ? `shard ${shard}` : ctx.guild ? `the shard owning guild ${ctx.guild.id}` : 'shard 0 (DMs)';
      throw new Error(`no gateway session for ${where} received the interaction; is the client logged in (clientReady) with that shard?`);
    }
    return { id: ctx.id, token: ctx.token, interaction: record.payload };
  }
}
