// Moderation end to end: banned words, NSFW-only workflows, spoilers and bans,
// with the real bot against the fake Discord and the fake ComfyUI.
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { makePng } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const says = (text: string) => (m: StoredMessage) => m.content?.includes(text) ?? false;
const attachmentNames = (m: StoredMessage) => (m.attachments ?? []).map((a) => a.filename);
const submits = (h: Harness) => h.comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').length;
const uploads = (h: Harness) => h.comfy.requests.filter((r) => r.path.startsWith('/upload/')).length;

/** A workflows folder with the shipped txt2img and `spicy`, the same marked "nsfw": true. */
function workflowsWithNsfw(): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-nsfw-'));
  for (const f of ['txt2img.json', 'txt2img.manifest.json']) copyFileSync(join(REPO_ROOT, 'workflows', f), join(dir, f));
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'spicy.manifest.json'), JSON.stringify({ ...manifest, name: 'spicy', workflow: 'txt2img.json', nsfw: true }));
  return dir;
}

describe('banned words', () => {
  it('a prompt or negative with a banned word is refused, naming it, with nothing downloaded, uploaded or sent to ComfyUI', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'banned-')), 'banned-words.txt');
    writeFileSync(file, '# one a line\n血腥\n');
    h = await startHarness({ comfy: { stepMs: 0 }, env: { BANNED_WORDS: 'gore, blood bath', BANNED_WORDS_FILE: file } });
    const image = h.discord.addAttachment({ filename: 'cat.png', contentType: 'image/png', bytes: makePng(32, 32, [1, 2, 3]) });

    const latin = await h.generate('img2img', { prompt: 'a cat, lots of GORE' }, { attachments: { image } });
    const refused = await h.reply(latin, says('not allowed'));
    expect(refused.content).toContain('Your prompt contains "gore"');
    const cjk = await h.generate('txt2img', { prompt: 'a quiet cat', negative: '不要血腥的画面' });
    expect((await h.reply(cjk, says('not allowed'))).content).toContain('Your negative contains "血腥"');
    const phrase = await h.generate('txt2img', { prompt: 'a Blood  Bath' });
    expect((await h.reply(phrase, says('not allowed'))).content).toContain('"blood bath"');

    expect(h.discord.downloads).toHaveLength(0);
    expect(submits(h)).toBe(0);
    expect(uploads(h)).toBe(0);
    // Logged with the user and the word, never the prompt.
    const line = h.logs.find((l) => l.includes('prompt refused: banned word'));
    expect(JSON.parse(line!)).toMatchObject({ userId: h.discord.user('ana').id, word: 'gore', option: 'prompt', workflow: 'img2img' });
    expect(h.logs.filter((l) => l.includes('lots of GORE') || l.includes('不要血腥的画面'))).toEqual([]);

    // Whole words only: "gorgeous" is no "gore".
    const fine = await h.generate('txt2img', { prompt: 'a gorgeous cat' });
    await h.reply(fine, isFinal);
    expect(submits(h)).toBe(1);
  });

  it('the word file is read again on reload; an unreadable file keeps the words in force', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'banned-')), 'banned-words.txt');
    writeFileSync(file, 'gore\n');
    h = await startHarness({ comfy: { stepMs: 0 }, env: { BANNED_WORDS_FILE: file } });
    appendFileSync(file, 'kraken\n');
    expect(h.bot.context.bannedWords.reload()).toBe(2);
    const token = await h.generate('txt2img', { prompt: 'release the Kraken!' });
    expect((await h.reply(token, says('not allowed'))).content).toContain('"kraken"');
    rmSync(file);
    expect(() => h!.bot.context.bannedWords.reload()).toThrow(/BANNED_WORDS_FILE .* could not be read \(ENOENT\)/);
    expect(h.bot.context.bannedWords.size).toBe(2);
    expect(submits(h)).toBe(0);
  });

  it('a new prompt typed in the "Use as input" form is screened too, before the image is fetched', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { BANNED_WORDS: 'gore' } });
    const first = await h.generate('txt2img', { prompt: 'a lighthouse' });
    const final = await h.reply(first, isFinal);
    const jobId = h.bot.ledger.byMessageId(final.id)!.id;
    const views = () => h!.comfy.requests.filter((r) => r.path === '/view').length;
    const viewed = views();
    const sent = await h.discord.sendModalSubmit({ customId: `usemodal:${jobId}:0`, fields: { prompt: 'the lighthouse, with gore' }, message: final, user: 'ana' });
    expect((await h.reply(sent.token, says('not allowed'))).content).toContain('"gore"');
    expect(views()).toBe(viewed);
    expect(submits(h)).toBe(1);
  });
});

