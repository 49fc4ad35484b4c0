// Chaos, bounded in time: sockets that keep dropping, servers that restart or
// die, a bot killed mid-flight. Every job still ends with one message.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { FakeDiscord, type StoredMessage } from '../fakes/discord/index.ts';
import { BOT_TOKEN, startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { spawnTs } from '../support/spawn-ts.ts';
import { waitFor } from '../support/wait.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function harness(options: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const h = await startHarness(options);
  cleanups.push(() => h.stop());
  return h;
}

const finalVersions = (m: StoredMessage) => m.history.filter((v) => (v.content ?? '').includes('done in')).length;

describe('chaos', () => {
  it('100 jobs while ComfyUI drops the socket every 300 ms: 100 results, none twice', async () => {
    const h = await harness({ comfy: { stepMs: 2 } });
    h.comfy.dropSocketsEvery(300);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => h.generate('txt2img', { prompt: `chaos ${i}`, seed: i, steps: 3 }, { user: `user${i % 10}` })),
    );
    const finals = await Promise.all(tokens.map((t) => h.reply(t, (m) => m.content?.includes('done in') ?? false, 60_000)));
    h.comfy.dropSocketsEvery(null);
    expect(finals).toHaveLength(100);
    for (const m of finals) {
      expect(m.attachments).toHaveLength(1);
      expect(finalVersions(m)).toBe(1);
    }
    // No job posted its result anywhere else a second time.
    const channelPosts = [...h.discord.messages.values()].filter((m) => !m.interactionToken && (m.content ?? '').includes('done in'));
    expect(channelPosts).toEqual([]);
    await waitFor(() => h.bot.ledger.unfinished().length === 0);
    expect(h.discord.count429).toBe(0);
  }, 90_000);

  it('ComfyUI restarts mid-job: every affected user is told within 30 s and offered a retry', async () => {
    // Sent at once (depth 0): all three prompts are on the server when it restarts.
    const h = await harness({ comfy: { stepMs: 30 }, env: { BACKEND_QUEUE_DEPTH: '0' } });
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((u, i) => h.generate('txt2img', { prompt: `restart ${u}`, seed: i, steps: 100 }, { user: u })),
    );
    await Promise.all(tokens.map((t) => h.reply(t, (m) => /Queued|Running/.test(m.content ?? ''))));
    // "Queued" is also what a job still in the bot (or its post still under way) shows: restart
    // only once ComfyUI holds all three, so each of them is lost, not merely sent later.
    await waitFor(() => h.comfy.queue.running.length === 1 && h.comfy.queue.pending.length === 2, 10_000);
    const restartedAt = Date.now();
    await h.comfy.restart();
    const told = await Promise.all(tokens.map((t) => h.reply(t, (m) => m.content?.includes('lost') ?? false, 30_000)));
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    for (const m of told) expect(JSON.stringify(m.components)).toContain('retry:');
    const jobId = /retry:(\w+)/.exec(JSON.stringify(told[0]!.components))![1]!;
    const retry = await h.discord.sendButton({ customId: `retry:${jobId}`, message: told[0]!.id, user: 'a' });
    h.comfy.stepMs = 1;
    const again = await h.reply(retry.token, (m) => m.content?.includes('done in') ?? false);
    expect(again.embeds?.[0]?.fields?.find((f) => f.name === 'Seed')?.value).toBe('0');
  }, 60_000);

  it('two servers, one killed mid-run: its jobs finish on the other and their users are told', async () => {
    const h = await harness({ servers: 2, comfy: { stepMs: 20 } });
    const [gpu1, gpu2] = h.comfies as [FakeComfy, FakeComfy];
    const tokens = await Promise.all(
      Array.from({ length: 6 }, (_, i) => h.generate('txt2img', { prompt: `failover ${i}`, seed: i, steps: 40 }, { user: `u${i}` })),
    );
    await Promise.all(tokens.map((t) => h.reply(t, (m) => /Queued|Running/.test(m.content ?? ''))));
    const onGpu1 = h.bot.ledger.unfinished().filter((j) => j.server === gpu1.url);
    expect(onGpu1.length).toBeGreaterThan(0);
    await gpu1.kill();
    const finals = await Promise.all(tokens.map((t) => h.reply(t, (m) => m.content?.includes('done in') ?? false, 30_000)));
    expect(finals).toHaveLength(6);
    for (const job of onGpu1) {
      const row = h.bot.ledger.get(job.id)!;
      expect(row.server).toBe(gpu2.url);
      expect(row.outcome).toBe('success');
      const message = [...h.discord.messages.values()].find((m) => m.id === row.delivery.messageId)!;
      expect(message.history.some((v) => (v.content ?? '').includes('went down'))).toBe(true);
    }
    // The moved jobs' inputs and prompts went to the surviving server.
    expect(gpu2.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').length).toBeGreaterThanOrEqual(onGpu1.length);
  }, 60_000);

  it('a job that outlives the interaction token moves to a channel message before the token expires', async () => {
    // The move is scheduled this long before expiry; here that is 400 ms after the command.
    const h = await harness({ comfy: { stepMs: 40 }, bot: { tokenMarginMs: 15 * 60_000 - 400 } });
    const token = await h.generate('txt2img', { prompt: 'a long one', steps: 30 });
    const pointer = await h.reply(token, (m) => m.content?.includes('continues in a new message') ?? false);
    const channelMessageId = /\/(\d+)$/.exec(pointer.content ?? '')![1]!;
    h.discord.expireInteraction(token);
    const final = await h.discord.waitForMessage((m) => m.id === channelMessageId && (m.content?.includes('done in') ?? false), 20_000);
    expect(final.attachments).toHaveLength(1);
    expect(final.interactionToken).toBeUndefined();
  }, 30_000);

  it('the bot process killed with 20 jobs in flight delivers all 20, once, after it starts again', async () => {
    const comfy = await FakeComfy.start({ stepMs: 5 });
    const discord = await FakeDiscord.start();
    cleanups.push(() => comfy.stop(), () => discord.stop());
    const env = {
      PATH: process.env['PATH'] ?? '',
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guild.id,
      COMFYUI_URL: comfy.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'comfycord-kill-')),
      USER_MAX_CONCURRENT: '100',
      USER_JOBS_PER_MINUTE: '1000',
      // All 20 posted at once, so all are on ComfyUI when the bot dies (waiting in the bot's queue: scheduling.test.ts).
      BACKEND_QUEUE_DEPTH: '0',
    };
    let output = '';
    const start = () => {
      const child = spawnTs('src/main.ts', [], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      cleanups.push(() => {
        child.kill('SIGKILL');
        return exited;
      });
      return { child, exited };
    };
    const first = start();
    await discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 20_000);
    comfy.hold();
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = await discord.sendSubcommand({
        name: 'generate',
        subcommand: 'txt2img',
        options: [
          { name: 'prompt', type: 3, value: `killed ${i}` },
          { name: 'seed', type: 4, value: i },
        ],
        user: `u${i}`,
      });
      tokens.push(sent.token);
    }
    await comfy.waitForRequest((r) => r.path === '/prompt' && r.method === 'POST' && String(JSON.stringify(r.json)).includes('killed 19'), 20_000);
    await Promise.all(tokens.map((t) => discord.waitForMessage((m) => m.interactionToken === t && (m.content ?? '').includes('Queued'), 20_000)));
    first.child.kill('SIGKILL');
    await first.exited;
    // Half finish while the bot is down; the rest after it is back.
    comfy.release();
    await comfy.waitForHistory(
      ((await comfy.waitForRequest((r) => r.path === '/prompt' && r.method === 'POST' && String(JSON.stringify(r.json)).includes('killed 9'))).json as { prompt_id: string }).prompt_id,
      20_000,
    );
    start();
    const finals = await Promise.all(
      tokens.map((t) => discord.waitForMessage((m) => m.interactionToken === t && (m.content ?? '').includes('done in'), 40_000)),
    ).catch((err: unknown) => {
      const missing = tokens.filter((t) => !(discord.originalMessage(t)?.content ?? '').includes('done in'));
      const states = missing.map((t) => discord.originalMessage(t)?.content?.slice(0, 60));
      const important = output.split('\n').filter((l) => !l.includes('"debug"') && !l.includes('result delivered') && !l.includes('job finished'));
      throw new Error(`${String(err)}\nmissing ${missing.length}: ${JSON.stringify(states)}\nbot output:\n${important.join('\n').slice(-6000)}`);
    });
    for (const m of finals) {
      expect(m.attachments).toHaveLength(1);
      expect(finalVersions(m)).toBe(1);
    }
  }, 90_000);
});
