// /admin end to end (O2): ban/unban, reload, free and purge, by a member with
// Manage Server; anyone else is refused by the bot itself. Observed through the
// fake Discord (answers, the registered command set) and the fake ComfyUIs (what
// they were asked).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const MANAGER = PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel;
const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const says = (text: string) => (m: StoredMessage) => m.content?.includes(text) ?? false;
type Option = { name: string; type: number; value: string | number };

/** `/admin <sub>` by `user` (Manage Server unless `permissions` says otherwise); resolves with the answer's text. */
async function admin(h: Harness, sub: string, options: Option[] = [], extra: { permissions?: bigint; user?: string; locale?: string } = {}) {
  const sent = await h.discord.sendSubcommand({
    name: 'admin',
    subcommand: sub,
    options,
    user: extra.user ?? 'owner',
    permissions: extra.permissions ?? MANAGER,
    ...(extra.locale ? { locale: extra.locale as never } : {}),
  });
  const reply = await h.discord.waitForMessage((m) => m.interactionToken === sent.token && (m.content ?? '') !== '');
  return reply.content ?? '';
}

const userOption = (h: Harness, name: string): Option => ({ name: 'user', type: ApplicationCommandOptionType.User, value: h.discord.user(name).id });
const posts = (h: Harness) => h.comfies.flatMap((c) => c.requests).filter((r) => r.method === 'POST');