describe('NSFW workflows', () => {
  it('are refused in ordinary channels and their threads, and run in NSFW channels and their threads', async () => {
    h = await startHarness({
      comfy: { stepMs: 0 },
      env: { WORKFLOWS_DIR: workflowsWithNsfw() },
      discord: { guild: { channels: [{ name: 'general' }, { name: 'after-dark', nsfw: true }] } },
    });
    const [general, afterDark] = h.discord.guild.channels;
    const ordinaryThread = await h.discord.addThread({ parentId: general!.id, name: 'chat' });
    const nsfwThread = await h.discord.addThread({ parentId: afterDark!.id, name: 'more' });

    for (const channelId of [general!.id, ordinaryThread.id]) {
      const token = await h.generate('spicy', { prompt: 'something spicy' }, { channelId });
      const refused = await h.reply(token, says('age-restricted'));
      expect(refused.content).toContain('The workflow "spicy" runs only in age-restricted (NSFW) channels');
    }
    expect(submits(h)).toBe(0);
    for (const channelId of [afterDark!.id, nsfwThread.id]) {
      const token = await h.generate('spicy', { prompt: 'something spicy' }, { channelId });
      const done = await h.reply(token, isFinal);
      expect(done.channel_id).toBe(channelId);
    }
    // A workflow without the mark runs anywhere.
    await h.reply(await h.generate('txt2img', { prompt: 'a tree' }, { channelId: general!.id }), isFinal);
    expect(submits(h)).toBe(3);
  });
});

