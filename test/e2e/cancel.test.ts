// Cancelling from Discord: ❌ on the job's message, or its Cancel button.
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const cancelledBy = (userId: string) => (m: StoredMessage) => m.content?.includes(`Cancelled by <@${userId}>`) ?? false;
const isRunning = (m: StoredMessage) => /step \d+\//.test(m.content ?? '');
const isQueued = (m: StoredMessage) => m.content?.includes('Queued') ?? false;

async function jobOf(h: Harness, token: string) {
  const message = await h.reply(token, (m) => isQueued(m) || isRunning(m));
  const job = h.bot.ledger.byMessageId(message.id);
  if (!job) throw new Error('no job recorded for the message');
  return { message, job };
}

describe('cancelling', () => {
  it('a pending job cancelled by ❌ leaves the queue', async () => {
    h = await startHarness({ comfy: { stepMs: 5 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'waiting' });
    const { message, job } = await jobOf(h, token);
    await h.discord.reactionAdd({ message: message.id, user: 'ana', emoji: '❌' });
    await h.reply(token, cancelledBy(h.discord.user('ana').id));
    const del = h.comfy.requests.find((r) => r.method === 'POST' && r.path === '/queue');
    expect(del?.json).toEqual({ delete: [job.promptId] });
    expect(h.bot.ledger.get(job.id)?.outcome).toBe('cancelled');
    h.comfy.release();
  });

  it('a pending job whose delete ComfyUI answers late is cancelled, not lost and not run again', async () => {
    h = await startHarness({ comfy: { stepMs: 5 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'waiting, then deleted' });
    const { message, job } = await jobOf(h, token);
    // The delete takes effect at once; its answer comes late, so the bot sees the prompt gone from
    // ComfyUI's queue (and checks it there) before it hears that its delete worked.
    h.comfy.delayAnswerNext({ method: 'POST', path: '/queue' }, 3_000);
    await h.discord.reactionAdd({ message: message.id, user: 'ana', emoji: '❌' });
    const cancelled = await h.reply(token, cancelledBy(h.discord.user('ana').id));
    expect(cancelled.content).not.toContain('lost');
    expect(h.bot.ledger.get(job.id)?.outcome).toBe('cancelled');
    h.comfy.release();
    const posts = h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt');
    expect(posts).toHaveLength(1);
  });

  it('a running job cancelled by ❌ is interrupted by its prompt id', async () => {
    h = await startHarness({ comfy: { stepMs: 40 } });
    const token = await h.generate('txt2img', { prompt: 'running', steps: 150 });
    const message = await h.reply(token, isRunning);
    const job = h.bot.ledger.byMessageId(message.id)!;
    await h.discord.reactionAdd({ message: message.id, user: 'ana', emoji: '❌' });
    await h.reply(token, cancelledBy(h.discord.user('ana').id));
    const interrupt = h.comfy.requests.find((r) => r.method === 'POST' && r.path === '/interrupt');
    expect(interrupt?.json).toEqual({ prompt_id: job.promptId });
  });

  it("someone else's ❌ cancels nothing", async () => {
    h = await startHarness({ comfy: { stepMs: 5 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'mine' });
    const { message, job } = await jobOf(h, token);
    await h.discord.reactionAdd({ message: message.id, user: 'mallory', emoji: '❌' });
    // The bot logs its decision; wait for that instead of sleeping.
    await waitFor(() => h!.logs.some((l) => l.includes('ignored a cancel reaction')));
    expect(h.comfy.requests.some((r) => r.path === '/queue' && r.method === 'POST')).toBe(false);
    expect(h.comfy.requests.some((r) => r.path === '/interrupt')).toBe(false);
    h.comfy.release();
    await h.reply(token, (m) => m.content?.includes('done in') ?? false);
    expect(h.bot.ledger.get(job.id)?.outcome).toBe('success');
  });

  it('the Cancel button cancels, and only for the requester or a moderator', async () => {
    h = await startHarness({ comfy: { stepMs: 5 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'button' });
    const { message, job } = await jobOf(h, token);
    await h.discord.sendButton({ customId: `cancel:${job.id}`, message: message.id, user: 'mallory' });
    const refused = await h.discord.waitForRequest((r) => r.route?.includes('/callback') === true && JSON.stringify(r.json ?? r.payload).includes('Only the person'));
    expect(refused).toBeDefined();
    await h.discord.sendButton({ customId: `cancel:${job.id}`, message: message.id, user: 'mod', permissions: PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ViewChannel });
    await h.reply(token, cancelledBy(h.discord.user('mod').id));
    h.comfy.release();
  });
});
