// Workflows as slash commands: definitions within Discord's limits, live
// autocomplete, and the buttons on results.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, ComponentType } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { jobIdOf, startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { waitFor } from '../support/wait.ts';
import { makePng } from '../fakes/comfy/index.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const NAME = /^[-_\p{Ll}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

interface CommandJson {
  name: string;
  description: string;
  options?: CommandJson[];
  type?: number;
  required?: boolean;
  choices?: Array<{ name: string; value: string }>;
}

function characters(c: CommandJson): number {
  return c.name.length + c.description.length + (c.options ?? []).reduce((n, o) => n + characters(o), 0) +
    (c.choices ?? []).reduce((n, ch) => n + ch.name.length + String(ch.value).length, 0);
}

describe('workflows in Discord', () => {
  it('registers one /generate subcommand per workflow, within Discord limits', async () => {
    h = await startHarness();
    const put = h.discord.requests.find((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'));
    const commands = put?.json as CommandJson[];
    const generate = commands.find((c) => c.name === 'generate')!;
    expect(generate.options?.map((o) => o.name).sort()).toEqual(['img2img', 'inpaint', 'lora', 'txt2img']);
    for (const command of commands) {
      expect(command.name).toMatch(NAME);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.description.length).toBeLessThanOrEqual(100);
      expect(command.options?.length ?? 0).toBeLessThanOrEqual(25);
      expect(characters(command)).toBeLessThanOrEqual(8000);
      for (const sub of command.options ?? []) {
        expect(sub.name).toMatch(NAME);
        expect(sub.description.length).toBeLessThanOrEqual(100);
        expect(sub.options?.length ?? 0).toBeLessThanOrEqual(25);
        const required = (sub.options ?? []).map((o) => o.required === true);
        expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
      }
    }
    const img2img = generate.options!.find((o) => o.name === 'img2img')!;
    expect(img2img.options?.find((o) => o.name === 'image')).toMatchObject({ type: ApplicationCommandOptionType.Attachment, required: true });
  });

  it('skips at start a workflow the server cannot run, with a warning naming it; the others load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    for (const f of ['txt2img.json', 'txt2img.manifest.json']) copyFileSync(join(REPO_ROOT, 'workflows', f), join(dir, f));
    const custom = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.json'), 'utf8')) as Record<string, { class_type: string }>;
    Object.values(custom).find((n) => n.class_type === 'KSampler')!.class_type = 'FancySampler';
    writeFileSync(join(dir, 'fancy.json'), JSON.stringify(custom));
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'fancy.manifest.json'), JSON.stringify({ ...manifest, name: 'fancy', workflow: 'fancy.json' }));
    h = await startHarness({ env: { WORKFLOWS_DIR: dir } });
    const put = h.discord.requests.find((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'));
    const generate = (put?.json as CommandJson[]).find((c) => c.name === 'generate')!;
    expect(generate.options?.map((o) => o.name)).toEqual(['txt2img']);
    const warning = h.logs.find((l) => l.includes('workflow skipped') && l.includes('fancy'));
    expect(warning).toMatch(/FancySampler/);
  });

  it('autocompletes checkpoints from the live server, filtered, and picks up new ones', async () => {
    h = await startHarness({ bot: { choicesTtlMs: 0 } });
    h.comfy.models.checkpoints = ['sd15.safetensors', 'sdxl-base.safetensors', 'anime.safetensors'];
    const ask = (typed: string) =>
      h!.discord.sendAutocomplete({
        name: 'generate',
        focused: 'checkpoint',
        options: [
          {
            name: 'txt2img',
            type: ApplicationCommandOptionType.Subcommand,
            options: [{ name: 'checkpoint', type: ApplicationCommandOptionType.String, value: typed }],
          },
        ],
      });
    expect((await ask('sd')).map((c) => c.value)).toEqual(['sd15.safetensors', 'sdxl-base.safetensors']);
    h.comfy.models.checkpoints.push('sd3-new.safetensors');
    expect((await ask('sd3')).map((c) => c.value)).toEqual(['sd3-new.safetensors']);
    const samplers = await h.discord.sendAutocomplete({
      name: 'generate',
      focused: 'sampler',
      options: [{ name: 'txt2img', type: 1, options: [{ name: 'sampler', type: 3, value: 'dpmpp_2m' }] }],
    });
    expect(samplers.map((c) => c.value)).toContain('dpmpp_2m');
    expect(samplers.length).toBeLessThanOrEqual(25);
  });

  it('Re-roll runs the same options with a new seed, from the stored parameters', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const token = await h.generate('txt2img', { prompt: 'reroll me', steps: 3, seed: 5 });
    const first = await h.reply(token, isFinal);
    const jobId = jobIdOf(first);
    const sent = await h.discord.sendButton({ customId: `reroll:${jobId}`, message: first.id, user: 'ana' });
    const second = await h.reply(sent.token, isFinal);
    const seed = second.embeds?.[0]?.fields?.find((f) => f.name === 'Seed')?.value;
    expect(seed).toBeDefined();
    expect(seed).not.toBe('5');
    expect(second.embeds?.[0]?.fields?.find((f) => f.name === 'Steps')?.value).toBe('3');
    expect(second.embeds?.[0]?.description).toBe('reroll me');
  });

  it('Use as input runs img2img on the chosen output image', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const token = await h.generate('txt2img', { prompt: 'source' });
    const first = await h.reply(token, isFinal);
    const jobId = jobIdOf(first);
    await h.discord.sendButton({ customId: `use:${jobId}:0`, message: first.id, user: 'ana' });
    const shown = await h.discord.waitForRequest((r) => (r.route ?? '').endsWith('/callback') && (r.json as { type?: number })?.type === 9);
    // The prompt field sits in a label component, not in a (deprecated) action row.
    expect((shown.json as { data: { components: { type: number }[] } }).data.components.map((c) => c.type)).toEqual([ComponentType.Label]);
    const modal = await h.discord.sendModalSubmit({ customId: `usemodal:${jobId}:0`, fields: { prompt: 'now in watercolour' }, message: first.id, user: 'ana' });
    const second = await h.reply(modal.token, isFinal);
    expect(second.embeds?.[0]?.title).toBe('img2img');
    const upload = h.comfy.requests.find((r) => r.path === '/upload/image');
    expect(upload?.form?.files['image']?.bytes.subarray(1, 4).toString()).toBe('PNG');
  });

  it('old input images are removed after the retention time, and Re-roll then asks for a new upload', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const image = h.discord.addAttachment({ filename: 'cat.png', contentType: 'image/png', bytes: makePng(32, 32, [1, 2, 3]) });
    const token = await h.generate('img2img', { prompt: 'keep me' }, { attachments: { image } });
    const first = await h.reply(token, isFinal);
    const jobId = jobIdOf(first);
    await waitFor(() => h!.bot.ledger.get(jobId)?.state === 'delivered');
    expect(existsSync(join(h.dataDir, 'inputs', jobId))).toBe(true);
    expect(await h.bot.service.pruneInputs(0, Date.now() + 1)).toBe(1);
    expect(existsSync(join(h.dataDir, 'inputs', jobId))).toBe(false);
    const sent = await h.discord.sendButton({ customId: `reroll:${jobId}`, message: first.id, user: 'ana' });
    const reply = await h.reply(sent.token, (m) => m.content?.includes('⚠️') ?? false);
    expect(reply.content).toContain('no longer kept');
  });

  it('buttons keep working after a bot restart', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const token = await h.generate('txt2img', { prompt: 'survives restarts', seed: 9 });
    const first = await h.reply(token, isFinal);
    const jobId = jobIdOf(first);
    await h.stopBot();
    const again = await startHarness({ reuse: { comfies: h.comfies, discord: h.discord, dataDir: h.dataDir } });
    try {
      const sent = await h.discord.sendButton({ customId: `reroll:${jobId}`, message: first.id, user: 'ana' });
      const rerolled = await again.reply(sent.token, isFinal);
      expect(rerolled.embeds?.[0]?.description).toBe('survives restarts');
    } finally {
      await again.stopBot();
    }
  });
});