describe('spoilers', () => {
  it('spoiler:true posts the results and the live previews as SPOILER_ files, outside embeds; Re-roll keeps it', async () => {
    h = await startHarness({ comfy: { stepMs: 60 } });
    const token = await h.generate('txt2img', { prompt: 'a surprise', steps: 8, spoiler: true });
    const final = await h.reply(token, isFinal);
    expect(attachmentNames(final)).toEqual([expect.stringMatching(/^SPOILER_.+\.png$/)]);
    expect(final.embeds?.[0]?.image).toBeUndefined();
    const previews = final.history.flatMap((v) => v.attachments ?? []).map((a) => a.filename).filter((n) => n.includes('preview'));
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.every((n) => n.startsWith('SPOILER_'))).toBe(true);
    expect(final.history.every((v) => (v.embeds ?? []).every((e) => e.image === undefined))).toBe(true);
    // The option is the bot's, not the workflow's: ComfyUI never hears of it.
    const job = h.bot.ledger.byMessageId(final.id)!;
    expect(job.delivery.spoiler).toBe(true);
    expect(job.params).not.toHaveProperty('spoiler');

    const reroll = await h.discord.sendButton({ customId: `reroll:${job.id}`, message: final.id, user: 'ana' });
    const again = await h.reply(reroll.token, isFinal);
    expect(attachmentNames(again)).toEqual([expect.stringMatching(/^SPOILER_/)]);
  });

  it('SPOILER_RESULTS spoilers every result outside NSFW channels, and none inside', async () => {
    h = await startHarness({
      comfy: { stepMs: 0 },
      env: { SPOILER_RESULTS: 'true' },
      discord: { guild: { channels: [{ name: 'general' }, { name: 'after-dark', nsfw: true }] } },
    });
    const [general, afterDark] = h.discord.guild.channels;
    const outside = await h.reply(await h.generate('txt2img', { prompt: 'one' }, { channelId: general!.id }), isFinal);
    expect(attachmentNames(outside)).toEqual([expect.stringMatching(/^SPOILER_/)]);
    const inside = await h.reply(await h.generate('txt2img', { prompt: 'two' }, { channelId: afterDark!.id }), isFinal);
    expect(attachmentNames(inside)).toEqual([expect.not.stringMatching(/^SPOILER_/)]);
    expect(inside.embeds?.[0]?.image?.url).toBe(`attachment://${attachmentNames(inside)[0]}`);
  });

  it('/generate offers the spoiler option on every workflow, described in English and Chinese', async () => {
    h = await startHarness();
    const put = h.discord.requests.find((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'));
    type Json = { name: string; options?: Json[]; description?: string; description_localizations?: Record<string, string>; type?: number };
    const generate = (put?.json as Json[]).find((c) => c.name === 'generate')!;
    expect(generate.options?.length).toBeGreaterThan(1);
    for (const sub of generate.options ?? []) {
      const spoiler = sub.options?.find((o) => o.name === 'spoiler');
      expect(spoiler).toMatchObject({ type: ApplicationCommandOptionType.Boolean, description: expect.stringContaining('spoiler') });
      expect(spoiler?.description_localizations?.['zh-CN']).toContain('剧透');
      expect(sub.options?.at(-1)?.name).toBe('spoiler');
    }
  });
});

describe('banned users', () => {
  it("a banned user's commands, buttons, ❌ and autocomplete do nothing (with a short answer where Discord allows one)", async () => {
    // The ban is one of the access rules the dispatcher checks before any handler (src/discord/access.ts).
    h = await startHarness({ comfy: { stepMs: 5 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'before the ban' }, { user: 'ana' });
    const message = await h.reply(token, says('Queued'));
    const job = h.bot.ledger.byMessageId(message.id)!;
    const ana = h.discord.user('ana').id;
    h.bot.bans.ban(ana, { guildId: h.discord.guild.id, by: h.discord.user('mod').id, reason: 'spam' });
    const comfyCalls = h.comfy.requests.length;

    const command = await h.generate('txt2img', { prompt: 'after the ban' }, { user: 'ana' });
    expect((await h.reply(command, says('banned'))).content).toBe('⚠️ You are banned from using this bot.');
    const button = await h.discord.sendButton({ customId: `cancel:${job.id}`, message: message.id, user: 'ana' });
    await h.reply(button.token, says('banned'));
    const reroll = await h.discord.sendButton({ customId: `reroll:${job.id}`, message: message.id, user: 'ana' });
    await h.reply(reroll.token, says('banned'));
    await h.discord.reactionAdd({ message: message.id, user: 'ana', emoji: '❌' });
    // A reaction cannot be answered: the bot only logs why it did nothing.
    await waitFor(() => h!.logs.some((l) => l.includes('reaction refused by the access rules') && l.includes('"rule":"bans"')));
    const choices = await h.discord.sendAutocomplete({
      name: 'generate',
      focused: 'checkpoint',
      user: 'ana',
      options: [{ name: 'txt2img', type: ApplicationCommandOptionType.Subcommand, options: [{ name: 'checkpoint', type: ApplicationCommandOptionType.String, value: 'sd' }] }],
    });
    expect(choices).toEqual([]);
    // Not a single ComfyUI call for any of it (health checks aside), and the job is untouched.
    const calls = h.comfy.requests.slice(comfyCalls).filter((r) => r.path !== '/prompt' || r.method !== 'GET');
    expect(calls.filter((r) => r.method === 'POST' || r.path.startsWith('/object_info') || r.path.startsWith('/models'))).toEqual([]);
    expect(h.logs.filter((l) => l.includes('refused by the access rules') && l.includes('"rule":"bans"'))).toHaveLength(5);

    // Someone else is not affected, and neither is the job ana started before.
    const other = await h.generate('txt2img', { prompt: 'not banned' }, { user: 'bob' });
    h.comfy.release();
    await h.reply(token, isFinal);
    await h.reply(other, isFinal);
    expect(h.bot.ledger.get(job.id)?.outcome).toBe('success');

    // Unbanned, ana is back.
    expect(h.bot.bans.unban(ana, h.discord.guild.id)).toBe(true);
    await h.reply(await h.generate('txt2img', { prompt: 'back again' }, { user: 'ana' }), isFinal);
  });

  it('a ban in one server holds there only; a ban everywhere holds in every server and in DMs', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const second = h.discord.addGuild({ name: 'second' });
    await waitFor(() => h!.bot.client.guilds.cache.has(second.id));
    const ana = h.discord.user('ana').id;
    h.bot.bans.ban(ana, { guildId: h.discord.guild.id });
    await h.reply(await h.generate('txt2img', { prompt: 'here' }, { user: 'ana' }), says('banned'));
    const there = await h.discord.sendSubcommand({
      name: 'generate',
      subcommand: 'txt2img',
      options: [{ name: 'prompt', type: ApplicationCommandOptionType.String, value: 'there' }],
      user: 'ana',
      guildId: second.id,
    });
    await h.reply(there.token, isFinal);
    h.bot.bans.unban(ana, h.discord.guild.id);
    h.bot.bans.ban(ana, { guildId: null });
    const dm = await h.discord.sendSubcommand({
      name: 'generate',
      subcommand: 'txt2img',
      options: [{ name: 'prompt', type: ApplicationCommandOptionType.String, value: 'in a DM' }],
      user: 'ana',
      guildId: null,
    });
    await h.reply(dm.token, says('banned'));
    const elsewhere = await h.discord.sendSubcommand({
      name: 'generate',
      subcommand: 'txt2img',
      options: [{ name: 'prompt', type: ApplicationCommandOptionType.String, value: 'there again' }],
      user: 'ana',
      guildId: second.id,
    });
    await h.reply(elsewhere.token, says('banned'));
  });
});
