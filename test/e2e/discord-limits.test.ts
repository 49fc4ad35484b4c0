// Long values typed by users (or named by the server owner) do not push the bot's requests past
// Discord's limits: real Discord answers such a request with 400, and the user would get no answer
// or "something went wrong" instead of the specific message. The fake Discord checks every request
// against Discord's OpenAPI description and fails the test at the first one that breaks it.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { jobIdOf, startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

// Discord accepts string options of up to 6,000 characters.
const LONG = 5_000;
const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;

async function command(h: Harness, name: string, option: string, value: string): Promise<StoredMessage> {
  const sent = await h.discord.sendSlashCommand({ name, options: [{ name: option, type: 3, value }], user: 'ana' });
  return h.discord.waitForMessage((m) => m.interactionToken === sent.token && m.history.length > 1 && (m.content ?? '') !== '');
}

function expectShortEcho(reply: StoredMessage, start: string, value: string, end: string): void {
  expect(reply.content.length).toBeLessThanOrEqual(2000);
  expect(reply.content).toContain(start);
  expect(reply.content).toContain(`${value.slice(0, 50)}`);
  expect(reply.content).not.toContain(value.slice(0, 200));
  expect(reply.content).toContain(end);
}

describe('replies that echo a long user value stay within Discord’s 2,000 characters, and specific', () => {
  it('/models with a long unknown folder name', async () => {
    h = await startHarness();
    const folder = 'f'.repeat(LONG);
    const reply = await command(h, 'models', 'folder', folder);
    expectShortEcho(reply, 'There is no model folder "', folder, '". Pick one from the list the option suggests.');
  });

  it('/nodes with a long unknown class', async () => {
    h = await startHarness();
    const cls = 'K'.repeat(LONG);
    const reply = await command(h, 'nodes', 'class', cls);
    expectShortEcho(reply, 'ComfyUI has no node class "', cls, '". Pick one from the list the option suggests.');
  });

  it('/cancel with a long unknown job id', async () => {
    h = await startHarness();
    const job = 'j'.repeat(LONG);
    const reply = await command(h, 'cancel', 'job', job);
    expectShortEcho(reply, 'There is no job `', job, '`. Pick one from the list the option suggests.');
  });
});

describe('a modal titled from a long workflow name', () => {
  it('Use as input with an image workflow named with the longest name allowed (32 characters)', async () => {
    // The manifest allows 32 characters (Discord's limit for a subcommand name); "<name> from
    // this image" is then 48, and a modal title holds 45.
    const name = 'redraw-a-picture-in-watercolours';
    expect(name).toHaveLength(32);
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    for (const f of ['txt2img.json', 'txt2img.manifest.json', 'img2img.json']) copyFileSync(join(REPO_ROOT, 'workflows', f), join(dir, f));
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/img2img.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, `${name}.manifest.json`), JSON.stringify({ ...manifest, name, workflow: 'img2img.json' }));
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: dir } });

    const token = await h.generate('txt2img', { prompt: 'source' });
    const first = await h.reply(token, isFinal);
    const jobId = jobIdOf(first);
    const button = await h.discord.sendButton({ customId: `use:${jobId}:0`, message: first.id, user: 'ana' });
    await h.discord.waitForRequest((r) => r.route.startsWith(`/interactions/${button.id}/`));
    const shown = h.discord.interaction(button.token)?.modal as { title: string } | undefined;
    expect(shown?.title.length).toBeLessThanOrEqual(45);
    expect(shown?.title).toBe('redraw-a-picture-in-watercol… from this image');

    const modal = await h.discord.sendModalSubmit({ customId: `usemodal:${jobId}:0`, fields: { prompt: 'now in watercolour' }, message: first.id, user: 'ana' });
    const second = await h.reply(modal.token, isFinal);
    expect(second.embeds?.[0]?.title).toBe(name);
  });
});