describe('/admin', () => {
  it('is refused to a member without Manage Server, whatever the subcommand, and does nothing', async () => {
    h = await startHarness();
    const ana = h.discord.user('ana').id;
    for (const [sub, options] of [
      ['ban', [userOption(h, 'ana')]],
      ['reload', []],
      ['free', []],
      ['purge', [{ name: 'older_than_days', type: ApplicationCommandOptionType.Integer, value: 0 }]],
    ] as Array<[string, Option[]]>) {
      expect(await admin(h, sub, options, { permissions: PermissionFlagsBits.ViewChannel, user: 'bob' })).toContain('Manage Server permission');
    }
    expect(h.bot.bans.isBanned(ana, h.discord.guild.id)).toBe(false);
    expect(posts(h)).toEqual([]);
    // In the member's language.
    expect(await admin(h, 'free', [], { permissions: PermissionFlagsBits.ViewChannel, user: 'bob', locale: 'zh-CN' })).toContain('管理服务器');
  });

  it("ban: the user's /generate, buttons and ❌ do nothing (no ComfyUI request); unban restores them", async () => {
    h = await startHarness({ comfy: { stepMs: 5 } });
    const ana = h.discord.user('ana').id;
    const first = await h.generate('txt2img', { prompt: 'before the ban' }, { user: 'ana' });
    const done = await h.reply(first, isFinal);
    const job = h.bot.ledger.byMessageId(done.id)!;

    const answer = await admin(h, 'ban', [userOption(h, 'ana'), { name: 'reason', type: ApplicationCommandOptionType.String, value: 'spam' }]);
    expect(answer).toContain(`<@${ana}> is banned from using the bot in this server`);
    expect(answer).toContain('Reason: spam');
    expect(h.bot.bans.get(ana, h.discord.guild.id)).toMatchObject({ reason: 'spam', by: h.discord.user('owner').id });
    expect(await admin(h, 'ban', [userOption(h, 'ana')])).toContain('was already banned');
    expect(await admin(h, 'ban', [userOption(h, 'owner')])).toContain('cannot ban yourself');
    const before = h.comfy.requests.length;

    const command = await h.generate('txt2img', { prompt: 'after the ban' }, { user: 'ana' });
    await h.reply(command, says('You are banned from using this bot.'));
    const reroll = await h.discord.sendButton({ customId: `reroll:${job.id}`, message: done.id, user: 'ana' });
    await h.reply(reroll.token, says('banned'));
    await h.discord.reactionAdd({ message: done.id, user: 'ana', emoji: '❌' });
    await waitFor(() => h!.logs.some((l) => l.includes('reaction refused by the access rules') && l.includes('"rule":"bans"')));
    const since = h.comfy.requests.slice(before);
    expect(since.filter((r) => r.method === 'POST' || r.path.startsWith('/object_info') || r.path.startsWith('/models'))).toEqual([]);
    // Someone else is not affected.
    await h.reply(await h.generate('txt2img', { prompt: 'bob is fine' }, { user: 'bob' }), isFinal);

    expect(await admin(h, 'unban', [userOption(h, 'ana')])).toContain(`<@${ana}> may use the bot again`);
    expect(await admin(h, 'unban', [userOption(h, 'ana')])).toContain('was not banned');
    await h.reply(await h.generate('txt2img', { prompt: 'back again' }, { user: 'ana' }), isFinal);
    // In Chinese too.
    expect(await admin(h, 'ban', [userOption(h, 'ana')], { locale: 'zh-CN' })).toContain('已被禁止在本服务器使用本机器人');
  });

  it('is registered with every subcommand, each described in zh-CN too', async () => {
    h = await startHarness();
    await h.bot.ready;
    const registered = h.discord.commands(h.discord.guild.id).find((c) => c.name === 'admin')!;
    const subs = registered.options ?? [];
    expect(subs.map((s) => s.name)).toEqual(['pause', 'resume', 'first', 'ban', 'unban', 'reload', 'free', 'purge']);
    for (const sub of subs) {
      expect(sub.description_localizations?.['zh-CN']).toBeTruthy();
      for (const o of (sub as { options?: Array<{ description_localizations?: Record<string, string> }> }).options ?? []) {
        expect(o.description_localizations?.['zh-CN']).toBeTruthy();
      }
    }
  });

  it('reload: an added workflow is registered, a broken one is reported and the rest kept, a removed one still runs the job accepted with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    cpSync(join(REPO_ROOT, 'workflows'), dir, { recursive: true });
    h = await startHarness({ comfy: { stepMs: 5 }, env: { WORKFLOWS_DIR: dir } });
    await h.bot.ready;
    const offered = () => (h!.discord.commands(h!.discord.guild.id).find((c) => c.name === 'generate')?.options ?? []).map((o) => o.name);
    expect(offered()).not.toContain('sketch');
    const registrations = () => h!.discord.requests.filter((r) => r.method === 'PUT' && r.path.includes('/commands')).length;
    const before = registrations();

    // Nothing changed: nothing registered.
    let answer = await admin(h, 'reload');
    expect(answer).toContain('No workflow changed.');
    expect(answer).toContain('The slash commands did not change.');
    expect(registrations()).toBe(before);

    // Added: a second manifest on the txt2img graph.
    const manifest = JSON.parse(readFileSync(join(dir, 'txt2img.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'sketch.manifest.json'), JSON.stringify({ ...manifest, name: 'sketch', description: 'A quick sketch', workflow: 'txt2img.json' }));
    answer = await admin(h, 'reload');
    expect(answer).toContain('➕ Added: `sketch`');
    expect(answer).toContain('The slash commands were registered again.');
    expect(registrations()).toBe(before + 1);
    expect(offered()).toContain('sketch');
    await h.reply(await h.generate('sketch', { prompt: 'a sketch' }), isFinal);

    // A job accepted with sketch waits (the queue paused); sketch goes away and img2img breaks.
    await admin(h, 'pause');
    const waiting = await h.generate('sketch', { prompt: 'still drawn' });
    await h.reply(waiting, says('The queue is paused'));
    rmSync(join(dir, 'sketch.manifest.json'));
    writeFileSync(join(dir, 'img2img.manifest.json'), '{ "name": "img2img", ');
    answer = await admin(h, 'reload');
    expect(answer).toContain('➖ Removed: `img2img`, `sketch`');
    expect(answer).toMatch(/⚠️ Skipped `img2img\.manifest\.json`: .+/);
    expect(offered()).toEqual(expect.arrayContaining(['txt2img', 'inpaint', 'lora']));
    expect(offered()).not.toContain('sketch');
    expect(offered()).not.toContain('img2img');
    // The waiting job runs with the definition it was accepted with.
    await admin(h, 'resume');
    await h.reply(waiting, isFinal);
    // The others still work; in Chinese too.
    await h.reply(await h.generate('txt2img', { prompt: 'still here' }), isFinal);
    expect(await admin(h, 'reload', [], { locale: 'zh-CN' })).toContain('没有工作流发生变化');
  });

  it('free: POST /free (unload models, free memory) reaches every server; each answers for itself', async () => {
    h = await startHarness({ servers: 3 });
    await h.bot.ready;
    h.comfies[2]!.failNext({ method: 'POST', path: '/free' }, { status: 500, body: 'boom', contentType: 'text/plain' });
    const answer = await admin(h, 'free');
    for (const [i, c] of h.comfies.entries()) {
      const frees = c.requests.filter((r) => r.method === 'POST' && r.path === '/free');
      expect(frees).toHaveLength(1);
      expect(frees[0]!.json).toEqual({ unload_models: true, free_memory: true });
      expect(answer).toContain(i < 2 ? `✅ ${h.bot.pool.backends[i]!.name}: done` : `⚠️ ${h.bot.pool.backends[i]!.name}: `);
    }
    expect(await admin(h, 'free', [], { locale: 'zh-CN' })).toContain('卸载模型');
  });

  it('purge: removes finished jobs older than n days with their kept files, and nothing else; 0 removes every finished job', async () => {
    h = await startHarness({ comfy: { stepMs: 5 } });
    const day = 86_400_000;
    const row = (id: string) => ({
      id,
      promptId: `p-${id}`,
      server: h!.comfy.url,
      shard: 99, // no shard of this bot picks it up
      userId: h!.discord.user('ana').id,
      workflow: 'txt2img',
      params: { prompt: id },
      inputs: {},
      seeds: {},
      delivery: { guildId: h!.discord.guild.id, channelId: 'c', messageId: `m-${id}`, applicationId: 'a', interactionToken: null, tokenExpiresAt: null, channelMessageId: null },
    });
    const inputs = join(h.dataDir, 'inputs');
    const keep = (id: string) => {
      mkdirSync(join(inputs, id), { recursive: true });
      writeFileSync(join(inputs, id, 'image-a.png'), 'png');
    };
    h.bot.ledger.insert(row('olddone'), Date.now() - 10 * day);
    h.bot.ledger.update('olddone', { state: 'delivered', outcome: 'success' });
    keep('olddone');
    h.bot.ledger.insert(row('oldbusy'), Date.now() - 10 * day);
    h.bot.ledger.update('oldbusy', { state: 'finished', outcome: 'success' }); // its message still being sent
    keep('oldbusy');
    const done = await h.reply(await h.generate('txt2img', { prompt: 'recent' }), isFinal);
    const recent = h.bot.ledger.byMessageId(done.id)!;
    await waitFor(() => h!.bot.ledger.get(recent.id)?.state === 'delivered');

    const answer = await admin(h, 'purge', [{ name: 'older_than_days', type: ApplicationCommandOptionType.Integer, value: 5 }]);
    expect(answer).toContain('Deleted 1 finished job older than 5 days');
    expect(h.bot.ledger.get('olddone')).toBeUndefined();
    expect(existsSync(join(inputs, 'olddone'))).toBe(false);
    expect(h.bot.ledger.get('oldbusy')).toBeDefined();
    expect(readdirSync(join(inputs, 'oldbusy'))).toEqual(['image-a.png']);
    expect(h.bot.ledger.get(recent.id)).toBeDefined();

    expect(await admin(h, 'purge', [{ name: 'older_than_days', type: ApplicationCommandOptionType.Integer, value: 0 }], { locale: 'zh-CN' })).toContain('已删除 1 个');
    expect(h.bot.ledger.get(recent.id)).toBeUndefined();
    expect(h.bot.ledger.get('oldbusy')).toBeDefined();
    // Its buttons now say the job is no longer known.
    const reroll = await h.discord.sendButton({ customId: `reroll:${recent.id}`, message: done.id, user: 'ana' });
    await h.discord.waitForMessage((m) => m.interactionToken === reroll.token && (m.content ?? '') !== '');
  });
});

