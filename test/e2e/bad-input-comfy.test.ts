// Bad input table (R6), ComfyUI misbehaving around an accepted job: its socket
// refused, a restart mid-job, output nodes that give no images, outputs too
// large for Discord. Every accepted job ends with a specific message, in its
// user's language: every row runs for an English and a Chinese user.
import { Locale } from 'discord.js';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** What the rows look for, in each language. */
const WORDS = {
  [Locale.EnglishUS]: {
    done: 'done in',
    running: /step \d+\//,
    seed: 'Seed',
    lost: (user: string) => `<@${user}> your job was lost`,
    restarted: 'restarted',
    pressRetry: 'Press **Retry**',
    failed: (user: string) => `❌ <@${user}> the job failed in SaveImage (#9): [Errno 28] No space left on device`,
    noOutputs: ['ℹ️ The workflow finished but produced no outputs (its output nodes saved no file and showed no text).', 'Save node'],
    tooLarge: (file: string) =>
      `ℹ️ \`${file}\` is too large for Discord's 10 MB upload limit even as a low-quality JPEG; it is in the output folder of the ComfyUI server.`,
  },
  [Locale.ChineseCN]: {
    done: '已完成，用时',
    running: /第 \d+\/\d+ 步/,
    seed: '种子',
    lost: (user: string) => `<@${user}> 你的任务丢失了`,
    restarted: '服务器可能重启过',
    pressRetry: '按 **重试**',
    failed: (user: string) => `❌ <@${user}> 任务在 SaveImage（#9）处失败：[Errno 28] No space left on device`,
    noOutputs: ['ℹ️ 工作流已运行完毕，但没有产生任何输出（它的输出节点既没有保存文件，也没有显示文本）。', '保存节点'],
    tooLarge: (file: string) => `ℹ️ \`${file}\` 即使压缩成低画质 JPEG 也超过了 Discord 的 10 MB 上传上限；文件保存在 ComfyUI 服务器的 output 文件夹中。`,
  },
};
const LOCALES = [Locale.EnglishUS, Locale.ChineseCN] as const;
// Bob, who shows the bot still serves others, writes in English.
const isBobsFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const promptIdsSubmitted = (h: Harness) =>
  h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').map((r) => (r.json as { prompt_id: string }).prompt_id);
const buttonIds = (m: StoredMessage): string[] =>
  (m.components ?? [])
    .flatMap((row) => ('components' in row ? (row.components as unknown[]) : []))
    .map((c) => (c as { custom_id?: string }).custom_id ?? '');

describe.each(LOCALES)('ComfyUI misbehaving while jobs run (%s)', (locale) => {
  const w = WORDS[locale];
  const isFinal = (m: StoredMessage) => m.content?.includes(w.done) ?? false;
  const isRunning = (m: StoredMessage) => w.running.test(m.content ?? '');

  it('its socket refused (403) for a while: the jobs finish meanwhile and each result is delivered, read from /history', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    h.comfy.refuseSockets(403);
    h.comfy.dropSockets();
    const tokens = await Promise.all(
      ['ana', 'bob'].map((user) => h!.generate('txt2img', { prompt: `${user} while the socket is refused`, steps: 3 }, { user })),
    );
    // Both run to the end on ComfyUI while the bot hears nothing from it…
    await h.comfy.waitForRequest(() => promptIdsSubmitted(h!).length === 2);
    await Promise.all(promptIdsSubmitted(h).map((id) => h!.comfy.waitForHistory(id)));
    await h.comfy.waitForRequest((r) => r.route === '/ws' && r.status === 403);
    // …and the bot reads their results from /history: once ComfyUI lets the socket in again,
    // or sooner, when its queue check finds fewer of our prompts on the server than it sent.
    h.comfy.refuseSockets(null);
    const finals = await Promise.all(tokens.map((t) => h!.reply(t, isFinal, 10_000)));
    for (const f of finals) expect(f.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.png$/)]);
    expect(h.comfy.requests.some((r) => r.route.startsWith('/history/'))).toBe(true);
  });

  it('a restart mid-job: the user is told the job was lost, with a Retry button that runs it again', async () => {
    h = await startHarness({ comfy: { stepMs: 15 }, locale });
    const token = await h.generate('txt2img', { prompt: 'lost in a restart', steps: 40, seed: 4242 });
    const running = await h.reply(token, isRunning);
    const job = h.bot.ledger.byMessageId(running.id)!;
    await h.comfy.restart();
    const ana = h.discord.user('ana').id;
    const lost = await h.reply(token, (m) => m.content?.includes(w.lost(ana)) ?? false, 30_000);
    expect(lost.content).toContain(w.restarted);
    expect(lost.content).toContain(w.pressRetry);
    expect(buttonIds(lost)).toEqual([`retry:${job.id}`]);
    expect(h.bot.ledger.get(job.id)?.outcome).toBe('lost');

    h.comfy.stepMs = 1;
    const retry = await h.discord.sendButton({ customId: `retry:${job.id}`, message: lost.id, user: 'ana', locale });
    const again = await h.reply(retry.token, isFinal);
    // The same settings, seed included.
    expect(again.embeds?.[0]?.fields?.find((f) => f.name === w.seed)?.value).toBe('4242');
    expect(promptIdsSubmitted(h)).toHaveLength(2);
  });

  it('a node failing at run time (here SaveImage): names the node and the error, with Try again', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    h.comfy.failNode('SaveImage', { exception_type: 'OSError', exception_message: '[Errno 28] No space left on device' }, 1);
    const token = await h.generate('txt2img', { prompt: 'no room', steps: 2 });
    const failed = await h.reply(token, (m) => m.content?.startsWith('❌') ?? false);
    // ComfyUI's own exception text, untranslated, inside the user's language.
    expect(failed.content).toBe(w.failed(h.discord.user('ana').id));
    expect(buttonIds(failed)[0]).toMatch(/^retry:/);
    const again = await h.generate('txt2img', { prompt: 'room again', steps: 2 }, { user: 'bob', locale: Locale.EnglishUS });
    await h.reply(again, isBobsFinal);
  });
});

