import { once } from 'node:events';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type ClientOptions,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type TextChannel,
} from 'discord.js';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, guildIdOnShard, shardOf } from './discord/index.ts';

const TOKEN = 'fake-bot-token.for-tests.only';
// A 1×1 PNG: real magic bytes and IHDR so the fake reports width/height.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Torn down in reverse: clients first, then fakes (a stopped fake makes live clients reconnect forever).
const clients: Client[] = [];
const fakes: FakeDiscord[] = [];
const botErrors: unknown[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.destroy();
  for (const fake of fakes.splice(0)) await fake.stop();
  const errors = botErrors.splice(0);
  expect(errors, 'errors thrown inside bot handlers').toEqual([]);
});

async function startFake(options: Parameters<typeof FakeDiscord.start>[0] = {}): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start(options);
  fakes.push(fake);
  return fake;
}

function newClient(discord: FakeDiscord, options: Partial<ClientOptions> = {}): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    rest: { api: discord.apiUrl, retries: 0, timeout: 2_000 },
    ...options,
  });
  clients.push(client);
  return client;
}

async function login(client: Client): Promise<void> {
  const ready = once(client, Events.ClientReady);
  await client.login(TOKEN);
  await ready;
}

/** Runs a bot handler, keeping its failures for afterEach instead of losing them. */
function onInteraction(client: Client, handler: (interaction: Interaction) => Promise<void>): void {
  client.on(Events.InteractionCreate, (interaction) => {
    handler(interaction).catch((error: unknown) => botErrors.push(error));
  });
}

/** A small bot with the behaviours the tests need. */
function installBot(client: Client): void {
  onInteraction(client, async (interaction) => {
    if (interaction.isAutocomplete()) {
      const typed = interaction.options.getFocused();
      const models = ['sdxl', 'sd15', 'flux-dev'];
      await interaction.respond(models.filter((m) => m.startsWith(typed)).map((m) => ({ name: m, value: m })));
      return;
    }
    if (interaction.isButton()) {
      await interaction.update({ content: `confirmed by ${interaction.user.username}`, components: [] });
      return;
    }
    if (!interaction.isChatInputCommand()) return;
    if (interaction.commandName === 'render') {
      await interaction.deferReply();
      const input = interaction.options.getAttachment('image', true);
      const downloaded = Buffer.from(await (await fetch(input.url)).arrayBuffer());
      const reply = await interaction.editReply({
        content: `rendered from ${input.name} (${downloaded.length} bytes)`,
        files: [{ attachment: PNG, name: 'result.png' }],
      });
      await interaction.followUp({ content: `result: ${reply.attachments.first()?.name} ${reply.attachments.first()?.size}` });
    } else if (interaction.commandName === 'menu') {
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId('confirm').setLabel('Confirm').setStyle(ButtonStyle.Primary),
      );
      await interaction.reply({ content: 'pick one', components: [row] });
    } else if (interaction.commandName === 'where') {
      const content = `guild ${interaction.guildId}`;
      const response = await interaction.reply({ content, flags: MessageFlags.Ephemeral, withResponse: true });
      if (response.resource?.message?.content !== content) throw new Error('with_response=true did not return the message');
    }
  });
}

