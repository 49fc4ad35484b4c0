// Black box: `npm start`'s entry point as a child process, observed only through the fakes.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { parse } from 'dotenv';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { FakeDiscord } from '../fakes/discord/index.ts';
import { freshCopy, npmEnv } from '../support/fresh-copy.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { spawnTs } from '../support/spawn-ts.ts';
import { startScript } from '../support/start-script.ts';
import { BOT_TOKEN } from '../support/bot-harness.ts';

/** Every slash command the bot registers: what a member sees in Discord's command list. */
const COMMANDS = ['admin', 'cancel', 'generate', 'history', 'models', 'nodes', 'queue', 'settings', 'show', 'status'];
const namesOf = (json: unknown) => (json as Array<{ name: string }>).map((c) => c.name).sort();

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * The bot as a child process: `npm start` itself (npm, its prestart build, then the start
 * script; in a process group of its own, so a signal reaches npm and the bot alike), what
 * `npm start` runs after its build (package.json's start script without npm in between, so
 * the signal reaches the bot), or the sources under tsx.
 */
function run(
  env: Record<string, string>,
  how: 'npm start' | 'start script' | 'tsx' = 'tsx',
  cwd = REPO_ROOT,
): { child: ChildProcess; output: () => string; exit: Promise<number | null>; kill: (signal: NodeJS.Signals) => void } {
  const options: SpawnOptions = {
    cwd,
    env: { ...npmEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: how === 'npm start',
  };
  const child =
    how === 'npm start'
      ? spawn('npm', ['start'], options)
      : how === 'start script'
        ? spawn(process.execPath, startScriptArgs(), options)
        : spawnTs('src/main.ts', [], options);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals) => {
    if (how === 'npm start' && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  };
  cleanups.push(() => {
    try {
      kill('SIGKILL'); // npm start's group may outlive npm itself
    } catch {
      // already gone
    }
  });
  return { child, output: () => out, exit, kill };
}

/** `.env.example` with these keys' values filled in, each on its own line as a person would write it. */
function fillIn(example: string, values: Record<string, string>): string {
  let env = example;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}=.*$`, 'm');
    expect(env, `.env.example has a line for ${key}`).toMatch(line);
    env = env.replace(line, `${key}=${value}`);
  }
  return env;
}

function startScriptArgs(): string[] {
  const { command, args } = startScript();
  expect(command).toBe('node');
  return args;
}

describe('the bot process', () => {
  it('npm start builds the bot, starts it from environment variables, serves /generate, and exits 0 on SIGTERM', async () => {
    execFileSync('npm', ['run', 'prestart', '--silent'], { cwd: REPO_ROOT, env: npmEnv(), stdio: 'ignore' }); // what npm start runs first
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
      SHARDS: '', // empty is "not set", for discord.js (which reads SHARDS too) as for the bot
    }, 'start script');
    const registered = await discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 20_000);
    expect(namesOf(registered.json)).toEqual(COMMANDS);
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
    // Well inside a service manager's stop timeout (systemd waits 90 s), even on a loaded machine.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(bot.output()).not.toContain(BOT_TOKEN);
  }, 90_000); // the build takes most of it

  it('a newcomer who follows the README (a fresh clone, .env.example copied to .env, DISCORD_TOKEN filled in, npm start) gets a bot that connects', async () => {
    const copy = freshCopy('comfycord-newcomer-');
    cleanups.push(() => copy.remove());
    const comfy = await FakeComfy.start({ stepMs: 1 });
    const discord = await FakeDiscord.start();
    cleanups.push(() => comfy.stop(), () => discord.stop());
    // `npm ci` is the node_modules the copy links to; `cp .env.example .env`; then the token and
    // COMFYUI_URL, as README says, and the one thing a test adds: where Discord is.
    const env = fillIn(readFileSync(join(copy.dir, '.env.example'), 'utf8'), {
      DISCORD_TOKEN: BOT_TOKEN,
      COMFYUI_URL: comfy.url,
      DISCORD_API_URL: discord.apiUrl,
    });
    writeFileSync(join(copy.dir, '.env'), env);
    const empty = Object.entries(parse(env)).flatMap(([key, value]) => (value === '' ? [key] : []));
    expect(empty).toEqual(expect.arrayContaining(['DISCORD_APPLICATION_ID', 'DISCORD_GUILD_ID', 'COMFYUI_HEADERS', 'ALLOWED_GUILDS']));

    const bot = run({}, 'npm start', copy.dir); // nothing from the test's environment but PATH and HOME
    const registered = await discord
      .waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'), 90_000)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\nnpm start printed:\n${bot.output()}`);
      });
    // Every empty key was taken for "not set": the application id came from Discord, and
    // without DISCORD_GUILD_ID the commands are registered globally.
    expect(registered.route).toBe(`/applications/${discord.applicationId}/commands`);
    expect(namesOf(registered.json)).toEqual(COMMANDS);
    expect(discord.identifies.map((i) => i.token)).toEqual([BOT_TOKEN]);
    bot.kill('SIGTERM');
    await bot.exit;
    expect(bot.output()).not.toContain('cannot start');
    expect(bot.output()).not.toContain(BOT_TOKEN);
  }, 120_000);

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
        SHARDS: '', // not set; discord.js reads SHARDS too
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain(`Registered ${COMMANDS.length} commands in guild ${discord.guild.id}`);
    const put = discord.requests.find((r) => r.method === 'PUT');
    expect(namesOf(put?.json)).toEqual(COMMANDS);
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
