// Black box: `npm start`'s entry point as a child process, observed only through the fakes.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { FakeDiscord } from '../fakes/discord/index.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { spawnTs } from '../support/spawn-ts.ts';
import { startScript } from '../support/start-script.ts';
import { BOT_TOKEN } from '../support/bot-harness.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * What `npm start` runs after its build (package.json's start script, without npm in
 * between so the signal reaches the bot), or the sources under tsx.
 */
function run(env: Record<string, string>, how: 'npm start' | 'tsx' = 'tsx'): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const options: SpawnOptions = {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  const child = how === 'npm start' ? spawn(process.execPath, startScriptArgs(), options) : spawnTs('src/main.ts', [], options);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => out, exit };
}

function startScriptArgs(): string[] {
  const { command, args } = startScript();
  expect(command).toBe('node');
  return args;
}

describe('the bot process', () => {
  it('npm start builds the bot, starts it from environment variables, serves /generate, and exits 0 on SIGTERM', async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'ignore' }); // npm start's prestart
    const comfy = await FakeComfy.start({ stepMs: 1 });
    const discord = await FakeDiscord.start();
    cleanups.push(() => comfy.stop(), () => discord.stop());
    const bot = run({
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guild.id,
      COMFYUI_URL: comfy.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'comfycord-proc-')),
      ATTACHMENT_HOSTS: new URL(discord.cdnBase).host,
    }, 'npm start');
    const registered = await discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 20_000);
    const names = (registered.json as Array<{ name: string }>).map((c) => c.name).sort();
    expect(names).toEqual(['cancel', 'generate', 'history', 'models', 'nodes', 'queue', 'status']);
    const { token } = await discord.sendSubcommand({
      name: 'generate',
      subcommand: 'txt2img',
      options: [{ name: 'prompt', type: 3, value: 'from a child process' }],
      user: 'ana',
    });
    const final = await discord.waitForMessage((m) => m.interactionToken === token && (m.content?.includes('done in') ?? false), 20_000);
    expect(final.attachments).toHaveLength(1);
    const started = Date.now();
    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(bot.output()).not.toContain(BOT_TOKEN);
  });

  it('npm run register registers the commands in the guild and exits', async () => {
    const discord = await FakeDiscord.start();
    cleanups.push(() => discord.stop());
    const child = spawnTs('src/register.ts', [], {
      env: {
        PATH: process.env['PATH'] ?? '',
        DISCORD_TOKEN: BOT_TOKEN,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_GUILD_ID: discord.guild.id,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain(`Registered 7 commands in guild ${discord.guild.id}`);
    const put = discord.requests.find((r) => r.method === 'PUT');
    expect(put?.route).toBe(`/applications/${discord.applicationId}/guilds/${discord.guild.id}/commands`);
  });

  it('refuses to start with one message naming every bad setting, exit code 1', async () => {
    const bot = run({ COMFYUI_URL: 'not a url', EDIT_INTERVAL_MS: 'fast' });
    expect(await bot.exit).toBe(1);
    expect(bot.output()).toMatch(/DISCORD_TOKEN is missing/);
    expect(bot.output()).toMatch(/COMFYUI_URL/);
    expect(bot.output()).toMatch(/EDIT_INTERVAL_MS/);
  });
});
