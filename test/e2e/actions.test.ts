// What people do with a result, end to end (U2, U3): the per-image buttons under a
// batch (Upscale n, Vary n, Use as input n), Edit (Remix) and 🗑️ Delete, the jobs
// they start (normal jobs that name their parent), and all of it after a restart.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ComponentType,
  MessageFlags,
  PermissionFlagsBits,
  type APIButtonComponentWithCustomId,
  type APIMessageTopLevelComponent,
  type APIStringSelectComponent,
} from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRow } from '../../src/jobs/ledger.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { jobIdOf, startHarness, type Harness } from '../support/bot-harness.ts';
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

function prompts(h: Harness): Array<Record<string, PromptNode>> {
  return h.comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').map((r) => (r.json as { prompt: Record<string, PromptNode> }).prompt);
}

const node = (prompt: Record<string, PromptNode>, classType: string) => Object.values(prompt).find((n) => n.class_type === classType)?.inputs ?? {};

function rows(m: StoredMessage): APIMessageTopLevelComponent[] {
  return m.components.filter((row) => row.type === ComponentType.ActionRow);
}

function buttons(m: StoredMessage): APIButtonComponentWithCustomId[] {
  return rows(m).flatMap((row) => (row.type === ComponentType.ActionRow ? row.components : []))
    .filter((c): c is APIButtonComponentWithCustomId => c.type === ComponentType.Button && 'custom_id' in c);
}

function button(m: StoredMessage, customId: string): APIButtonComponentWithCustomId {
  const found = buttons(m).find((b) => b.custom_id === customId);
  if (!found) throw new Error(`no button ${customId} on the message; it has ${buttons(m).map((b) => b.custom_id).join(', ')}`);
  return found;
}

/** The output file of a finished job, by its number in the message (1 = the first). */
function output(h: Harness, jobId: string, n: number) {
  const result = h.bot.ledger.get(jobId)?.result;
  if (result?.kind !== 'success') throw new Error(`job ${jobId} has no result`);
  const file = result.outputs[n - 1];
  if (!file || file.kind === 'text') throw new Error(`job ${jobId} has no output ${n}`);
  return file;
}

async function batchOfFour(h: Harness, prompt = 'four foxes'): Promise<{ final: StoredMessage; job: JobRow }> {
  const final = await h.reply(await h.generate('txt2img', { prompt, batch: 4, steps: 7, negative: 'fog' }), isFinal);
  return { final, job: h.bot.ledger.get(jobIdOf(final))! };
}

