// The bot's own queue, end to end: fair share, priority roles, model affinity,
// the depth each server holds, cancelling while waiting, failover to the head,
// pause/resume and /admin first. Observed through what the fake ComfyUIs were
// asked (the order of POST /prompt) and what the fake Discord shows.
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeComfy } from '../fakes/comfy/index.ts';
import { makeRole } from '../fakes/discord/fixtures.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const MANAGER = PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel;
const isFinal = (m: StoredMessage) => /done in|Cancelled/.test(m.content ?? '');
const isQueued = (m: StoredMessage) => (m.content ?? '').includes('Queued');

/** Job ids in the order their prompts were posted to `comfy`. */
function postedJobs(comfy: FakeComfy): string[] {
  return comfy.requests
    .filter((r) => r.method === 'POST' && r.path === '/prompt')
    .map((r) => (r.json as { extra_data: { bot: { job: string } } }).extra_data.bot.job);
}

/** The prompt texts of those jobs (each test gives every job its own). */
function postedPrompts(h: Harness, comfy: FakeComfy = h.comfy): string[] {
  return postedJobs(comfy).map((id) => String(h.bot.ledger.get(id)?.params['prompt']));
}

async function jobOf(h: Harness, token: string) {
  const message = await h.reply(token, isQueued);
  return h.bot.ledger.byMessageId(message.id)!;
}

/** `/admin <sub>` by a member with Manage Server (or without); resolves with the answer's text. */
async function admin(h: Harness, sub: string, options: Array<{ name: string; type: number; value: string }> = [], permissions: bigint = MANAGER) {
  const sent = await h.discord.sendSubcommand({ name: 'admin', subcommand: sub, options, user: 'owner', permissions });
  const reply = await h.discord.waitForMessage((m) => m.interactionToken === sent.token && (m.content ?? '') !== '');
  return reply.content ?? '';
}

