// Sizes, batches and showing a job again, end to end: aspect ratios (U5), a batch
// of numbered images in one message (U1), and /show job:<id> (U6).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, ComponentType, Locale, MessageFlags, type APIButtonComponentWithCustomId } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;

interface PromptNode {
  class_type: string;
  _meta?: { title?: string };
  inputs: Record<string, unknown>;
}

function lastPrompt(h: Harness): Record<string, PromptNode> {
  const submits = h.comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST');
  return (submits.at(-1)!.json as { prompt: Record<string, PromptNode> }).prompt;
}

const latent = (prompt: Record<string, PromptNode>) => Object.values(prompt).find((n) => n.class_type === 'EmptyLatentImage')!.inputs;

/** The shipped txt2img with its aspect option declaring a base of 1024×1024. */
function workflowsWithBase1024(): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.manifest.json'), 'utf8')) as { options: Array<Record<string, unknown>> };
  manifest.options.find((o) => o['name'] === 'aspect')!['base'] = { width: 1024, height: 1024 };
  writeFileSync(join(dir, 'txt2img.manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'txt2img.json'), readFileSync(join(REPO_ROOT, 'workflows/txt2img.json')));
  return dir;
}

const jobIdOf = (m: StoredMessage) => /job (\w+)/.exec(m.embeds.at(0)?.footer?.text ?? '')?.[1];

function buttons(m: StoredMessage): APIButtonComponentWithCustomId[] {
  const inRows = m.components.flatMap((row) => (row.type === ComponentType.ActionRow ? row.components : []));
  return inRows.filter((c): c is APIButtonComponentWithCustomId => c.type === ComponentType.Button && 'custom_id' in c);
}

describe('aspect ratio', () => {
  it('aspect:16:9 sends 1360×768 at a base of 1024; a width given wins and the height follows the ratio', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsWithBase1024() } });
    await h.reply(await h.generate('txt2img', { prompt: 'wide', aspect: '16:9' }), isFinal);
    expect([latent(lastPrompt(h))['width'], latent(lastPrompt(h))['height']]).toEqual([1360, 768]);
    const final = await h.reply(await h.generate('txt2img', { prompt: 'wide', aspect: '16:9', width: 1024 }), isFinal);
    expect([latent(lastPrompt(h))['width'], latent(lastPrompt(h))['height']]).toEqual([1024, 576]);
    const fields = final.embeds[0]?.fields ?? [];
    expect(fields.find((f) => f.name === 'Aspect')?.value).toBe('16:9');
    expect(fields.find((f) => f.name === 'Height')?.value).toBe('576');
  });

  it("the shipped txt2img's 9:16 keeps the workflow's 512×512 pixels; width and height both given leave the aspect nothing to do", async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    await h.reply(await h.generate('txt2img', { prompt: 'tall', aspect: '9:16' }), isFinal);
    expect([latent(lastPrompt(h))['width'], latent(lastPrompt(h))['height']]).toEqual([384, 680]);
    await h.reply(await h.generate('txt2img', { prompt: 'tall', aspect: '9:16', width: 640, height: 640 }), isFinal);
    expect([latent(lastPrompt(h))['width'], latent(lastPrompt(h))['height']]).toEqual([640, 640]);
  });

  it('is registered as fixed choices with Chinese names', async () => {
    h = await startHarness();
    const generate = h.discord.commands(h.discord.guild.id).find((c) => c.name === 'generate');
    const txt2img = generate?.options?.find((o) => o.name === 'txt2img') as { options?: Array<{ name: string; choices?: unknown[] }> } | undefined;
    const aspect = txt2img?.options?.find((o) => o.name === 'aspect') as
      | { choices?: Array<{ name: string; value: string; name_localizations?: Record<string, string> }>; description_localizations?: Record<string, string> }
      | undefined;
    expect(aspect?.choices?.map((c) => c.value)).toEqual(['1:1', '2:3', '3:2', '3:4', '4:3', '9:16', '16:9']);
    const wide = aspect?.choices?.find((c) => c.value === '16:9');
    expect(wide?.name).toBe('16:9 (wide)');
    expect(wide?.name_localizations?.['zh-CN']).toBe('16:9（宽屏）');
    expect(aspect?.description_localizations?.['zh-CN']).toBe('画面形状；设定宽度和高度（你填写的宽度或高度优先）');
  });
});