/** The shipped workflows the tests use, with txt2img's batch able to go past Discord's 10 attachments. */
function workflowsWithBigBatch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
  for (const name of ['upscale', 'img2img']) {
    for (const file of [`${name}.json`, `${name}.manifest.json`]) writeFileSync(join(dir, file), readFileSync(join(REPO_ROOT, 'workflows', file)));
  }
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.manifest.json'), 'utf8')) as { options: Array<Record<string, unknown>> };
  manifest.options.find((o) => o['name'] === 'batch')!['max'] = 12;
  writeFileSync(join(dir, 'txt2img.manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'txt2img.json'), readFileSync(join(REPO_ROOT, 'workflows/txt2img.json')));
  return dir;
}

describe('per-image actions', () => {
  it('a batch of 4 posts 4 numbered images in one message, a row for the job and a row of numbered buttons per action', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h);
    expect(final.attachments).toHaveLength(4);
    expect(final.embeds.map((e) => e.title)).toEqual(['1', '2', '3', '4']);
    const labels = rows(final).map((row) => (row.type === ComponentType.ActionRow ? row.components.map((c) => ('label' in c ? c.label : '')) : []));
    expect(labels).toEqual([
      ['Re-roll', 'Edit', 'Delete'],
      ['Upscale 1', 'Upscale 2', 'Upscale 3', 'Upscale 4'],
      ['Vary (subtle) 1', 'Vary (subtle) 2', 'Vary (subtle) 3', 'Vary (subtle) 4'],
      ['Vary (strong) 1', 'Vary (strong) 2', 'Vary (strong) 3', 'Vary (strong) 4'],
      ['Use as input 1', 'Use as input 2', 'Use as input 3', 'Use as input 4'],
    ]);
    expect(buttons(final).map((b) => b.custom_id)).toEqual([
      `reroll:${job.id}`,
      `edit:${job.id}`,
      `del:${job.id}`,
      ...[0, 1, 2, 3].map((i) => `act:${job.id}:upscale:${i}`),
      ...[0, 1, 2, 3].map((i) => `act:${job.id}:vary_subtle:${i}`),
      ...[0, 1, 2, 3].map((i) => `act:${job.id}:vary_strong:${i}`),
      ...[0, 1, 2, 3].map((i) => `use:${job.id}:${i}`),
    ]);
  });

  it('Upscale 3 queues the upscale workflow, its LoadImage naming image 3 where it is on the same server; the job names its parent', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h);
    const third = output(h, job.id, 3);
    const pressed = await h.discord.sendButton({ customId: button(final, `act:${job.id}:upscale:2`).custom_id, message: final, user: 'bob' });
    const upscaled = await h.reply(pressed.token, isFinal);
    const prompt = prompts(h).at(-1)!;
    expect(node(prompt, 'ImageScaleBy')['scale_by']).toBe(2);
    // An output of this very server: named in place in its output folder, nothing uploaded.
    expect(node(prompt, 'LoadImage')['image']).toBe(`${third.filename} [output]`);
    expect(h.comfy.readFile(third.filename)).toBeDefined();
    expect(h.comfy.requests.some((r) => r.path === '/upload/image')).toBe(false);
    // Fetched again through /view (never from Discord's CDN): the bot knows ComfyUI still has it.
    expect(h.comfy.requests.some((r) => r.path === '/view' && r.query['filename'] === third.filename)).toBe(true);
    expect(h.discord.downloads).toHaveLength(0);
    // The job's prompt and checkpoint, the action's denoise, a new seed.
    expect(node(prompt, 'KSampler')['denoise']).toBe(0.35);
    expect(Object.values(prompt).find((n) => n._meta?.title === 'Positive')?.inputs['text']).toBe('four foxes');
    expect(node(prompt, 'CheckpointLoaderSimple')['ckpt_name']).toBe(job.params['checkpoint']);
    const row = h.bot.ledger.get(jobIdOf(upscaled))!;
    expect(row).toMatchObject({ workflow: 'upscale', userId: h.discord.user('bob').id, parent: { job: job.id, workflow: 'txt2img', action: 'upscale', image: 2 } });
    expect(row.params['seed']).not.toBe(job.params['seed']);
    expect(upscaled.content.split('\n')[0]).toBe(`↪️ Upscale of #${job.id}, image 3`);
    expect(upscaled.embeds[0]?.title).toBe('upscale');
    // A normal job: in /history, with its own buttons.
    expect(buttons(upscaled).map((b) => b.custom_id)).toContain(`reroll:${row.id}`);
  });

  it('Upscale on another server than the image: the image is fetched from its server and uploaded to the one that runs the job', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h);
    const third = output(h, job.id, 3);
    const source = h.comfies.find((c) => c.url === job.server)!;
    const other = h.comfies.find((c) => c !== source)!;
    // Both servers hold a prompt they do not start, so the action waits in the bot; then only the
    // other server frees its slot, and the action's job goes there.
    for (const c of h.comfies) c.hold();
    const fillers = await Promise.all(['cleo', 'dan'].map((user) => h!.generate('txt2img', { prompt: `filler of ${user}`, steps: 2 }, { user })));
    await Promise.all(h.comfies.map((c) => c.waitForRequest((r) => r.method === 'POST' && r.path === '/prompt' && JSON.stringify(r.json).includes('filler'))));
    const pressed = await h.discord.sendButton({ customId: button(final, `act:${job.id}:upscale:2`).custom_id, message: final, user: 'bob' });
    other.release();
    const upscaled = await h.reply(pressed.token, isFinal);
    const row = h.bot.ledger.get(jobIdOf(upscaled))!;
    expect(row.server).toBe(other.url);
    const upload = other.requests.find((r) => r.path === '/upload/image');
    expect(upload?.form?.files['image']?.bytes.equals(source.readFile(third.filename)!)).toBe(true);
    const sent = other.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').map((r) => (r.json as { prompt: Record<string, PromptNode> }).prompt).at(-1)!;
    expect(node(sent, 'LoadImage')['image']).not.toContain('[output]');
    expect(node(sent, 'LoadImage')['image']).toContain(upload?.form?.files['image']?.name ?? '?');
    expect(source.requests.some((r) => r.path === '/view' && r.query['filename'] === third.filename)).toBe(true);
    source.release();
    await Promise.all(fillers.map((t) => h!.reply(t, isFinal)));
  });

  it('Vary 2 runs img2img on image 2 with a new seed and the same prompt; subtle and strong differ in denoise', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h);
    const second = output(h, job.id, 2);
    const subtle = await h.discord.sendButton({ customId: `act:${job.id}:vary_subtle:1`, message: final, user: 'ana' });
    const varied = await h.reply(subtle.token, isFinal);
    const prompt = prompts(h).at(-1)!;
    expect(node(prompt, 'LoadImage')['image']).toBe(`${second.filename} [output]`);
    expect(node(prompt, 'KSampler')['denoise']).toBe(0.35);
    expect(node(prompt, 'KSampler')['seed']).not.toBe(job.params['seed']);
    expect(node(prompt, 'KSampler')['steps']).toBe(7);
    expect(Object.values(prompt).find((n) => n._meta?.title === 'Positive')?.inputs['text']).toBe('four foxes');
    expect(Object.values(prompt).find((n) => n._meta?.title === 'Negative')?.inputs['text']).toBe('fog');
    expect(varied.embeds[0]?.author?.name ?? varied.embeds[0]?.title).toBe('img2img');
    expect(varied.content.split('\n')[0]).toBe(`↪️ Vary (subtle) of #${job.id}, image 2`);

    const strong = await h.discord.sendButton({ customId: `act:${job.id}:vary_strong:1`, message: final, user: 'ana' });
    await h.reply(strong.token, isFinal);
    expect(node(prompts(h).at(-1)!, 'KSampler')['denoise']).toBe(0.65);
  });

  it('Use as input works on every image, not only the first', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h);
    await h.discord.sendButton({ customId: `use:${job.id}:3`, message: final, user: 'ana' });
    const submitted = await h.discord.sendModalSubmit({ customId: `usemodal:${job.id}:3`, fields: { prompt: 'the fourth, in ink' }, message: final, user: 'ana' });
    const used = await h.reply(submitted.token, isFinal);
    expect(node(prompts(h).at(-1)!, 'LoadImage')['image']).toBe(`${output(h, job.id, 4).filename} [output]`);
    expect(used.content.split('\n')[0]).toBe(`↪️ Use as input of #${job.id}, image 4`);
  });

  it('the image gone from ComfyUI: the user is told so, and nothing is queued', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h);
    const before = prompts(h).length;
    h.comfy.failNext({ method: 'GET', path: '/view' }, { status: 404, body: '404: Not Found', contentType: 'text/plain' }, 5);
    const pressed = await h.discord.sendButton({ customId: `act:${job.id}:upscale:2`, message: final, user: 'ana' });
    const told = await h.reply(pressed.token, (m) => m.content.startsWith('⚠️'));
    expect(told.content).toBe(
      `⚠️ ComfyUI no longer has image 3 of job \`${job.id}\` (it was removed from its output folder), so it cannot be used. Run the job again, or attach the image to /generate.`,
    );
    expect(prompts(h)).toHaveLength(before);
  });
});