describe("the bot's queue", () => {
  it("one user's six jobs do not hold back another's first, and a priority role goes before both", async () => {
    const vip = '1400000000000000001';
    h = await startHarness({ comfy: { stepMs: 1 }, env: { PRIORITY_ROLES: vip } });
    await h.discord.dispatch('GUILD_ROLE_CREATE', { guild_id: h.discord.guild.id, role: makeRole({ id: vip, name: 'patron', permissions: '0', position: 2 }) });
    await waitFor(() => h!.bot.client.guilds.cache.get(h!.discord.guild.id)?.roles.cache.has(vip) ?? false);
    h.comfy.hold();
    const ann: string[] = [];
    for (let i = 1; i <= 6; i++) ann.push(await h.generate('txt2img', { prompt: `ann ${i}` }, { user: 'ann' }));
    await Promise.all(ann.map((t) => h!.reply(t, isQueued)));
    const bob = await h.generate('txt2img', { prompt: 'bob 1' }, { user: 'bob' });
    // Ann's first is on the server; in the bot, Bob's first goes before Ann's second: position 2.
    await h.reply(bob, (m) => (m.content ?? '').includes('Queued — position 2 of 7'));
    const pat = await h.generate('txt2img', { prompt: 'pat 1' }, { user: 'pat', roles: [vip] });
    await h.reply(pat, (m) => (m.content ?? '').includes('Queued — position 2 of 8'));
    await h.reply(bob, (m) => (m.content ?? '').includes('Queued — position 3 of 8'));
    expect(postedPrompts(h)).toEqual(['ann 1']);

    h.comfy.release();
    await Promise.all([...ann, bob, pat].map((t) => h!.reply(t, isFinal)));
    const order = postedPrompts(h);
    expect(order).toHaveLength(8);
    expect(order.indexOf('pat 1')).toBeLessThan(order.indexOf('ann 2'));
    expect(order.indexOf('pat 1')).toBeLessThan(order.indexOf('bob 1'));
    expect(order.indexOf('bob 1')).toBeLessThan(order.indexOf('ann 3'));
  });

  it('jobs sent X X Y Y X X Y Y to two servers that have both checkpoints: at most 2 switches per server', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 2, switchMs: 20, checkpoints: ['x.safetensors', 'y.safetensors'] } });
    for (const c of h.comfies) c.hold();
    const tokens: string[] = [];
    for (const [i, ckpt] of ['x', 'x', 'y', 'y', 'x', 'x', 'y', 'y'].entries()) {
      tokens.push(await h.generate('txt2img', { prompt: `${ckpt} ${i}`, checkpoint: `${ckpt}.safetensors`, steps: 4 }, { user: `u${i % 3}` }));
    }
    await Promise.all(tokens.map((t) => h!.reply(t, isQueued)));
    for (const c of h.comfies) c.release();
    await Promise.all(tokens.map((t) => h!.reply(t, isFinal)));
    const [gpu1, gpu2] = h.comfies as [FakeComfy, FakeComfy];
    expect(gpu1.executions.length + gpu2.executions.length).toBe(8);
    expect(gpu1.checkpointSwitches).toBeLessThanOrEqual(2);
    expect(gpu2.checkpointSwitches).toBeLessThanOrEqual(2);
  });

  it('a server never holds more than BACKEND_QUEUE_DEPTH + 1 of our prompts', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { BACKEND_QUEUE_DEPTH: '2' } });
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) tokens.push(await h.generate('txt2img', { prompt: `depth ${i}`, steps: 3 }, { user: `u${i % 4}` }));
    await Promise.all(tokens.map((t) => h!.reply(t, isFinal)));
    // Work was always there to hold, and it never went over 1 running + 2 pending.
    expect(h.comfy.peakQueue).toBe(3);
    expect(postedJobs(h.comfy)).toHaveLength(12);
  });

  it('cancelling a job that waits in the bot sends nothing to ComfyUI', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    h.comfy.hold();
    const first = await h.generate('txt2img', { prompt: 'on the server' });
    await h.reply(first, isQueued);
    const second = await h.generate('txt2img', { prompt: 'in the bot' });
    const job = await jobOf(h, second);
    expect(job.state).toBe('waiting');
    const requestsBefore = h.comfy.requests.length;
    await h.discord.reactionAdd({ message: job.delivery.messageId!, user: 'ana', emoji: '❌' });
    await h.reply(second, (m) => (m.content ?? '').includes(`Cancelled by <@${h!.discord.user('ana').id}>`));
    expect(h.comfy.requests.slice(requestsBefore).filter((r) => r.method === 'POST')).toEqual([]);
    expect(h.bot.ledger.get(job.id)?.outcome).toBe('cancelled');
    h.comfy.release();
    await h.reply(first, isFinal);
    expect(postedPrompts(h)).toEqual(['on the server']);
  });

  it('a server dying with 3 prompts on it (depth 2): those 3 run next on the other server, before the jobs waiting in the bot', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 20 }, env: { BACKEND_QUEUE_DEPTH: '2' } });
    const [gpu1, gpu2] = h.comfies as [FakeComfy, FakeComfy];
    const tokens: string[] = [];
    for (let i = 0; i < 9; i++) tokens.push(await h.generate('txt2img', { prompt: `fo ${i}`, steps: 150 }, { user: `u${i}` }));
    const onServer = (c: FakeComfy) => h!.bot.ledger.unfinished().filter((j) => j.server === c.url && ['queued', 'running'].includes(j.state));
    await waitFor(() => onServer(gpu1).length === 3 && onServer(gpu2).length === 3 && h!.bot.service.queueState().waiting.length === 3, 10_000);
    await waitFor(() => gpu1.queue.running.length === 1 && gpu1.queue.pending.length === 2);
    // In the order they were sent there: the running one, then the two pending.
    const dead = postedJobs(gpu1);
    const waiting = h.bot.service.queueState().waiting.map((j) => j.id);
    const before = postedJobs(gpu2).length;
    // The bot learns of the death only after missed health checks; a prompt ending on gpu2
    // before then would rightly let the next waiting job in. So gpu2 starts nothing new until
    // the bot has told the three users their jobs are back at the front.
    gpu2.hold();
    await gpu1.kill();
    const backAtFront = (id: string) => (m: StoredMessage) =>
      m.id === h!.bot.ledger.get(id)!.delivery.messageId && (m.content ?? '').includes('went down; your job is back at the front of the queue');
    await Promise.all(dead.map((id) => h!.discord.waitForMessage(backAtFront(id), 10_000)));
    gpu2.stepMs = 1;
    gpu2.release();
    await Promise.all(tokens.map((t) => h!.reply(t, (m) => (m.content ?? '').includes('done in'), 30_000)));
    expect(postedJobs(gpu2).slice(before)).toEqual([...dead, ...waiting]);
  }, 60_000);

  it('/admin pause: nothing is sent, waiting jobs say so, /status too, and it survives a restart; /admin resume sends them', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    expect(await admin(h, 'pause', [], PermissionFlagsBits.ViewChannel)).toContain('Manage Server permission');
    expect(await admin(h, 'pause')).toContain('The queue is paused');
    const tokens = [await h.generate('txt2img', { prompt: 'paused 1' }), await h.generate('txt2img', { prompt: 'paused 2' }, { user: 'bob' })];
    for (const t of tokens) await h.reply(t, (m) => (m.content ?? '').includes('The queue is paused: your job starts when an admin resumes it.'));
    const status = await h.discord.sendSlashCommand({ name: 'status', user: 'ana' });
    const shown = await h.discord.waitForMessage((m) => m.interactionToken === status.token && (m.embeds?.length ?? 0) > 0);
    expect(shown.embeds?.[0]?.description).toContain('Queue paused by an admin: 2 jobs wait');
    expect(postedJobs(h.comfy)).toEqual([]);

    // Stopped and started again: still paused.
    const { comfies, discord, dataDir } = h;
    await h.stopBot();
    h = await startHarness({ reuse: { comfies, discord, dataDir }, comfy: { stepMs: 1 } });
    const stopFakes = async () => {
      await discord.stop();
      await Promise.all(comfies.map((c) => c.stop()));
    };
    try {
      expect(h.bot.service.paused).toBe(true);
      expect(postedJobs(h.comfy)).toEqual([]);
      expect(await admin(h, 'resume')).toContain('The queue runs again');
      await Promise.all(tokens.map((t) => h!.reply(t, (m) => (m.content ?? '').includes('done in'))));
      expect(postedJobs(h.comfy)).toHaveLength(2);
    } finally {
      await h.stopBot();
      await stopFakes();
      h = undefined;
    }
  });

  it('/admin first puts one waiting job next', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    h.comfy.hold();
    const tokens: string[] = [];
    for (let i = 1; i <= 4; i++) tokens.push(await h.generate('txt2img', { prompt: `first ${i}` }, { user: `u${i}` }));
    const jobs = await Promise.all(tokens.map((t) => jobOf(h!, t)));
    expect(await admin(h, 'first', [{ name: 'job', type: 3, value: jobs[3]!.id }])).toContain(`Job \`${jobs[3]!.id}\` goes next`);
    expect(await admin(h, 'first', [{ name: 'job', type: 3, value: jobs[0]!.id }])).toContain('is not waiting');
    expect(await admin(h, 'first', [{ name: 'job', type: 3, value: 'nope' }])).toContain('There is no job `nope`');
    h.comfy.release();
    await Promise.all(tokens.map((t) => h!.reply(t, isFinal)));
    expect(postedPrompts(h)).toEqual(['first 1', 'first 4', 'first 2', 'first 3']);
  });
});