describe('batch', () => {
  it('a batch of 4 posts 4 numbered images in the one result message', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const final = await h.reply(await h.generate('txt2img', { prompt: 'four foxes', batch: 4 }), isFinal);
    expect(latent(lastPrompt(h))['batch_size']).toBe(4);
    expect(final.attachments).toHaveLength(4);
    expect(final.embeds.map((e) => e.title)).toEqual(['1', '2', '3', '4']);
    expect(final.embeds.map((e) => e.image?.url)).toEqual(final.attachments.map((a) => `attachment://${a.filename}`));
    expect(final.embeds[0]?.author?.name).toBe('txt2img');
    expect(final.embeds[0]?.fields?.find((f) => f.name === 'Batch')?.value).toBe('4');
    // Nothing else was posted in the channel.
    expect([...h.discord.messages.values()].filter((m) => m.channel_id === final.channel_id)).toHaveLength(1);
  });

  it('img2img takes a batch too, as the amount of its latent batch', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { makePng } = await import('../fakes/comfy/index.ts');
    const image = h.discord.addAttachment({ filename: 'cat.png', contentType: 'image/png', bytes: makePng(64, 64, [200, 10, 10]) });
    const final = await h.reply(await h.generate('img2img', { prompt: 'cats', batch: 2 }, { attachments: { image } }), isFinal);
    expect(Object.values(lastPrompt(h)).find((n) => n.class_type === 'RepeatLatentBatch')?.inputs['amount']).toBe(2);
    expect(final.embeds.map((e) => e.title)).toEqual(['1', '2']);
  });
});