describe('Remix', () => {
  it('Edit opens a modal with the prompt and negative; submitting runs the same workflow with the new prompt, the other values kept and a new seed', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const final = await h.reply(await h.generate('txt2img', { prompt: 'a red fox', negative: 'fog', steps: 9, seed: 42, width: 640 }), isFinal);
    const id = jobIdOf(final);
    await h.discord.sendButton({ customId: button(final, `edit:${id}`).custom_id, message: final, user: 'bob' });
    const shown = await h.discord.waitForRequest((r) => (r.route ?? '').endsWith('/callback') && (r.json as { type?: number })?.type === 9);
    const modal = (shown.json as { data: { custom_id: string; title: string; components: Array<{ type: number; label: string; component: { custom_id: string; value?: string } }> } }).data;
    expect(modal.custom_id).toBe(`editmodal:${id}`);
    expect(modal.title).toBe('Remix: txt2img');
    expect(modal.components.map((c) => [c.type, c.label, c.component.custom_id, c.component.value])).toEqual([
      [ComponentType.Label, 'Prompt', 'prompt', 'a red fox'],
      [ComponentType.Label, 'Negative prompt', 'negative', 'fog'],
    ]);
    const submitted = await h.discord.sendModalSubmit({ customId: modal.custom_id, fields: { prompt: 'a blue fox', negative: 'fog, rain' }, message: final, user: 'bob' });
    const remixed = await h.reply(submitted.token, isFinal);
    const prompt = prompts(h).at(-1)!;
    expect(Object.values(prompt).find((n) => n._meta?.title === 'Positive')?.inputs['text']).toBe('a blue fox');
    expect(Object.values(prompt).find((n) => n._meta?.title === 'Negative')?.inputs['text']).toBe('fog, rain');
    expect(node(prompt, 'KSampler')['steps']).toBe(9);
    expect(node(prompt, 'EmptyLatentImage')['width']).toBe(640);
    expect(node(prompt, 'KSampler')['seed']).not.toBe(42);
    const row = h.bot.ledger.get(jobIdOf(remixed))!;
    expect(row).toMatchObject({ workflow: 'txt2img', parent: { job: id, action: 'remix', image: null } });
    expect(remixed.content.split('\n')[0]).toBe(`↪️ Remix of #${id}`);
  });
});

