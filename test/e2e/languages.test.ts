// Each user is answered in their own language (L1–L3): the Discord locale of the
// interaction, else the server's, else DEFAULT_LOCALE; a job's later messages (after
// the interaction token, after a restart) in the language of the one who started it;
// the registered commands described in Chinese too.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Locale, type APIApplicationCommandOption } from 'discord.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { Ledger } from '../../src/jobs/ledger.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { waitFor } from '../support/wait.ts';

const started: Harness[] = [];
afterEach(async () => {
  // A restarted bot shares the fakes of the first harness: stop the newest first.
  for (const h of started.reverse()) await h.stop();
  started.length = 0;
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(options);
  started.push(h);
  return h;
}

const CJK = /[\u4e00-\u9fff]/;
const isDoneZh = (m: StoredMessage) => m.content?.includes('已完成，用时') ?? false;
const isDoneEn = (m: StoredMessage) => m.content?.includes('done in') ?? false;
/** A one-picture result's buttons in Chinese: the job's row, then its per-image actions. */
const ZH_LABELS = ['重新生成', '编辑', '删除', '放大', '变化（轻微）', '变化（强烈）', '用作输入'];
const labels = (m: { components?: unknown[] }): string[] =>
  (m.components ?? [])
    .flatMap((row) => ((row as { components?: unknown[] }).components ?? []) as Array<{ label?: string }>)
    .map((c) => c.label ?? '');
/** Everything a person reads in a message: its text, embeds (titles, fields, footers) and button labels. */
const readable = (m: Pick<StoredMessage, 'content' | 'embeds' | 'components'>) =>
  [m.content ?? '', ...(m.embeds ?? []).map((e) => JSON.stringify(e)), ...labels(m)].join('\n');

describe('a user’s own language', () => {
  it('a zh-CN user’s job is in Chinese from queue to result, while an en-US user’s job in the same channel at the same time stays English', async () => {
    const h = await harness({ comfy: { stepMs: 60 } });
    h.comfy.hold();
    const zh = await h.generate('txt2img', { prompt: '灯塔', steps: 6, seed: 7 }, { user: 'mei', locale: Locale.ChineseCN });
    const en = await h.generate('txt2img', { prompt: 'a lighthouse', steps: 6, seed: 8 }, { user: 'ana' });
    // Both wait (in whichever order ComfyUI got them), each told its place in its own language.
    await h.reply(zh, (m) => /⏳ \*\*排队中 — 第 \d 位，共 \d 个\*\*/.test(m.content ?? ''));
    await h.reply(en, (m) => /⏳ \*\*Queued — position \d of \d\*\*/.test(m.content ?? ''));
    h.comfy.release();
    const [zhFinal, enFinal] = await Promise.all([h.reply(zh, isDoneZh), h.reply(en, isDoneEn)]);

    // Chinese all the way: progress with the node's own title, the Cancel button, the preview, the result.
    const zhSeen = zhFinal.history.map(readable).join('\n');
    expect(zhSeen).toMatch(/🎨 \*\*运行中\*\* — KSampler · \d+ (毫秒|秒)/);
    expect(zhSeen).toMatch(/第 \d\/6 步/);
    expect(zhFinal.history.some((v) => labels(v).includes('取消'))).toBe(true);
    expect(zhSeen).toContain('实时预览');
    expect(zhFinal.content).toMatch(new RegExp(`^✅ <@${h.discord.user('mei').id}> 已完成，用时 \\d+ (毫秒|秒)$`));
    const fields = Object.fromEntries((zhFinal.embeds?.[0]?.fields ?? []).map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({ 种子: '7', 步数: '6' });
    expect(fields['用时']).toMatch(/秒/);
    expect(zhFinal.embeds?.[0]?.footer?.text).toMatch(/^任务 \w+$/);
    expect(labels(zhFinal)).toEqual(ZH_LABELS);
    // The user's prompt is theirs (here in Chinese too); everything else the bot wrote is Chinese.
    expect(zhSeen).not.toMatch(/Queued|Running|step \d|done in|Live preview|Re-roll|Cancel\b/);

    // English all the way, not one Chinese character (the prompt is English too).
    for (const version of enFinal.history) expect(readable(version)).not.toMatch(CJK);
    expect(labels(enFinal)).toEqual(['Re-roll', 'Edit', 'Delete', 'Upscale', 'Vary (subtle)', 'Vary (strong)', 'Use as input']);
    expect(enFinal.embeds?.[0]?.fields?.find((f) => f.name === 'Seed')?.value).toBe('8');
  });

  it('a zh-TW user is answered in Simplified Chinese, the nearest catalogue of their language', async () => {
    const h = await harness({ comfy: { stepMs: 1 } });
    const token = await h.generate('txt2img', { prompt: 'x', steps: 1 }, { locale: Locale.ChineseTW });
    await h.reply(token, isDoneZh);
  });

  it('a fr user in a server whose language is zh-CN gets Chinese (no French catalogue: the server’s language)', async () => {
    const h = await harness({ comfy: { stepMs: 1 }, discord: { guild: { preferredLocale: Locale.ChineseCN } } });
    const token = await h.generate('txt2img', { prompt: 'un phare', steps: 2 }, { locale: Locale.French });
    const final = await h.reply(token, isDoneZh);
    expect(labels(final)).toEqual(ZH_LABELS);
    const refused = await h.generate('txt2img', { prompt: 'un phare', steps: 0 }, { locale: Locale.French });
    const reply = await h.reply(refused, (m) => m.content?.startsWith('⚠️') ?? false);
    expect(reply.content).toBe('⚠️ steps 必须在 1 到 150 之间（收到的是 0）');
  });

  it('a fr user in a de server gets DEFAULT_LOCALE: English by default', async () => {
    const h = await harness({ comfy: { stepMs: 1 }, discord: { guild: { preferredLocale: Locale.German } } });
    const token = await h.generate('txt2img', { prompt: 'un phare', steps: 2 }, { locale: Locale.French });
    const final = await h.reply(token, isDoneEn);
    expect(readable(final)).not.toMatch(CJK);
  });

  it('a fr user in a de server gets DEFAULT_LOCALE: Chinese when DEFAULT_LOCALE=zh-CN, and an en-US user still English', async () => {
    const h = await harness({ comfy: { stepMs: 1 }, discord: { guild: { preferredLocale: Locale.German } }, env: { DEFAULT_LOCALE: 'zh-CN' } });
    const fr = await h.generate('txt2img', { prompt: 'un phare', steps: 2 }, { locale: Locale.French });
    const en = await h.generate('txt2img', { prompt: 'a lighthouse', steps: 2 }, { user: 'bob', locale: Locale.EnglishUS });
    await h.reply(fr, isDoneZh);
    await h.reply(en, isDoneEn);
  });

  it('the result of a job whose interaction token expired is posted in the requester’s language', async () => {
    const h = await harness({ comfy: { stepMs: 1 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: '很久的任务', steps: 3 }, { locale: Locale.ChineseCN });
    const reply = await h.reply(token, (m) => m.content?.includes('排队中') ?? false);
    const job = h.bot.ledger.byMessageId(reply.id)!;
    expect(job.delivery.locale).toBe('zh-CN');
    h.discord.expireInteraction(token);
    h.comfy.release();
    // A channel message, written with the bot's token: no interaction (and no locale) behind it.
    const final = await h.discord.waitForMessage((m) => m.interactionToken === undefined && isDoneZh(m));
    expect(final.channel_id).toBe(h.discord.channel.id);
    expect(labels(final)).toEqual(ZH_LABELS);
    await waitFor(() => h.bot.ledger.get(job.id)?.state === 'delivered');
  });

  it('a job moved to a channel message before its token expires says so, and finishes there, in the requester’s language', async () => {
    const h = await harness({ comfy: { stepMs: 40 }, bot: { tokenMarginMs: 15 * 60_000 - 400 } });
    const token = await h.generate('txt2img', { prompt: '一个长任务', steps: 30 }, { locale: Locale.ChineseCN });
    const pointer = await h.reply(token, (m) => m.content?.startsWith('此任务已转到一条新消息中继续：') ?? false);
    const channelMessageId = /\/(\d+)$/.exec(pointer.content ?? '')![1]!;
    h.discord.expireInteraction(token);
    await h.discord.waitForMessage((m) => m.id === channelMessageId && isDoneZh(m), 20_000);
  }, 30_000);

  it('a result delivered after a restart is in the requester’s language, whatever the restarted bot’s default', async () => {
    const first = await harness({ comfy: { stepMs: 10 } });
    const token = await first.generate('txt2img', { prompt: '跨越重启', steps: 30 }, { locale: Locale.ChineseCN });
    const running = await first.reply(token, (m) => /第 \d+\/30 步/.test(m.content ?? ''));
    const job = first.bot.ledger.byMessageId(running.id)!;
    await first.stopBot();
    await first.comfy.waitForHistory(job.promptId);
    const second = await harness({ reuse: { comfies: first.comfies, discord: first.discord, dataDir: first.dataDir }, env: { DEFAULT_LOCALE: 'en-US' } });
    const final = await second.reply(token, isDoneZh);
    expect(final.id).toBe(running.id);
    expect(labels(final)).toEqual(ZH_LABELS);
  });

  it('a job recorded by an older version (no locale, its lost reason in English) is answered in DEFAULT_LOCALE, the old text as it is', async () => {
    const first = await harness();
    await first.stopBot();
    const ledger = new Ledger(join(first.dataDir, 'jobs.sqlite'));
    const ana = first.discord.user('ana').id;
    ledger.insert({
      id: 'old000000001',
      promptId: 'old-prompt',
      server: first.comfy.url,
      shard: 0,
      userId: ana,
      workflow: 'txt2img',
      params: { prompt: 'from last year' },
      inputs: {},
      seeds: {},
      // As older versions wrote it: no locale, and the token long gone.
      delivery: { guildId: first.discord.guild.id, channelId: first.discord.channel.id, messageId: null, applicationId: first.discord.applicationId, interactionToken: null, tokenExpiresAt: null, channelMessageId: null },
    });
    ledger.update('old000000001', { state: 'finished', outcome: 'lost', result: { kind: 'lost', reason: 'its ComfyUI server is no longer configured' } });
    ledger.close();
    const second = await harness({ reuse: { comfies: first.comfies, discord: first.discord, dataDir: first.dataDir }, env: { DEFAULT_LOCALE: 'zh-CN' } });
    const told = await second.discord.waitForMessage((m) => m.content?.includes('你的任务丢失了') ?? false);
    expect(told.content).toBe(`⚠️ <@${ana}> 你的任务丢失了：its ComfyUI server is no longer configured。按 **重试** 可以用相同的设置重新运行。`);
    expect(labels(told)).toEqual(['重试']);
  });

  it('answers to /queue, /status, /history and /cancel are in the language of the one who asks', async () => {
    const h = await harness({ comfy: { stepMs: 1 } });
    const ask = async (name: string, locale: Locale) => {
      const sent = await h.discord.sendSlashCommand({ name, user: 'mei', locale });
      return h.discord.waitForMessage(
        (m) => m.interactionToken === sent.token && m.history.length > 1 && ((m.content ?? '') !== '' || (m.embeds?.length ?? 0) > 0),
      );
    };
    expect((await ask('queue', Locale.ChineseCN)).content).toBe('队列是空的。');
    expect((await ask('queue', Locale.EnglishUS)).content).toBe('The queue is empty.');
    const status = readable(await ask('status', Locale.ChineseCN));
    expect(status).toContain('ComfyUI 状态');
    expect(status).toContain('🟢 可以连接 · WebSocket 已连接');
    expect(status).toMatch(/可用 [\d.]+ GB，共 [\d.]+ GB/);
    expect((await ask('history', Locale.ChineseCN)).content).toBe('你还没有任何任务。用 /generate 开始一个吧。');
    expect((await ask('cancel', Locale.ChineseCN)).content).toBe('你没有正在运行或排队的任务。');
  });
});

describe('registered commands', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** The shipped workflows plus one with a fixed list of choices, labelled in Chinese. */
  function workflowsWithFixedChoices(): string {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-choices-'));
    dirs.push(dir);
    for (const name of ['txt2img', 'img2img', 'inpaint', 'lora']) {
      for (const f of [`${name}.json`, `${name}.manifest.json`]) copyFileSync(join(REPO_ROOT, 'workflows', f), join(dir, f));
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'txt2img.manifest.json'), 'utf8')) as {
      options: Array<Record<string, unknown>>;
      localizations: Record<string, { options: Record<string, unknown> }>;
    };
    const sampler = manifest.options.find((o) => o['name'] === 'sampler')!;
    sampler['choices'] = { from: 'list', values: ['euler', 'dpmpp_2m'] };
    manifest.localizations['zh-CN']!.options['sampler'] = { description: '采样方法', choices: { euler: 'Euler（快）', dpmpp_2m: 'DPM++ 2M（细）' } };
    writeFileSync(join(dir, 'fixed.manifest.json'), JSON.stringify({ ...manifest, name: 'fixed', workflow: 'txt2img.json' }));
    return dir;
  }

  it('carry a zh-CN description for every command, subcommand and option, and a zh-CN name for every fixed choice', async () => {
    const h = await harness({ env: { WORKFLOWS_DIR: workflowsWithFixedChoices() } });
    const commands = h.discord.commands(h.discord.guild.id);
    expect(commands.map((c) => c.name).sort()).toEqual(['admin', 'cancel', 'generate', 'history', 'models', 'nodes', 'queue', 'settings', 'show', 'status']);
    const missing: string[] = [];
    let choices = 0;
    const check = (where: string, item: { description: string; description_localizations?: Record<string, string | null> | null }) => {
      const zh = item.description_localizations?.['zh-CN'];
      if (!zh || !CJK.test(zh) || zh.length > 100) missing.push(where);
    };
    const walk = (where: string, options: APIApplicationCommandOption[] | undefined) => {
      for (const o of options ?? []) {
        check(`${where} ${o.name}`, o);
        if ('options' in o) walk(`${where} ${o.name}`, o.options);
        for (const c of ('choices' in o ? (o.choices ?? []) : []) as Array<{ name: string; name_localizations?: Record<string, string> | null }>) {
          choices++;
          if (!c.name_localizations?.['zh-CN']) missing.push(`${where} ${o.name} choice ${c.name}`);
        }
      }
    };
    for (const c of commands) {
      check(`/${c.name}`, c);
      walk(`/${c.name}`, c.options);
    }
    expect(missing).toEqual([]);
    // The two fixed samplers, and the seven ratios of the aspect option of txt2img, lora and fixed (a txt2img).
    expect(choices).toBe(2 + 3 * 7);
    // Names are never translated (shared as text in chat; option names are the workflow's API); zh-TW readers get the same Chinese.
    const generate = commands.find((c) => c.name === 'generate')!;
    expect(generate.name_localizations).toBeNull();
    expect(generate.description).toBe('Run a ComfyUI workflow');
    expect(generate.description_localizations?.['zh-TW']).toBe('运行一个 ComfyUI 工作流');
    const fixed = generate.options?.find((o) => o.name === 'fixed') as { options?: Array<{ name: string; choices?: Array<{ name: string; name_localizations?: Record<string, string> }> }> };
    const sampler = fixed.options?.find((o) => o.name === 'sampler');
    expect(sampler?.choices?.map((c) => [c.name, c.name_localizations?.['zh-CN']])).toEqual([
      ['euler', 'Euler（快）'],
      ['dpmpp_2m', 'DPM++ 2M（细）'],
    ]);
  });

  it('with DEFAULT_LOCALE=zh-CN, the default descriptions are Chinese and English readers get theirs as localizations', async () => {
    const h = await harness({ env: { DEFAULT_LOCALE: 'zh-CN' } });
    const status = h.discord.commands(h.discord.guild.id).find((c) => c.name === 'status')!;
    expect(status.description).toBe('ComfyUI 服务器状态：能否连接、队列、显存、版本');
    expect(status.description_localizations?.['en-US']).toBe('ComfyUI servers: reachable, queue, VRAM, versions');
    expect(status.description_localizations?.['en-GB']).toBe('ComfyUI servers: reachable, queue, VRAM, versions');
  });
});