describe('/show', () => {
  async function show(h: Harness, job: string, who: { user?: string; guildId?: string; channelId?: string; locale?: Locale } = {}) {
    const sent = await h.discord.sendSlashCommand({
      name: 'show',
      user: who.user ?? 'bob',
      options: [{ name: 'job', type: ApplicationCommandOptionType.String, value: job }],
      ...(who.guildId ? { guildId: who.guildId } : {}),
      ...(who.channelId ? { channelId: who.channelId } : {}),
      ...(who.locale ? { locale: who.locale } : {}),
    });
    return h.discord.waitForMessage((m) => m.interactionToken === sent.token && (m.content ?? '') !== '');
  }

  it('re-posts a finished job, its images fetched again from ComfyUI, with buttons that act on the same job', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const final = await h.reply(await h.generate('txt2img', { prompt: 'a lighthouse', batch: 2, seed: 77 }), isFinal);
    const id = jobIdOf(final)!;
    const viewsBefore = h.comfy.requests.filter((r) => r.path === '/view').length;
    const shown = await show(h, id);
    expect(shown.id).not.toBe(final.id);
    expect(shown.content).toBe(`🔁 Shown again by <@${h.discord.user('bob').id}> · job \`${id}\`\n✅ <@${h.discord.user('ana').id}> done in ${/done in (.*)$/m.exec(final.content)![1]}`);
    expect(h.comfy.requests.filter((r) => r.path === '/view').length).toBe(viewsBefore + 2);
    expect(shown.attachments.map((a) => a.filename)).toEqual(final.attachments.map((a) => a.filename));
    for (const a of shown.attachments) expect((a as { bytes?: Buffer }).bytes?.equals(h.comfy.readFile(a.filename)!)).toBe(true);
    expect(shown.embeds.map((e) => e.title)).toEqual(['1', '2']);
    expect(shown.embeds[0]?.fields?.find((f) => f.name === 'Seed')?.value).toBe('77');
    // Nobody is pinged by a re-post.
    const patch = await h.discord.waitForRequest((r) => r.method === 'PATCH' && r.path.includes(shown.interactionToken!));
    expect(((patch?.json ?? patch?.payload) as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [], users: [] });

    const reroll = buttons(shown).find((b) => b.custom_id.startsWith('reroll:'));
    expect(reroll?.custom_id).toBe(`reroll:${id}`);
    // The shown message's buttons work after a restart too: they carry the job, not the process.
    await h.stopBot();
    const restarted = await startHarness({ reuse: { comfies: h.comfies, discord: h.discord, dataDir: h.dataDir } });
    try {
      const pressed = await h.discord.sendButton({ customId: reroll!.custom_id, message: shown, user: 'bob' });
      const rerolled = await restarted.reply(pressed.token, isFinal);
      const again = restarted.bot.ledger.get(jobIdOf(rerolled)!)!;
      expect(again.params['prompt']).toBe('a lighthouse');
      expect(again.params['batch']).toBe(2);
      expect(again.params['seed']).not.toBe(77);
      expect(rerolled.embeds.map((e) => e.title)).toEqual(['1', '2']);
    } finally {
      await restarted.stopBot();
    }
  });

  it("refuses a job of another server, says so of an unknown id, and of a job whose images ComfyUI no longer has", async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const final = await h.reply(await h.generate('txt2img', { prompt: 'mine' }), isFinal);
    const id = jobIdOf(final)!;
    const other = h.discord.addGuild({ name: 'Elsewhere' });
    const refused = await show(h, id, { guildId: other.id, channelId: other.channel.id });
    expect(refused.content).toBe('⚠️ That job was made in another server, so it cannot be shown here.');
    expect(refused.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(refused.attachments).toHaveLength(0);
    const refusedZh = await show(h, id, { guildId: other.id, channelId: other.channel.id, locale: Locale.ChineseCN });
    expect(refusedZh.content).toBe('⚠️ 该任务是在另一个服务器中生成的，无法在这里显示。');

    const unknown = await show(h, 'nosuchjob');
    expect(unknown.content).toBe('⚠️ There is no job `nosuchjob`. A job id is in the footer of its result and in /history.');

    h.comfy.failNext({ method: 'GET', path: '/view' }, { status: 404, body: '404: Not Found', contentType: 'text/plain' }, 10);
    const gone = await show(h, id);
    expect(gone.content).toBe(`⚠️ ComfyUI no longer has the results of job \`${id}\`: they were removed from its output folder, or its server is no longer configured.`);
    expect(gone.attachments).toHaveLength(0);
  });

  it('autocompletes the finished jobs of this server, newest first', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const first = jobIdOf(await h.reply(await h.generate('txt2img', { prompt: 'first picture' }), isFinal))!;
    const second = jobIdOf(await h.reply(await h.generate('txt2img', { prompt: 'second picture' }, { user: 'bob' }), isFinal))!;
    const options = [{ name: 'job', type: ApplicationCommandOptionType.String as const, value: '' }];
    const choices = await h.discord.sendAutocomplete({ name: 'show', focused: 'job', options, user: 'carol' });
    expect(choices.map((c) => c.value)).toEqual([second, first]);
    expect(choices[0]?.name).toBe(`${second} · txt2img · second picture`);
    const other = h.discord.addGuild({ name: 'Elsewhere' });
    const elsewhere = await h.discord.sendAutocomplete({ name: 'show', focused: 'job', options, user: 'carol', guildId: other.id });
    expect(elsewhere).toEqual([]);
    const typed = await h.discord.sendAutocomplete({ name: 'show', focused: 'job', options: [{ ...options[0]!, value: first.slice(0, 6) }], user: 'carol' });
    expect(typed.map((c) => c.value)).toContain(first);
  });
});
