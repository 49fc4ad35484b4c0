// The allow-lists (ALLOWED_GUILDS, ALLOWED_CHANNELS, ALLOWED_ROLES) hold for
// every command, button, modal, reaction and autocomplete (spec H1): from where
// the bot is not allowed, the only thing that happens is the refusal. Nothing is
// fetched from the CDN, nothing asked of ComfyUI, nothing recorded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ApplicationCommandOptionType, InteractionResponseType, Locale, MessageFlags, type APIAttachment } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeComfy, makePng } from '../fakes/comfy/index.ts';
import { FakeDiscord, type InvokerOptions, type SentInteraction, type StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait.ts';

const GUILD = '1100000000000000001';
const GENERAL = '1100000000000000011';
const ELSEWHERE = '1100000000000000012';
const ROLE = '1100000000000000099';
const OTHER_GUILD = '1200000000000000001';
const OTHER_CHANNEL = '1200000000000000011';

type Place = Pick<InvokerOptions, 'guildId' | 'channelId' | 'roles'>;
const general: Place = { guildId: GUILD, channelId: GENERAL };
const elsewhere: Place = { guildId: GUILD, channelId: ELSEWHERE };
const otherGuild: Place = { guildId: OTHER_GUILD, channelId: OTHER_CHANNEL };

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const isFailed = (m: StoredMessage) => m.content?.includes('the job failed') ?? false;
const isQueued = (m: StoredMessage) => m.content?.includes('Queued') ?? false;

/** A finished and a failed job whose messages sit in one place; their buttons are pressed later. */
interface Jobs {
  success: { id: string; message: StoredMessage };
  failed: { id: string; message: StoredMessage };
}

let comfy: FakeComfy;
let discord: FakeDiscord;
let dataDir: string;
let image: APIAttachment;
const jobsAt = new Map<Place, Jobs>();

function generate(h: Harness, workflow: string, at: Place, options: Record<string, string>, attachment?: APIAttachment): Promise<SentInteraction> {
  return h.discord.sendSubcommand({
    name: 'generate',
    subcommand: workflow,
    user: 'ana',
    ...at,
    options: [
      ...Object.entries(options).map(([name, value]) => ({ name, type: ApplicationCommandOptionType.String as const, value })),
      ...(attachment ? [{ name: 'image', type: ApplicationCommandOptionType.Attachment as const, value: attachment.id }] : []),
    ],
    attachments: attachment ? [attachment] : [],
  });
}

async function jobMessage(h: Harness, sent: SentInteraction, pred: (m: StoredMessage) => boolean) {
  const message = await h.reply(sent.token, pred);
  const id = h.bot.ledger.byMessageId(message.id)?.id;
  if (!id) throw new Error('no job recorded for the message');
  return { id, message };
}

beforeAll(async () => {
  comfy = await FakeComfy.start({ stepMs: 0 });
  discord = await FakeDiscord.start({
    guild: { id: GUILD, channels: [{ id: GENERAL, name: 'general' }, { id: ELSEWHERE, name: 'elsewhere' }], roles: [{ id: ROLE, name: 'artists' }] },
  });
  discord.addGuild({ id: OTHER_GUILD, name: 'Other Guild', channels: [{ id: OTHER_CHANNEL, name: 'other' }] });
  dataDir = mkdtempSync(join(tmpdir(), 'comfycord-access-'));
  image = discord.addAttachment({ filename: 'cat.png', contentType: 'image/png', bytes: makePng(32, 32, [9, 9, 9]) });
  // Before any allow-list: jobs in the places that will be out of bounds.
  const setup = await startHarness({ reuse: { comfies: [comfy], discord, dataDir } });
  try {
    for (const at of [elsewhere, otherGuild]) {
      const success = await jobMessage(setup, await generate(setup, 'txt2img', at, { prompt: 'a cat' }), isFinal);
      comfy.failNode('KSampler', { exception_type: 'RuntimeError', exception_message: 'CUDA out of memory' }, 1);
      const failed = await jobMessage(setup, await generate(setup, 'txt2img', at, { prompt: 'a dog' }), isFailed);
      await waitFor(() => [success.id, failed.id].every((id) => setup.bot.ledger.get(id)?.state === 'delivered'));
      jobsAt.set(at, { success, failed });
    }
  } finally {
    await setup.stopBot();
  }
});

afterAll(async () => {
  await discord?.stop();
  await comfy?.stop();
});

interface Config {
  name: string;
  env: Record<string, string>;
  /** Where the refused user acts, and where the jobs whose buttons they press are. */
  refusedAt: Place;
  jobs: Place;
  allowedAt: Place;
  refusal: string;
  /** The same in Chinese, for a user whose Discord speaks it. */
  refusalZh: string;
}

const configs: Config[] = [
  {
    name: 'ALLOWED_CHANNELS',
    env: { ALLOWED_CHANNELS: GENERAL },
    refusedAt: elsewhere,
    jobs: elsewhere,
    allowedAt: general,
    refusal: `This bot only works in <#${GENERAL}>.`,
    refusalZh: `本机器人只能在 <#${GENERAL}> 中使用。`,
  },
  {
    name: 'ALLOWED_GUILDS',
    env: { ALLOWED_GUILDS: GUILD },
    refusedAt: otherGuild,
    jobs: otherGuild,
    allowedAt: elsewhere,
    refusal: 'This bot is not enabled in this server.',
    refusalZh: '此服务器未启用本机器人。',
  },
  {
    name: 'ALLOWED_ROLES',
    env: { ALLOWED_ROLES: ROLE },
    refusedAt: { ...general, roles: [] },
    jobs: elsewhere,
    allowedAt: { ...general, roles: [ROLE] },
    refusal: 'You need one of the roles this bot is limited to. Ask a moderator.',
    refusalZh: '你需要拥有本机器人限定的身份组之一。请询问管理员。',
  },
];

const checkpointTyped = [
  { name: 'txt2img', type: ApplicationCommandOptionType.Subcommand as const, options: [{ name: 'checkpoint', type: ApplicationCommandOptionType.String as const, value: '' }] },
];

type Row =
  | { name: string; kind: 'reply'; send: (h: Harness, at: Place, jobs: Jobs) => Promise<SentInteraction> }
  | { name: string; kind: 'autocomplete'; command: string; focused: string; options: Parameters<FakeDiscord['sendAutocomplete']>[0]['options'] }
  | { name: string; kind: 'reaction' };

const command = (name: string, options: Array<{ name: string; value: string }> = []): Row => ({
  name: `/${name}${options.map((o) => ` ${o.name}:${o.value}`).join('')}`,
  kind: 'reply',
  send: (h, at) =>
    h.discord.sendSlashCommand({ name, user: 'ana', ...at, options: options.map((o) => ({ ...o, type: ApplicationCommandOptionType.String })) }),
});

const rows: Row[] = [
  { name: '/generate img2img with an attachment', kind: 'reply', send: (h, at) => generate(h, 'img2img', at, { prompt: 'x' }, image) },
  { name: '/generate txt2img', kind: 'reply', send: (h, at) => generate(h, 'txt2img', at, { prompt: 'x' }) },
  command('queue'),
  command('history'),
  command('history', [{ name: 'job', value: 'abc' }]),
  command('cancel'),
  command('cancel', [{ name: 'job', value: 'all' }]),
  command('models'),
  command('models', [{ name: 'folder', value: 'checkpoints' }]),
  command('nodes'),
  command('nodes', [{ name: 'class', value: 'KSampler' }]),
  command('status'),
  command('show', [{ name: 'job', value: 'abc' }]),
  { name: '/settings show', kind: 'reply', send: (h, at) => h.discord.sendSubcommand({ name: 'settings', subcommand: 'show', user: 'ana', ...at }) },
  {
    name: '/settings set option:steps value:12',
    kind: 'reply',
    send: (h, at) =>
      h.discord.sendSubcommand({
        name: 'settings',
        subcommand: 'set',
        user: 'ana',
        ...at,
        options: [
          { name: 'option', type: ApplicationCommandOptionType.String, value: 'steps' },
          { name: 'value', type: ApplicationCommandOptionType.String, value: '12' },
        ],
      }),
  },
  {
    name: 'the Cancel button',
    kind: 'reply',
    send: (h, at, jobs) => h.discord.sendButton({ customId: `cancel:${jobs.success.id}`, message: jobs.success.message, user: 'ana', roles: at.roles ?? [] }),
  },
  {
    name: 'the Re-roll button',
    kind: 'reply',
    send: (h, at, jobs) => h.discord.sendButton({ customId: `reroll:${jobs.success.id}`, message: jobs.success.message, user: 'ana', roles: at.roles ?? [] }),
  },
  {
    name: 'the Retry button',
    kind: 'reply',
    send: (h, at, jobs) => h.discord.sendButton({ customId: `retry:${jobs.failed.id}`, message: jobs.failed.message, user: 'ana', roles: at.roles ?? [] }),
  },
  {
    name: 'the Use as input button',
    kind: 'reply',
    send: (h, at, jobs) => h.discord.sendButton({ customId: `use:${jobs.success.id}:0`, message: jobs.success.message, user: 'ana', roles: at.roles ?? [] }),
  },
  {
    name: 'the Use as input modal',
    kind: 'reply',
    send: (h, at, jobs) =>
      h.discord.sendModalSubmit({
        customId: `usemodal:${jobs.success.id}:0`,
        fields: { prompt: 'now in watercolour' },
        message: jobs.success.message,
        user: 'ana',
        roles: at.roles ?? [],
      }),
  },
  {
    name: 'a button the bot never made',
    kind: 'reply',
    send: (h, at, jobs) => h.discord.sendButton({ customId: 'garbage', message: jobs.success.message, user: 'ana', roles: at.roles ?? [] }),
  },
  { name: '❌ on a job message', kind: 'reaction' },
  { name: 'autocomplete of /generate checkpoint', kind: 'autocomplete', command: 'generate', focused: 'checkpoint', options: checkpointTyped },
  { name: 'autocomplete of /models folder', kind: 'autocomplete', command: 'models', focused: 'folder', options: [{ name: 'folder', type: ApplicationCommandOptionType.String, value: '' }] },
  { name: 'autocomplete of /nodes class', kind: 'autocomplete', command: 'nodes', focused: 'class', options: [{ name: 'class', type: ApplicationCommandOptionType.String, value: 'K' }] },
  { name: 'autocomplete of /show job', kind: 'autocomplete', command: 'show', focused: 'job', options: [{ name: 'job', type: ApplicationCommandOptionType.String, value: '' }] },
  {
    name: 'autocomplete of /settings set option',
    kind: 'autocomplete',
    command: 'settings',
    focused: 'option',
    options: [{ name: 'set', type: ApplicationCommandOptionType.Subcommand, options: [{ name: 'option', type: ApplicationCommandOptionType.String, value: 'st' }] }],
  },
  { name: 'autocomplete of /cancel job', kind: 'autocomplete', command: 'cancel', focused: 'job', options: [{ name: 'job', type: ApplicationCommandOptionType.String, value: '' }] },
];

function ledgerRows(table: 'jobs' | 'user_settings' = 'jobs'): number {
  const db = new Database(join(dataDir, 'jobs.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** ComfyUI requests other than the bot's health checks and its socket. */
const comfyWork = (from: number) => comfy.requests.slice(from).filter((r) => !(r.method === 'GET' && r.route === '/prompt') && r.status !== 101);

describe.each(configs)('with $name set', (config) => {
  let h: Harness;
  const tokens: string[] = [];
  let before: { comfy: number; downloads: number; rows: number; discord: number };

  beforeAll(async () => {
    // The data of the setup run: the jobs, and the buttons on their messages, are still there.
    h = await startHarness({ reuse: { comfies: [comfy], discord, dataDir }, env: config.env, bot: { healthIntervalMs: 3_600_000 } });
    before = { comfy: comfy.requests.length, downloads: discord.downloads.length, rows: ledgerRows(), discord: discord.requests.length };
  });
  afterAll(async () => {
    await h?.stopBot();
  });

  it.each(rows)('$name from where it is not allowed: only the refusal', async (row) => {
    const at = config.refusedAt;
    const jobs = jobsAt.get(config.jobs)!;
    if (row.kind === 'reply') {
      const sent = await row.send(h, at, jobs);
      tokens.push(sent.token);
      const answer = await discord.waitForMessage((m) => m.interactionToken === sent.token);
      expect(answer.content).toBe(`⚠️ ${config.refusal}`);
      expect((answer.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
      expect(discord.interaction(sent.token)?.callbacks.map((c) => c.type)).toEqual([InteractionResponseType.ChannelMessageWithSource]);
    } else if (row.kind === 'autocomplete') {
      const choices = await discord.sendAutocomplete({ name: row.command, focused: row.focused, options: row.options, user: 'ana', ...at });
      expect(choices).toEqual([]);
    } else {
      const message = jobs.success.message;
      // The member (and the roles) the reaction event carries are the ones of the refused user's last interaction.
      await discord.sendSlashCommand({ name: 'status', user: 'ana', ...at });
      await discord.reactionAdd({ message, user: 'ana', emoji: '❌' });
      await waitFor(() => h.logs.some((l) => l.includes('reaction refused by the access rules') && l.includes(message.id)));
      await discord.reactionRemove({ message, user: 'ana', emoji: '❌' });
      expect(h.bot.ledger.get(jobs.success.id)?.outcome).toBe('success');
    }
  });

  it('says the refusal in the user’s language', async () => {
    const sent = await discord.sendSlashCommand({ name: 'queue', user: 'ana', locale: Locale.ChineseCN, ...config.refusedAt });
    tokens.push(sent.token);
    const answer = await discord.waitForMessage((m) => m.interactionToken === sent.token);
    expect(answer.content).toBe(`⚠️ ${config.refusalZh}`);
  });

  it('nothing refused reached ComfyUI, the CDN or the ledger, and nothing more was said', () => {
    expect(comfyWork(before.comfy).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(discord.downloads.length).toBe(before.downloads);
    expect(ledgerRows()).toBe(before.rows);
    expect(ledgerRows('user_settings')).toBe(0);
    // No edit or follow-up after a refusal.
    const later = discord.requests.slice(before.discord).filter((r) => r.route.startsWith('/webhooks/') && tokens.some((t) => r.path.includes(t)));
    expect(later).toEqual([]);
  });

  it('an allowed user still generates from an attachment, cancels with ❌, re-rolls and gets suggestions', async () => {
    const at = config.allowedAt;
    const choices = await discord.sendAutocomplete({ name: 'generate', focused: 'checkpoint', options: checkpointTyped, user: 'ana', ...at });
    expect(choices.map((c) => c.value)).toEqual(['random-sd15.safetensors']);
    comfy.hold();
    let queued: Awaited<ReturnType<typeof jobMessage>>;
    try {
      queued = await jobMessage(h, await generate(h, 'img2img', at, { prompt: 'allowed' }, image), isQueued);
      expect(discord.downloads.length).toBe(before.downloads + 1);
      await discord.reactionAdd({ message: queued.message, user: 'ana', emoji: '❌' });
      await h.reply(queued.message.interactionToken!, (m) => m.content?.includes('Cancelled by') ?? false);
    } finally {
      comfy.release();
    }
    const sent = await discord.sendButton({ customId: `reroll:${queued.id}`, message: queued.message, user: 'ana', roles: at.roles ?? [] });
    await h.reply(sent.token, isFinal);
  });
});
