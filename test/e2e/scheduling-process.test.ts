// The bot's queue across processes: a bot killed with jobs waiting in its queue,
// and two shards sharing one queue. The bot runs as child processes (as npm start
// does), observed through the fakes and the ledger file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/jobs/ledger.ts';
import { SqliteQueueStore } from '../../src/jobs/queue-store.ts';
import { fairOrder } from '../../src/jobs/schedule.ts';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { FakeDiscord, guildIdOnShard } from '../fakes/discord/index.ts';
import { BOT_TOKEN } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { spawnTs } from '../support/spawn-ts.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Job ids in the order their prompts reached `comfy`. */
function postedJobs(comfy: FakeComfy): string[] {
  return comfy.requests
    .filter((r) => r.method === 'POST' && r.path === '/prompt')
    .map((r) => (r.json as { extra_data: { bot: { job: string } } }).extra_data.bot.job);
}

function startBot(env: Record<string, string>) {
  let output = '';
  const child = spawnTs('src/main.ts', [], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    return exited;
  });
  return { child, exited, output: () => output };
}

/** Checks every 20 ms (both shard processes need the two cores; a busy loop would starve them). */
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const isQueued = (m: { content?: string | null }) => (m.content ?? '').includes('Queued');
const isDone = (m: { content?: string | null }) => (m.content ?? '').includes('done in');

describe("the bot's queue across processes", () => {
  it('the bot killed (SIGKILL) with 10 jobs waiting in its queue: after the restart they run in the same order, each once', async () => {
    const comfy = await FakeComfy.start({ stepMs: 2 });
    const discord = await FakeDiscord.start();
    cleanups.push(() => comfy.stop(), () => discord.stop());
    const dataDir = mkdtempSync(join(tmpdir(), 'comfycord-queue-kill-'));
    const env = {
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guild.id,
      COMFYUI_URL: comfy.url,
      DATA_DIR: dataDir,
      USER_MAX_CONCURRENT: '100',
      USER_JOBS_PER_MINUTE: '1000',
    };
    const first = startBot(env);
    await discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 20_000);
    comfy.hold();
    // Six of ann's, four of bob's, one of cy's: fair share interleaves them, so the order is not the order sent.
    const users = ['ann', 'ann', 'ann', 'ann', 'ann', 'ann', 'bob', 'bob', 'bob', 'bob', 'cy'];
    const tokens: string[] = [];
    for (const [i, user] of users.entries()) {
      const sent = await discord.sendSubcommand({
        name: 'generate',
        subcommand: 'txt2img',
        options: [{ name: 'prompt', type: 3, value: `kill ${i} ${user}` }],
        user,
      });
      tokens.push(sent.token);
    }
    await Promise.all(tokens.map((t) => discord.waitForMessage((m) => m.interactionToken === t && isQueued(m), 20_000)));
    // One prompt is on the (held) server; ten wait in the bot. The order the ledger says, read as /queue does:
    const expected = (() => {
      const ledger = new Ledger(join(dataDir, 'jobs.sqlite'));
      try {
        const view = new SqliteQueueStore(ledger).view();
        return fairOrder(view.waiting, view.onServers).map((j) => j.id);
      } finally {
        ledger.close();
      }
    })();
    expect(expected).toHaveLength(10);
    const before = postedJobs(comfy);
    expect(before).toHaveLength(1);
    first.child.kill('SIGKILL');
    await first.exited;

    // Started again, allowed to hold every waiting job at once: it posts them all in one go, in its order.
    const second = startBot({ ...env, BACKEND_QUEUE_DEPTH: '20' });
    await comfy.waitForRequest(() => postedJobs(comfy).length === 11, 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\nbot output:\n${second.output().slice(-4000)}`);
    });
    expect(postedJobs(comfy)).toEqual([...before, ...expected]);
    comfy.release();
    await Promise.all(tokens.map((t) => discord.waitForMessage((m) => m.interactionToken === t && isDone(m), 30_000)));
    // Each once: no prompt posted again, no result posted twice.
    expect(postedJobs(comfy)).toHaveLength(11);
    for (const t of tokens) {
      expect(discord.originalMessage(t)!.history.filter((v) => (v.content ?? '').includes('done in'))).toHaveLength(1);
    }
  }, 90_000);

  it('two shards share one queue: their jobs interleave fairly and each prompt is posted once', async () => {
    const comfy = await FakeComfy.start({ stepMs: 2 });
    const discord = await FakeDiscord.start({ shards: 2, guild: { id: guildIdOnShard(0, 2) } });
    const other = discord.addGuild({ id: guildIdOnShard(1, 2), name: 'second' });
    cleanups.push(() => comfy.stop(), () => discord.stop());
    const bot = startBot({
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_APPLICATION_ID: discord.applicationId,
      COMFYUI_URL: comfy.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'comfycord-queue-shards-')),
      SHARDS: '2',
      USER_MAX_CONCURRENT: '100',
      USER_JOBS_PER_MINUTE: '1000',
    });
    await discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 30_000);
    await until(() => discord.identifies.length >= 2, 30_000);
    comfy.hold();
    // Four jobs from a user on shard 0, then four from a user on shard 1.
    const tokens: string[] = [];
    for (const [guild, user] of [
      [discord.guild, 'zero'],
      [other, 'one'],
    ] as const) {
      for (let i = 0; i < 4; i++) {
        const sent = await discord.sendSubcommand({
          name: 'generate',
          subcommand: 'txt2img',
          options: [{ name: 'prompt', type: 3, value: `${user} ${i}` }],
          user,
          guildId: guild.id,
          channelId: guild.channels[0]!.id,
        });
        tokens.push(sent.token);
      }
    }
    await Promise.all(tokens.map((t) => discord.waitForMessage((m) => m.interactionToken === t && isQueued(m), 30_000)));
    // "Queued" is shown while a job waits in the bot too: the first post may come after all eight say it.
    // The held server runs nothing, so once it holds one prompt it has no room for a second.
    await comfy.waitForRequest((r) => r.method === 'POST' && r.path === '/prompt', 30_000);
    expect(postedJobs(comfy)).toHaveLength(1);
    comfy.release();
    await Promise.all(tokens.map((t) => discord.waitForMessage((m) => m.interactionToken === t && isDone(m), 30_000))).catch((err: unknown) => {
      throw new Error(`${String(err)}\nbot output:\n${bot.output().slice(-4000)}`);
    });
    const posts = comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').map((r) => r.json as { prompt_id: string; client_id: string });
    expect(posts).toHaveLength(8);
    expect(new Set(posts.map((p) => p.prompt_id)).size).toBe(8);
    // Whoever posted them, each went out under its own shard's client id (so that shard hears its events).
    const whose = posts.map((p) => p.client_id.replace(/.*-shard/, 'shard'));
    expect(whose).toEqual(['shard0', 'shard1', 'shard0', 'shard1', 'shard0', 'shard1', 'shard0', 'shard1']);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 90_000);
});