describe('Delete', () => {
  it('by another user: an ephemeral refusal and nothing deleted; by the requester: every message of the result goes, the job stays in /history', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsWithBigBatch() } });
    const final = await h.reply(await h.generate('txt2img', { prompt: 'a dozen', batch: 12 }), isFinal);
    const id = jobIdOf(final);
    const followUp = await h.discord.waitForMessage((m) => m.channel_id === final.channel_id && m.id !== final.id && m.attachments.length === 2);
    await expect.poll(() => h!.bot.ledger.get(id)?.state).toBe('delivered');
    expect(h.bot.ledger.get(id)?.delivery.more).toEqual([{ channelId: final.channel_id, messageId: followUp.id }]);
    // Ten numbered images: a menu per action (buttons would need more than 5 rows).
    const menus = rows(final).slice(1).map((row) => (row.type === ComponentType.ActionRow ? (row.components[0] as APIStringSelectComponent) : undefined));
    expect(menus.map((m) => m?.placeholder)).toEqual(['Upscale: pick an image', 'Vary (subtle): pick an image', 'Vary (strong): pick an image', 'Use as input: pick an image']);
    expect(menus[0]?.options.map((o) => o.label)).toEqual(Array.from({ length: 10 }, (_, i) => `Image ${i + 1}`));

    const refused = await h.discord.sendButton({ customId: `del:${id}`, message: final, user: 'bob' });
    const no = await h.discord.waitForMessage((m) => m.interactionToken === refused.token);
    expect(no.content).toBe('⚠️ Only the person who started this job, or a member with Manage Messages, can delete its results.');
    expect(no.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(h.discord.messages.has(final.id)).toBe(true);
    expect(h.discord.messages.has(followUp.id)).toBe(true);

    const pressed = await h.discord.sendButton({ customId: `del:${id}`, message: final, user: 'ana' });
    const done = await h.discord.waitForMessage((m) => m.interactionToken === pressed.token && m.content.startsWith('🗑️'));
    expect(done.content).toBe(`🗑️ Deleted the results of job \`${id}\`. It stays in /history.`);
    expect(h.discord.deletedMessages.has(final.id)).toBe(true);
    expect(h.discord.deletedMessages.has(followUp.id)).toBe(true);
    expect(h.bot.ledger.get(id)?.outcome).toBe('success');
  });

  it('a member with Manage Messages may delete anyone’s result', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const final = await h.reply(await h.generate('txt2img', { prompt: 'mine' }), isFinal);
    const id = jobIdOf(final);
    const pressed = await h.discord.sendButton({
      customId: `del:${id}`,
      message: final,
      user: 'mod',
      permissions: PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ViewChannel,
    });
    await h.discord.waitForMessage((m) => m.interactionToken === pressed.token && m.content.startsWith('🗑️'));
    expect(h.discord.deletedMessages.has(final.id)).toBe(true);
  });
});

describe('after a restart', () => {
  it('every button of an old message still works: its state is in the ledger, its images on ComfyUI', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const { final, job } = await batchOfFour(h, 'old foxes');
    await expect.poll(() => h!.bot.ledger.get(job.id)?.state).toBe('delivered');
    await h.stopBot();
    const again = await startHarness({ reuse: { comfies: h.comfies, discord: h.discord, dataDir: h.dataDir } });
    try {
      const press = (customId: string) => h!.discord.sendButton({ customId: button(final, customId).custom_id, message: final, user: 'ana' });
      for (const [customId, workflow] of [
        [`reroll:${job.id}`, 'txt2img'],
        [`act:${job.id}:upscale:3`, 'upscale'],
        [`act:${job.id}:vary_subtle:0`, 'img2img'],
        [`act:${job.id}:vary_strong:2`, 'img2img'],
      ] as const) {
        const done = await again.reply((await press(customId)).token, isFinal);
        expect(again.bot.ledger.get(jobIdOf(done))?.workflow).toBe(workflow);
      }
      for (const [customId, modalId, fields] of [
        [`use:${job.id}:1`, `usemodal:${job.id}:1`, { prompt: 'in ink' }],
        [`edit:${job.id}`, `editmodal:${job.id}`, { prompt: 'new foxes', negative: '' }],
      ] as const) {
        const pressed = await press(customId);
        await h.discord.waitForRequest((r) => r.path.includes(pressed.token) && (r.json as { type?: number })?.type === 9);
        const submitted = await h.discord.sendModalSubmit({ customId: modalId, fields, message: final, user: 'ana' });
        await again.reply(submitted.token, isFinal);
      }
      const deleted = await press(`del:${job.id}`);
      await h.discord.waitForMessage((m) => m.interactionToken === deleted.token && m.content.startsWith('🗑️'));
      expect(h.discord.deletedMessages.has(final.id)).toBe(true);
    } finally {
      await again.stopBot();
    }
  });
});