describe('FakeDiscord with a real discord.js client', () => {
  it('logs in: gateway/bot, IDENTIFY, READY and GUILD_CREATE fill the caches', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    await login(client);

    expect(discord.requests[0]).toMatchObject({ method: 'GET', route: '/gateway/bot', auth: `Bot ${TOKEN}`, status: 200 });
    expect(discord.identifies).toHaveLength(1);
    expect(discord.identifies[0]).toMatchObject({ token: TOKEN, shard: [0, 1], intents: (1 << 0) | (1 << 10) });
    expect(client.user?.id).toBe(discord.botUser.id);
    expect(client.application?.id).toBe(discord.applicationId);
    const channel = client.channels.cache.get(discord.channel.id);
    expect(channel?.isTextBased()).toBe(true);
    expect(client.guilds.cache.get(discord.guild.id)?.members.me?.id).toBe(discord.botUser.id);
  });

  it('registers commands and routes a slash command with an attachment through defer, editReply with a PNG, followUp', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    installBot(client);
    await login(client);
    await client.application!.commands.set([
      {
        name: 'render',
        description: 'Render an image',
        options: [{ type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'input', required: true }],
      },
    ]);
    const [registered] = discord.commands();
    expect(registered).toMatchObject({ name: 'render', application_id: discord.applicationId });

    const input = discord.addAttachment({ filename: 'input.png', contentType: 'image/png', bytes: PNG });
    const sent = await discord.sendSlashCommand({
      name: 'render',
      user: 'alice',
      options: [{ type: ApplicationCommandOptionType.Attachment, name: 'image', value: input.id }],
    });
    expect(sent.interaction.data).toMatchObject({ id: registered!.id, resolved: { attachments: { [input.id]: { filename: 'input.png' } } } });

    const followUp = await discord.waitForMessage((m) => m.interactionToken === sent.token && m.content.startsWith('result:'));
    expect(followUp.content).toBe(`result: result.png ${PNG.length}`);

    const original = discord.originalMessage(sent.token)!;
    expect(original.content).toBe(`rendered from input.png (${PNG.length} bytes)`);
    expect(original.attachments).toHaveLength(1);
    const [png] = original.attachments;
    expect(png!.filename).toBe('result.png');
    expect(png!.content_type).toBe('image/png');
    expect(png!.bytes.subarray(0, 8)).toEqual(PNG_MAGIC);
    expect({ width: png!.width, height: png!.height }).toEqual({ width: 1, height: 1 });
    // Version 1 is the deferred "thinking…" message, version 2 the filled-in reply.
    expect(original.history.map((v) => v.content)).toEqual(['', original.content]);
    expect(original.history[0]!.flags & MessageFlags.Loading).toBeTruthy();
    expect(original.edited_timestamp).toBeNull();

    const callback = discord.requests.find((r) => r.route.endsWith('/callback'))!;
    expect(callback).toMatchObject({ json: { type: 5 }, status: 204, auth: undefined });
    const edit = discord.requests.find((r) => r.method === 'PATCH' && r.files)!;
    expect(edit.path).toBe(`/api/v10/webhooks/${discord.applicationId}/${sent.token}/messages/@original`);
    expect(edit.files![0]).toMatchObject({ name: 'result.png', contentType: 'image/png' });
    // The bot token goes to authenticated REST routes only: not to webhooks, callbacks or the CDN.
    expect(discord.downloads).toEqual([expect.objectContaining({ filename: 'input.png', status: 200, auth: undefined })]);
    const tokenBearing = discord.requests.filter((r) => r.auth !== undefined).map((r) => r.route);
    expect(tokenBearing.every((route) => !route.startsWith('/webhooks') && !route.startsWith('/interactions'))).toBe(true);
  });

  it('handles multipart replies, channel messages with edits and reactions, subcommands and guild data', async () => {
    const discord = await startFake({ guild: { premiumTier: 2 } });
    const client = newClient(discord);
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const guild = await client.guilds.fetch({ guild: interaction.guildId!, force: true });
      const job = interaction.options.getInteger('id', true);
      await interaction.reply({
        content: `${interaction.options.getSubcommand()} ${job} tier ${guild.premiumTier} limit ${interaction.attachmentSizeLimit}`,
        files: [{ attachment: PNG, name: 'preview.png' }],
      });
      const channel = interaction.channel as TextChannel;
      const posted = await channel.send({ content: 'log entry', files: [{ attachment: Buffer.from('hello'), name: 'note.txt' }] });
      await posted.edit({ content: 'log entry (edited)' });
      await posted.react('✅');
    });
    await login(client);

    const sent = await discord.sendSubcommand({
      name: 'job',
      subcommand: 'cancel',
      options: [{ type: ApplicationCommandOptionType.Integer, name: 'id', value: 7 }],
    });
    const posted = await discord.waitForMessage((m) => m.reactions.length > 0);
    expect(posted.content).toBe('log entry (edited)');
    expect(posted.history.map((v) => v.content)).toEqual(['log entry', 'log entry (edited)']);
    expect(posted.attachments[0]).toMatchObject({ filename: 'note.txt', content_type: 'text/plain; charset=utf-8' });
    expect(posted.attachments[0]!.bytes.toString()).toBe('hello');
    expect(posted.reactions).toEqual([{ emoji: { id: null, name: '✅' }, userIds: [discord.botUser.id] }]);

    const reply = discord.originalMessage(sent.token)!;
    expect(reply.content).toBe(`cancel 7 tier 2 limit ${50 * 1024 * 1024}`);
    expect(reply.attachments[0]!.bytes.subarray(0, 8)).toEqual(PNG_MAGIC);
    const callback = discord.requests.find((r) => r.route.endsWith('/callback'))!;
    expect(callback.contentType).toMatch(/^multipart\/form-data/);
    expect(callback.payload).toMatchObject({ type: 4 });
    expect(discord.requests.find((r) => r.route === `/guilds/${discord.guild.id}`)).toMatchObject({ status: 200 });
  });

  it('lets attachments lie about their size and refuses uploads over the guild limit with 413', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    const outcome: Array<Promise<unknown>> = [];
    client.on(Events.InteractionCreate, (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const input = interaction.options.getAttachment('image', true);
      outcome.push(
        interaction
          .reply({ content: `size ${input.size}`, files: [{ attachment: Buffer.alloc(10 * 1024 * 1024 + 1), name: 'huge.bin' }] })
          .catch((e: unknown) => e),
      );
    });
    await login(client);

    const liar = discord.addAttachment({ filename: 'big.png', contentType: 'image/png', bytes: PNG, sizeOverride: 200 * 1024 * 1024 });
    expect(liar.size).toBe(200 * 1024 * 1024);
    await discord.sendSlashCommand({
      name: 'render',
      options: [{ type: ApplicationCommandOptionType.Attachment, name: 'image', value: liar.id }],
    });
    await discord.waitForRequest((r) => r.route.endsWith('/callback'));
    expect(await outcome[0]).toMatchObject({ status: 413, code: 40005 });
  });

  it('creates the roles a guild is given, and members who invoke with them have them', async () => {
    const discord = await startFake({ guild: { roles: [{ id: '1100000000000000099', name: 'artists' }] } });
    const client = newClient(discord);
    const seen = new Promise<string[]>((resolve) => {
      client.on(Events.InteractionCreate, (interaction) => {
        resolve(interaction.inGuild() && interaction.inCachedGuild() ? [...interaction.member.roles.cache.keys()] : []);
      });
    });
    await login(client);
    expect(client.guilds.cache.get(discord.guild.id)?.roles.cache.get('1100000000000000099')?.name).toBe('artists');
    await discord.sendSlashCommand({ name: 'where', user: 'ana', roles: ['1100000000000000099'] });
    expect(await seen).toContain('1100000000000000099');
  });

  it('answers autocomplete with the choices the bot sent', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    installBot(client);
    await login(client);

    const choices = await discord.sendAutocomplete({
      name: 'render',
      options: [{ type: ApplicationCommandOptionType.String, name: 'model', value: 'sd' }],
      focused: 'model',
    });
    expect(choices).toEqual([
      { name: 'sdxl', value: 'sdxl' },
      { name: 'sd15', value: 'sd15' },
    ]);
  });

  it('delivers a button press on a stored message and records the type 7 update', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    installBot(client);
    await login(client);

    const menu = await discord.sendSlashCommand({ name: 'menu', user: 'alice' });
    const message = await discord.waitForMessage((m) => m.interactionToken === menu.token);
    expect(message.components).toHaveLength(1);

    const press = await discord.sendButton({ customId: 'confirm', message, user: 'bob' });
    await discord.waitForMessage((m) => m.id === message.id && m.content === 'confirmed by bob');
    expect(discord.messages.get(message.id)!.components).toEqual([]);
    expect(discord.messages.get(message.id)!.history).toHaveLength(2);
    expect(discord.interaction(press.token)!.callbacks.map((c) => c.type)).toEqual([7]);
  });

  it('fires messageReactionAdd for an uncached message as partials, fetch works, then 404 10008 after deletion', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    await login(client);
    const seeded = discord.seedMessage({ author: 'carol', content: 'render this please' });

    const added = once(client, Events.MessageReactionAdd) as Promise<[MessageReaction | PartialMessageReaction]>;
    expect(await discord.reactionAdd({ message: seeded, user: 'dave', emoji: '❌' })).toBe(1);
    const [reaction] = await added;
    expect(reaction.partial).toBe(true);
    expect(reaction.message.partial).toBe(true);
    expect(reaction.emoji.name).toBe('❌');
    const fetched = await reaction.message.fetch();
    expect(fetched.content).toBe('render this please');
    expect(fetched.author.username).toBe('carol');

    const removed = once(client, Events.MessageReactionRemove);
    await discord.reactionRemove({ message: seeded, user: 'dave', emoji: '❌' });
    await removed;

    await discord.deleteMessage(seeded.id);
    const channel = client.channels.cache.get(discord.channel.id) as TextChannel;
    const error = await channel.messages.fetch({ message: seeded.id, force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(10008);
  });

  it('drops reactions when IDENTIFY lacked GUILD_MESSAGE_REACTIONS', async () => {
    const discord = await startFake();
    const client = newClient(discord, { intents: [GatewayIntentBits.Guilds] });
    await login(client);
    const seeded = discord.seedMessage();

    expect(await discord.reactionAdd({ message: seeded, user: 'dave', emoji: '👍' })).toBe(0);
    expect(discord.dispatches.at(-1)).toMatchObject({ t: 'MESSAGE_REACTION_ADD', dropped: 'intent' });
  });

  it('answers 429 with retry_after and X-RateLimit headers beyond the per-second limit', async () => {
    const discord = await startFake({ rateLimitPerSecond: 5 });
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(`${discord.apiUrl}/v10/users/@me`, { headers: { authorization: `Bot ${TOKEN}` } }).then(async (res) => ({
          status: res.statusCode,
          headers: res.headers,
          body: (await res.body.json()) as { retry_after?: number; global?: boolean },
        })),
      ),
    );
    const limited = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(discord.count429).toBe(3);
    for (const response of limited) {
      expect(response.body.retry_after).toBeGreaterThan(0);
      expect(response.body.global).toBe(true);
      expect(response.headers['x-ratelimit-limit']).toBe('5');
      expect(response.headers['x-ratelimit-remaining']).toBe('0');
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // Forced errors are not counted as rate limiting.
    discord.respondNext({ method: 'GET', path: '/gateway/bot' }, { status: 429, json: { retry_after: 1, global: false } });
    const forced = await request(`${discord.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${TOKEN}` } });
    await forced.body.dump();
    expect(forced.statusCode).toBe(429);
    expect(discord.count429).toBe(3);
  });

  it('routes interactions to the shard owning the guild when two clients each run one of two shards', async () => {
    const discord = await startFake({ shards: 2 });
    const shardOfDefault = shardOf(discord.guild.id, 2);
    const other = discord.addGuild({ id: guildIdOnShard(1 - shardOfDefault, 2), name: 'Other Guild' });
    const guildByShard = shardOfDefault === 0 ? [discord.guild.id, other.id] : [other.id, discord.guild.id];

    const seen: string[][] = [[], []];
    for (const shard of [0, 1]) {
      const client = newClient(discord, { shards: [shard], shardCount: 2 });
      client.on(Events.InteractionCreate, (interaction) => seen[shard]!.push(interaction.guildId ?? 'dm'));
      installBot(client);
      await login(client);
      expect([...client.guilds.cache.keys()]).toEqual([guildByShard[shard]]);
    }
    expect(discord.identifies.map((i) => i.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);

    const first = await discord.sendSlashCommand({ name: 'where', guildId: guildByShard[0] });
    const second = await discord.sendSlashCommand({ name: 'where', guildId: guildByShard[1] });
    await discord.waitForMessage((m) => m.interactionToken === first.token);
    await discord.waitForMessage((m) => m.interactionToken === second.token);
    // Each socket is ordered: had the first interaction leaked to shard 1, it would precede the second there.
    expect(seen).toEqual([[guildByShard[0]], [guildByShard[1]]]);
    expect(discord.originalMessage(second.token)!.content).toBe(`guild ${guildByShard[1]}`);
  });

  it('resumes after a server-side close and replays what was dispatched meanwhile', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    installBot(client);
    await login(client);

    const resumed = once(client, Events.ShardResume);
    discord.disconnectGateway(4000);
    // The socket is closing: this interaction waits in the session's replay buffer.
    const sent = await discord.sendSlashCommand({ name: 'where' });
    await resumed;
    await discord.waitForMessage((m) => m.interactionToken === sent.token);

    expect(discord.identifies).toHaveLength(1);
    expect(discord.gatewayCloses[0]).toMatchObject({ code: 4000, by: 'fake' });
    const sequence = discord.dispatches.flatMap((d) => (d.s === undefined ? [] : [d.s]));
    expect(sequence).toEqual(sequence.map((_, i) => i + 1));
    expect(discord.dispatches.at(-1)).toMatchObject({ t: 'RESUMED' });
  });

  it('turns respondNext and expired tokens into the DiscordAPIErrors a bot sees', async () => {
    const discord = await startFake();
    const client = newClient(discord);
    const replies: Array<Promise<unknown>> = [];
    client.on(Events.InteractionCreate, (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      replies.push(
        (async () => {
          await interaction.deferReply();
          return interaction.editReply('late answer').catch((e: unknown) => e);
        })(),
      );
    });
    await login(client);

    discord.respondNext(
      { method: 'PATCH', path: /\/messages\/@original$/ },
      { status: 401, json: { message: 'Invalid Webhook Token', code: 50027 } },
    );
    await discord.sendSlashCommand({ name: 'slow' });
    await discord.waitForRequest((r) => r.note === 'respondNext');
    expect(await replies[0]).toMatchObject({ code: 50027, status: 401 });

    // An expired token behaves the same without an override.
    const sent = await discord.sendSlashCommand({ name: 'slow' });
    await discord.waitForRequest((r) => r.route.startsWith(`/interactions/${sent.id}/`));
    discord.expireInteraction(sent.token);
    expect(await replies[1]).toMatchObject({ code: 50027, status: 401 });

    // A route Discord does not have: 404 as from Discord, and a conformance violation the test takes.
    const unknown = await request(`${discord.apiUrl}/v10/no/such/route`, { headers: { authorization: `Bot ${TOKEN}` } });
    await unknown.body.dump();
    expect(discord.takeViolations()).toMatchObject([{ part: 'route', request: 'GET /no/such/route' }]);
    expect(await discord.waitForRequest((r) => r.route === '/no/such/route')).toMatchObject({ status: 404 });
  });

  it('models NSFW channels and threads: a thread has no mark of its own and takes its parent’s, before and after login', async () => {
    const discord = await startFake({ guild: { channels: [{ name: 'general' }, { name: 'after-dark', nsfw: true }] } });
    const [general, afterDark] = discord.guild.channels;
    const early = await discord.addThread({ parentId: afterDark!.id, name: 'early' });
    const client = newClient(discord);
    const seen: Array<{ channel: string; thread: boolean; parentNsfw: boolean | undefined; nsfw: boolean | undefined }> = [];
    onInteraction(client, async (interaction) => {
      const channel = interaction.channel;
      seen.push({
        channel: interaction.channelId ?? '',
        thread: channel?.isThread() ?? false,
        parentNsfw: channel?.isThread() ? (channel.parent as TextChannel | null)?.nsfw : undefined,
        nsfw: channel && 'nsfw' in channel ? channel.nsfw : undefined,
      });
      if (interaction.isRepliable()) await interaction.reply('ok');
    });
    await login(client);
    // From GUILD_CREATE's threads, and from THREAD_CREATE once connected.
    expect(client.channels.cache.get(early.id)?.isThread()).toBe(true);
    const late = await discord.addThread({ parentId: general!.id, name: 'late' });
    expect(late).not.toHaveProperty('nsfw');
    for (const channelId of [general!.id, afterDark!.id, early.id, late.id]) {
      await discord.sendSlashCommand({ name: 'where', channelId });
      await discord.waitForMessage((m) => m.channel_id === channelId && m.content === 'ok');
    }
    expect(seen).toEqual([
      { channel: general!.id, thread: false, parentNsfw: undefined, nsfw: false },
      { channel: afterDark!.id, thread: false, parentNsfw: undefined, nsfw: true },
      { channel: early.id, thread: true, parentNsfw: true, nsfw: undefined },
      { channel: late.id, thread: true, parentNsfw: false, nsfw: undefined },
    ]);
  });
});
