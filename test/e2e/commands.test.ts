// The other slash commands, limits, allow-lists and secrets, end to end.
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiWorkflow, ComfyHttp } from '../../src/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { BOT_TOKEN, jobIdOf, startHarness, type Harness } from '../support/bot-harness.ts';
import { recordedWorkflow } from '../support/recordings.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;

/** Runs a slash command and resolves with its reply once the bot has answered. */
async function command(h: Harness, name: string, options: Array<{ name: string; type: number; value: string | number }> = [], extra: { user?: string; permissions?: bigint } = {}) {
  const sent = await h.discord.sendSlashCommand({ name, options, user: extra.user ?? 'ana', ...(extra.permissions ? { permissions: extra.permissions } : {}) });
  return h.discord.waitForMessage(
    (m) => m.interactionToken === sent.token && m.history.length > 1 && ((m.content ?? '') !== '' || (m.embeds?.length ?? 0) > 0),
  );
}

const text = (m: StoredMessage) => [m.content ?? '', ...(m.embeds ?? []).map((e) => JSON.stringify(e))].join('\n');

describe('commands', () => {
  it('/queue lists what runs and waits in run order, naming this bot’s users and other clients', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'mine' });
    await h.reply(token, (m) => m.content?.includes('Queued') ?? false);
    await new ComfyHttp({ url: h.comfy.url }).submit({ prompt: recordedWorkflow('txt2img') as ApiWorkflow, client_id: 'someone-else' });
    const reply = await command(h, 'queue');
    expect(reply.content).toContain("Nobody waits in the bot's queue.");
    expect(reply.content).toContain('**comfyui** — 0 running, 2 waiting');
    expect(reply.content).toMatch(new RegExp(`1\\. <@${h.discord.user('ana').id}> · txt2img`));
    expect(reply.content).toContain('2. another client');
    h.comfy.release();
  });

  it('/status shows the server reachable, its queue, VRAM and version', async () => {
    h = await startHarness();
    const reply = await command(h, 'status');
    const body = text(reply);
    expect(body).toContain('reachable');
    expect(body).toContain('ComfyUI 0.8.0');
    expect(body).toMatch(/GB free of/);
    expect(body).toContain('socket connected');
  });

  it('/models lists a folder, and /nodes shows a node’s inputs with ranges', async () => {
    h = await startHarness();
    h.comfy.models.loras = ['detail.safetensors', 'style.safetensors'];
    const models = await command(h, 'models', [{ name: 'folder', type: 3, value: 'loras' }]);
    expect(text(models)).toContain('detail.safetensors');
    const nodes = await command(h, 'nodes', [{ name: 'class', type: 3, value: 'KSampler' }]);
    expect(text(nodes)).toMatch(/steps.*INT \(default 20, 1…10000\)/);
    const unknown = await command(h, 'models', [{ name: 'folder', type: 3, value: 'nope' }]);
    expect(unknown.content).toContain('There is no model folder "nope"');
  });

  it('/history lists your jobs, and one job with its outputs', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const token = await h.generate('txt2img', { prompt: 'for the history' });
    const final = await h.reply(token, isFinal);
    const jobId = jobIdOf(final);
    const list = await command(h, 'history');
    expect(list.content).toContain(`\`${jobId}\``);
    const one = await command(h, 'history', [{ name: 'job', type: 3, value: jobId }]);
    expect(one.content).toMatch(/ComfyUI: success/);
    expect(one.content).toMatch(/discord_\d+_\.png/);
    const other = await command(h, 'history', [{ name: 'job', type: 3, value: jobId }], { user: 'mallory' });
    expect(other.content).toContain('belongs to someone else');
  });

  it('/cancel all is for Manage Server only', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'to be cleared' });
    await h.reply(token, (m) => m.content?.includes('Queued') ?? false);
    const refused = await command(h, 'cancel', [{ name: 'job', type: 3, value: 'all' }], { user: 'mallory' });
    expect(refused.content).toContain('Only members with the Manage Server permission');
    expect(h.comfy.queue.pending).toHaveLength(1);
    const done = await command(h, 'cancel', [{ name: 'job', type: 3, value: 'all' }], {
      user: 'owner',
      permissions: PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel,
    });
    expect(done.content).toContain('Cleared every queue');
    await h.reply(token, (m) => m.content?.includes('Cancelled by') ?? false);
    expect(h.comfy.queue.pending).toHaveLength(0);
    h.comfy.release();
  });
});

describe('limits, access and secrets', () => {
  it('refuses a job over the per-user limit with what to do, and serves other users', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { USER_MAX_CONCURRENT: '1' } });
    h.comfy.hold();
    const first = await h.generate('txt2img', { prompt: 'one' });
    await h.reply(first, (m) => m.content?.includes('Queued') ?? false);
    const second = await h.generate('txt2img', { prompt: 'two' });
    const refused = await h.reply(second, (m) => m.content?.includes('⚠️') ?? false);
    expect(refused.content).toContain('the limit is 1');
    expect(refused.content).toContain('/cancel');
    const bob = await h.generate('txt2img', { prompt: 'bob' }, { user: 'bob' });
    h.comfy.release();
    await h.reply(bob, isFinal);
    await h.reply(first, isFinal);
  });

  it('keeps the bot to the allowed channels', async () => {
    h = await startHarness({ env: { ALLOWED_CHANNELS: '123456789012345678' } });
    const token = await h.generate('txt2img', { prompt: 'here?' });
    const reply = await h.reply(token, (m) => m.content?.includes('⚠️') ?? false);
    expect(reply.content).toContain('only works in <#123456789012345678>');
    expect(h.comfy.requests.some((r) => r.path === '/prompt' && r.method === 'POST')).toBe(false);
  });

  it('sends the ComfyUI proxy headers but never logs them or the bot token', async () => {
    const secret = 'Bearer proxy-secret-value-123';
    h = await startHarness({ comfy: { stepMs: 0 }, env: { COMFYUI_HEADERS: JSON.stringify({ Authorization: secret }) } });
    const token = await h.generate('txt2img', { prompt: 'secret test' });
    const final = await h.reply(token, isFinal);
    expect(h.comfy.requests.every((r) => r.headers['authorization'] === secret)).toBe(true);
    const everything = [...h.logs, ...[...h.discord.messages.values()].map((m) => JSON.stringify(m))].join('\n');
    expect(everything).not.toContain('proxy-secret-value-123');
    expect(everything).not.toContain(BOT_TOKEN);
    expect(final.content).not.toContain(secret);
  });
});