describe.each(LOCALES)('outputs that cannot be posted (%s)', (locale) => {
  const w = WORDS[locale];
  const isFinal = (m: StoredMessage) => m.content?.includes(w.done) ?? false;
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /**
   * The shipped txt2img plus "latent": the same graph ending in SaveLatent (a file, no image),
   * and "nothing": an output node (Preview3D) whose output holds no file and no text.
   */
  function workflowsWithLatentOnly(): string {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-latent-'));
    dirs.push(dir);
    for (const f of ['txt2img.json', 'txt2img.manifest.json']) copyFileSync(join(REPO_ROOT, 'workflows', f), join(dir, f));
    const graph = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows', 'txt2img.json'), 'utf8')) as Record<string, unknown>;
    delete graph['8'];
    graph['9'] = { inputs: { filename_prefix: 'latents/discord', samples: ['3', 0] }, class_type: 'SaveLatent', _meta: { title: 'Save Latent' } };
    writeFileSync(join(dir, 'latent.json'), JSON.stringify(graph));
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows', 'txt2img.manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'latent.manifest.json'), JSON.stringify({ ...manifest, name: 'latent', workflow: 'latent.json', outputs: [] }));
    const nothing = { ...graph, '9': { inputs: { model_file: '' }, class_type: 'Preview3D', _meta: { title: 'Preview 3D' } } };
    writeFileSync(join(dir, 'nothing.json'), JSON.stringify(nothing));
    writeFileSync(join(dir, 'nothing.manifest.json'), JSON.stringify({ ...manifest, name: 'nothing', workflow: 'nothing.json', outputs: [] }));
    return dir;
  }

  it('a workflow whose output nodes produce nothing: finishes with a message saying so and what to check', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { WORKFLOWS_DIR: workflowsWithLatentOnly() }, locale });
    const token = await h.generate('nothing', { prompt: 'nothing at all', steps: 2 });
    const final = await h.reply(token, isFinal);
    for (const said of w.noOutputs) expect(final.content).toContain(said);
    expect(final.attachments).toEqual([]);
    // The job's own buttons; no picture, so no per-image ones.
    expect(buttonIds(final)).toEqual([expect.stringMatching(/^reroll:/), expect.stringMatching(/^edit:/), expect.stringMatching(/^del:/)]);
  });

  it('a workflow that saves only a latent posts the .latent as a file, with no note', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { WORKFLOWS_DIR: workflowsWithLatentOnly() }, locale });
    const final = await h.reply(await h.generate('latent', { prompt: 'only a latent', steps: 2 }), isFinal);
    expect(final.attachments.map((a) => [a.filename, a.content_type])).toEqual([['discord_00001_.latent', 'application/octet-stream']]);
    expect(final.content).not.toContain('ℹ️');
  });

  it('an image too large for the upload limit even as low-quality JPEG: says so, names the file and where it is', async () => {
    h = await startHarness({ comfy: { stepMs: 1, previews: false }, locale });
    // 150 MB: the fake's JPEG re-encode is size × quality / 400, so even quality 30 is over 10 MB.
    h.comfy.outputPadBytes = 150 * 1024 * 1024;
    const token = await h.generate('txt2img', { prompt: 'far too big', steps: 1 });
    const final = await h.reply(token, isFinal, 25_000);
    const job = h.bot.ledger.byMessageId(final.id)!;
    const image = job.result?.kind === 'success' ? job.result.outputs.find((o) => o.kind === 'image') : undefined;
    expect(final.content).toContain(w.tooLarge(image && 'filename' in image ? image.filename : '?'));
    expect(final.content).not.toContain(w.noOutputs[0]);
    expect(final.attachments).toEqual([]);
    // Every quality was tried before giving up.
    expect(h.comfy.requests.filter((r) => r.path === '/view' && r.query['preview']).map((r) => r.query['preview'])).toEqual(
      ['jpeg;90', 'jpeg;75', 'jpeg;60', 'jpeg;45', 'jpeg;30'],
    );
  });
});
