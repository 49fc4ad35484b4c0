// /settings end to end (U4): a user's saved defaults reach ComfyUI when they leave
// an option empty, what they give wins, a workflow's own default beats the one for
// every workflow, refusals use the workflow's own check, and it all survives a restart.
import { ApplicationCommandOptionType, Locale, MessageFlags } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';

let h: Harness | undefined;
const extra: Harness[] = [];
afterEach(async () => {
  for (const other of extra.splice(0)) await other.stopBot();
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;

type Value = string | number | boolean;

/** `/settings <sub> name:value…`; resolves with the (ephemeral) answer once the bot has written it. */
async function settings(h: Harness, sub: string, options: Record<string, Value> = {}, who: { user?: string; locale?: Locale } = {}) {
  const sent = await h.discord.sendSubcommand({
    name: 'settings',
    subcommand: sub,
    user: who.user ?? 'ana',
    ...(who.locale ? { locale: who.locale } : {}),
    options: Object.entries(options).map(([name, value]) =>
      typeof value === 'boolean'
        ? { name, type: ApplicationCommandOptionType.Boolean as const, value }
        : { name, type: ApplicationCommandOptionType.String as const, value: String(value) },
    ),
  });
  return h.discord.waitForMessage((m) => m.interactionToken === sent.token && m.history.length > 1 && (m.content ?? '') !== '');
}

interface PromptNode {
  class_type: string;
  _meta?: { title?: string };
  inputs: Record<string, unknown>;
}

/** The workflows ComfyUI was sent, oldest first. */
function submitted(h: Harness): Record<string, PromptNode>[] {
  return h.comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').map((r) => (r.json as { prompt: Record<string, PromptNode> }).prompt);
}

const input = (prompt: Record<string, PromptNode>, title: string, name: string) => Object.values(prompt).find((n) => n._meta?.title === title)?.inputs[name];

/** Runs `/generate` to the end and returns what ComfyUI got for it. */
async function run(h: Harness, workflow: string, values: Record<string, Value>, user = 'ana') {
  const before = submitted(h).length;
  const token = await h.generate(workflow, { prompt: 'a lighthouse', ...values }, { user });
  await h.reply(token, isFinal);
  return submitted(h)[before]!;
}

describe('/settings', () => {
  it('a saved steps reaches ComfyUI when the user leaves steps empty; steps given wins; other users are untouched', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const saved = await settings(h, 'set', { option: 'steps', value: '12' });
    expect(saved.content).toBe('✅ Saved: **steps** = `12` for every workflow that has it (img2img, inpaint, lora, txt2img).');
    expect(saved.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(input(await run(h, 'txt2img', {}), 'KSampler', 'steps')).toBe(12);
    expect(input(await run(h, 'txt2img', { steps: 30 }), 'KSampler', 'steps')).toBe(30);
    // The workflow's own value (20) for someone without settings.
    expect(input(await run(h, 'txt2img', {}, 'bob'), 'KSampler', 'steps')).toBe(20);
  });

  it('refuses a value the workflows do not allow with their own range, and saves nothing', async () => {
    h = await startHarness();
    const refused = await settings(h, 'set', { option: 'steps', value: '9999' });
    expect(refused.content).toBe('⚠️ Not saved. img2img, inpaint, lora, txt2img: steps must be between 1 and 150 (got 9999)');
    const one = await settings(h, 'set', { option: 'steps', value: '9999', workflow: 'txt2img' });
    expect(one.content).toBe('⚠️ Not saved. txt2img: steps must be between 1 and 150 (got 9999)');
    const word = await settings(h, 'set', { option: 'width', value: 'wide' });
    expect(word.content).toContain('width must be a whole number (got "wide")');
    const odd = await settings(h, 'set', { option: 'width', value: '1001' });
    expect(odd.content).toContain('width must be a multiple of 8 (got 1001; try 1000 or 1008)');
    expect((await settings(h, 'show')).content).toContain('No saved defaults.');
  });

  it('says the refusal in Chinese to a user whose Discord speaks it', async () => {
    h = await startHarness();
    const refused = await settings(h, 'set', { option: 'steps', value: '9999', workflow: 'txt2img' }, { locale: Locale.ChineseCN });
    expect(refused.content).toBe('⚠️ 未保存。txt2img：steps 必须在 1 到 150 之间（收到的是 9999）');
    const global = await settings(h, 'set', { option: 'steps', value: '9999' }, { locale: Locale.ChineseCN });
    expect(global.content).toBe('⚠️ 未保存。img2img, inpaint, lora, txt2img：steps 必须在 1 到 150 之间（收到的是 9999）');
    const unknown = await settings(h, 'set', { option: 'colour', value: 'red' }, { locale: Locale.ChineseCN });
    expect(unknown.content).toMatch(/^⚠️ 没有任何工作流有可以保存默认值的选项 “colour”。可以保存的选项有：.*steps/);
    const saved = await settings(h, 'set', { option: 'steps', value: '12' }, { locale: Locale.ChineseCN });
    expect(saved.content).toBe('✅ 已保存：**steps** = `12`，用于所有有该选项的工作流（img2img, inpaint, lora, txt2img）。');
  });

  it('names what cannot be saved: an unknown option, one a workflow lacks, an always-required one, an unknown workflow', async () => {
    h = await startHarness();
    expect((await settings(h, 'set', { option: 'colour', value: 'red' })).content).toMatch(
      /^⚠️ No workflow has an option "colour" you can save a default for\. You can save: .*negative.*steps/,
    );
    expect((await settings(h, 'set', { option: 'denoise', value: '0.5', workflow: 'txt2img' })).content).toMatch(
      /^⚠️ txt2img has no option "denoise" you can save a default for\. Its options are: /,
    );
    expect((await settings(h, 'set', { option: 'prompt', value: 'a cat' })).content).toBe(
      '⚠️ "prompt" must be given with every job, so a saved default would never be used.',
    );
    expect((await settings(h, 'set', { option: 'steps', value: '12', workflow: 'nope' })).content).toBe('⚠️ There is no workflow called "nope".');
  });

  it('a default with a banned word is refused when it is saved', async () => {
    h = await startHarness({ env: { BANNED_WORDS: 'gore' } });
    const refused = await settings(h, 'set', { option: 'negative', value: 'no gore please' });
    expect(refused.content).toBe('⚠️ Your negative contains "gore", which is not allowed here. Reword it and try again.');
    expect((await settings(h, 'show')).content).toContain('No saved defaults.');
  });

  it("a workflow's own default beats the one for every workflow; reset removes one, then all", async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    await settings(h, 'set', { option: 'steps', value: '12' });
    const own = await settings(h, 'set', { option: 'steps', value: '30', workflow: 'txt2img' });
    expect(own.content).toBe('✅ Saved: **steps** = `30` for txt2img.');
    await settings(h, 'set', { option: 'negative', value: 'blurry, text' });
    const shown = await settings(h, 'show');
    expect(shown.content).toContain('For every workflow that has the option:\n• steps = `12`\n• negative = `blurry, text`');
    expect(shown.content).toContain('For txt2img only:\n• steps = `30`');
    const txt = await run(h, 'txt2img', {});
    expect(input(txt, 'KSampler', 'steps')).toBe(30);
    expect(input(txt, 'Negative', 'text')).toBe('blurry, text');
    h.comfy.models.loras = ['style.safetensors'];
    expect(input(await run(h, 'lora', { lora: 'style.safetensors' }), 'KSampler', 'steps')).toBe(12);

    expect((await settings(h, 'reset', { option: 'steps', workflow: 'txt2img' })).content).toBe('🗑️ Your default for **steps** in txt2img was removed.');
    expect(input(await run(h, 'txt2img', {}), 'KSampler', 'steps')).toBe(12);
    expect((await settings(h, 'reset', { option: 'steps' })).content).toBe('🗑️ Your defaults for **steps** were removed.');
    expect((await settings(h, 'reset', { option: 'steps' })).content).toBe('You had no saved default for **steps**.');
    expect(input(await run(h, 'txt2img', {}), 'KSampler', 'steps')).toBe(20);
    expect((await settings(h, 'reset')).content).toBe('🗑️ All your saved defaults were removed, and private results are off.');
    expect(input(await run(h, 'txt2img', {}), 'Negative', 'text')).toBe('blurry, low quality, watermark, text');
  });

  it('settings survive a restart of the bot', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    await settings(h, 'set', { option: 'steps', value: '12' });
    await settings(h, 'set', { option: 'aspect', value: '16:9', workflow: 'txt2img' });
    await settings(h, 'private', { enabled: true });
    await h.stopBot();
    const again = await startHarness({ reuse: { comfies: h.comfies, discord: h.discord, dataDir: h.dataDir } });
    extra.push(again);
    const shown = await settings(again, 'show');
    expect(shown.content).toContain('🔒 Private results: **on**');
    expect(shown.content).toContain('• steps = `12`');
    expect(shown.content).toContain('For txt2img only:\n• aspect = `16:9`');
    const prompt = await run(again, 'txt2img', {});
    expect(input(prompt, 'KSampler', 'steps')).toBe(12);
    // 16:9 at the workflow's 512×512.
    expect([input(prompt, 'Empty Latent Image', 'width'), input(prompt, 'Empty Latent Image', 'height')]).toEqual([680, 384]);
  });

  it('a saved size steps back for an aspect the user gives', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    await settings(h, 'set', { option: 'width', value: '768', workflow: 'txt2img' });
    expect(input(await run(h, 'txt2img', {}), 'Empty Latent Image', 'width')).toBe(768);
    const shaped = await run(h, 'txt2img', { aspect: '9:16' });
    expect([input(shaped, 'Empty Latent Image', 'width'), input(shaped, 'Empty Latent Image', 'height')]).toEqual([384, 680]);
  });

  it('option, workflow and value names autocomplete', async () => {
    h = await startHarness();
    const sub = (sub: string, options: Array<{ name: string; value: string }>) => [
      {
        name: sub,
        type: ApplicationCommandOptionType.Subcommand as const,
        options: options.map((o) => ({ ...o, type: ApplicationCommandOptionType.String as const })),
      },
    ];
    const options = await h.discord.sendAutocomplete({ name: 'settings', focused: 'option', options: sub('set', [{ name: 'option', value: 'st' }]), user: 'ana' });
    expect(options.map((c) => c.value)).toEqual(['steps', 'strength']);
    expect(options[0]!.name).toBe('steps (img2img, inpaint, lora, txt2img)');
    const workflows = await h.discord.sendAutocomplete({
      name: 'settings',
      focused: 'workflow',
      options: sub('set', [
        { name: 'option', value: 'aspect' },
        { name: 'workflow', value: '' },
      ]),
      user: 'ana',
    });
    expect(workflows.map((c) => c.value)).toEqual(['lora', 'txt2img']);
    const ratios = await h.discord.sendAutocomplete({
      name: 'settings',
      focused: 'value',
      options: sub('set', [
        { name: 'option', value: 'aspect' },
        { name: 'value', value: '' },
      ]),
      user: 'ana',
      locale: Locale.ChineseCN,
    });
    expect(ratios).toContainEqual({ name: '16:9（宽屏）', value: '16:9' });
    const checkpoints = await h.discord.sendAutocomplete({
      name: 'settings',
      focused: 'value',
      options: sub('set', [
        { name: 'option', value: 'checkpoint' },
        { name: 'value', value: '' },
      ]),
      user: 'ana',
    });
    expect(checkpoints.map((c) => c.value)).toEqual(['random-sd15.safetensors']);
  });

  it('is registered with Chinese descriptions', async () => {
    h = await startHarness();
    const command = h.discord.commands(h.discord.guild.id).find((c) => c.name === 'settings');
    expect(command?.description_localizations?.['zh-CN']).toBe('你自己的工作流选项默认值，以及私密结果');
    const set = command?.options?.find((o) => o.name === 'set') as { options?: Array<{ name: string; description_localizations?: Record<string, string> }> } | undefined;
    expect(set?.options?.find((o) => o.name === 'value')?.description_localizations?.['zh-CN']).toBe('值，按该选项本身的规则检查');
  });
});
