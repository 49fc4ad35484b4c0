// Two shards under discord.js's ShardingManager, against the fake gateway.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { FakeDiscord, guildIdOnShard } from '../fakes/discord/index.ts';
import { BOT_TOKEN } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { spawnTs } from '../support/spawn-ts.ts';
import { parsePrometheusText } from '../support/prometheus-text.ts';

/** A port p with p + 1 free as well (for HTTP_PORT under two shards), found by listening. */
async function twoFreePorts(): Promise<number> {
  const listen = (port: number) =>
    new Promise<ReturnType<typeof createServer> | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listen(0);
    const port = (first!.address() as { port: number }).port;
    const second = port < 65_535 ? await listen(port + 1) : undefined;
    await new Promise((r) => first!.close(r));
    if (second) {
      await new Promise((r) => second.close(r));
      return port;
    }
  }
  throw new Error('no two consecutive free ports');
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('sharding', () => {
  it('runs two shards, each with its own ComfyUI client id, serving its own guilds and its own metrics port; /admin reload in one is followed by the other', async () => {
    const workflowsDir = mkdtempSync(join(tmpdir(), 'comfycord-shards-workflows-'));
    cpSync(join(REPO_ROOT, 'workflows'), workflowsDir, { recursive: true });
    const comfy = await FakeComfy.start({ stepMs: 1 });
    const discord = await FakeDiscord.start({ shards: 2, guild: { id: guildIdOnShard(0, 2) } });
    const second = discord.addGuild({ id: guildIdOnShard(1, 2), name: 'second' });
    cleanups.push(() => comfy.stop(), () => discord.stop());
    const httpPort = await twoFreePorts();
    const child = spawnTs('src/main.ts', [], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        DISCORD_TOKEN: BOT_TOKEN,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_APPLICATION_ID: discord.applicationId,
        COMFYUI_URL: comfy.url,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'comfycord-shards-')),
        SHARDS: '2',
        HTTP_PORT: String(httpPort),
        WORKFLOWS_DIR: workflowsDir,
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // The shards' JSON log lines (the manager passes its children's output through), read as they come.
    let logged = '';
    const followed = new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        logged += chunk.toString('utf8');
        if (/"msg":"workflows reloaded".*"followed":"another shard"/.test(logged)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 30_000);
    const identified = async () => {
      while (discord.identifies.length < 2) await new Promise((r) => setTimeout(r, 20));
    };
    await Promise.race([identified(), new Promise((_, reject) => setTimeout(() => reject(new Error('two shards did not identify')), 30_000))]);
    expect(discord.identifies.map((i) => (i as { shard?: number[] }).shard?.[0]).sort()).toEqual([0, 1]);

    const tokens = await Promise.all(
      [discord.guild.id, second.id].map(async (guildId, i) => {
        const sent = await discord.sendSubcommand({
          name: 'generate',
          subcommand: 'txt2img',
          options: [{ name: 'prompt', type: 3, value: `shard ${i}` }],
          user: `user${i}`,
          guildId,
          channelId: (guildId === second.id ? second : discord.guild).channels[0]!.id,
        });
        return sent.token;
      }),
    );
    for (const token of tokens) {
      const final = await discord.waitForMessage((m) => m.interactionToken === token && (m.content ?? '').includes('done in'), 30_000);
      expect(final.attachments).toHaveLength(1);
    }
    const clientIds = new Set(
      comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').map((r) => (r.json as { client_id: string }).client_id),
    );
    expect(clientIds.size).toBe(2);
    expect([...clientIds].map((id) => id.replace(/.*-/, '')).sort()).toEqual(['shard0', 'shard1']);
    // Each shard serves its own endpoints on HTTP_PORT + its id, with its own counters.
    for (const shard of [0, 1]) {
      const base = `http://127.0.0.1:${httpPort + shard}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const families = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
      const accepted = families.get('comfycord_jobs_accepted_total')!.samples;
      expect(accepted).toEqual([{ name: 'comfycord_jobs_accepted_total', labels: { workflow: 'txt2img', shard: String(shard) }, value: 1 }]);
    }

    // A workflow added and reloaded in shard 0's server is offered in shard 1's too, without a restart.
    const manifest = JSON.parse(readFileSync(join(workflowsDir, 'txt2img.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(workflowsDir, 'sketch.manifest.json'), JSON.stringify({ ...manifest, name: 'sketch', description: 'A quick sketch' }));
    const reload = await discord.sendSubcommand({
      name: 'admin',
      subcommand: 'reload',
      options: [],
      user: 'owner',
      permissions: PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ViewChannel,
      guildId: discord.guild.id,
      channelId: discord.guild.channels[0]!.id,
    });
    const answer = await discord.waitForMessage((m) => m.interactionToken === reload.token && (m.content ?? '').includes('Added'), 30_000);
    expect(answer.content).toContain('`sketch`');
    // Shard 1 follows within its next look at the ledger (seconds): its log says so.
    await followed;
    const sketch = await discord.sendSubcommand({
      name: 'generate',
      subcommand: 'sketch',
      options: [{ name: 'prompt', type: 3, value: 'a sketch on shard 1' }],
      user: 'user1',
      guildId: second.id,
      channelId: second.channels[0]!.id,
    });
    const done = await discord.waitForMessage((m) => m.interactionToken === sketch.token && (m.content ?? '').includes('done in'), 30_000);
    expect(done.attachments).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
