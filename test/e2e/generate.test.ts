// A job's life in Discord, end to end: real discord.js, fake Discord, fake ComfyUI.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePng } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, BOT_TOKEN, type Harness } from '../support/bot-harness.ts';
import { REPO_ROOT } from '../support/recordings.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const attachmentNames = (m: StoredMessage) => (m.attachments ?? []).map((a) => a.filename);

describe('/generate', () => {
  it('txt2img: defers, shows progress and a preview in the same reply, then posts the PNG with its seed', async () => {
    h = await startHarness({ comfy: { stepMs: 120 } });
    const token = await h.generate('txt2img', { prompt: 'a lighthouse at dusk', steps: 12, seed: 1234 });
    const final = await h.reply(token, isFinal);
    const callback = h.discord.requests.find((r) => r.route?.startsWith('/interactions/') && r.route.endsWith('/callback'));
    expect(callback?.json).toMatchObject({ type: 5 });
    const versions = final.history.map((v) => v.content ?? '');
    const progress = new Set(versions.filter((c) => /step \d+\/12/.test(c)));
    expect(progress.size).toBeGreaterThanOrEqual(2);
    expect(final.history.some((v) => (v.attachments ?? []).some((a) => a.filename.startsWith('preview.')))).toBe(true);
    expect(attachmentNames(final)).toHaveLength(1);
    const png = final.attachments[0]!;
    expect(png.filename).toMatch(/\.png$/);
    // Byte for byte what ComfyUI saved (it goes through a file on disk on the way), and that file is gone after.
    expect((png as { bytes?: Buffer }).bytes?.equals(h.comfy.readFile(png.filename)!)).toBe(true);
    await waitFor(() => readdirSync(join(h!.dataDir, 'outgoing', 'shard-0')).length === 0);
    const fields = final.embeds?.[0]?.fields ?? [];
    expect(fields.find((f) => f.name === 'Seed')?.value).toBe('1234');
    expect(fields.find((f) => f.name === 'Steps')?.value).toBe('12');
    expect(h.discord.count429).toBe(0);
  });

  it('shows the queue position while waiting, and keeps it current as the queue moves', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    h.comfy.hold();
    const first = await h.generate('txt2img', { prompt: 'first' });
    const firstMessage = await h.reply(first, (m) => m.content?.includes('Queued — position 1') ?? false);
    const second = await h.generate('txt2img', { prompt: 'second' }, { user: 'bob' });
    await h.reply(second, (m) => m.content?.includes('Queued — position 2 of 2') ?? false);
    await h.discord.sendButton({ customId: `cancel:${h.bot.ledger.byMessageId(firstMessage.id)!.id}`, message: firstMessage.id, user: 'ana' });
    await h.reply(second, (m) => m.content?.includes('Queued — position 1 of 1') ?? false);
    h.comfy.release();
    await h.reply(second, isFinal);
  });

  it('img2img: downloads the attachment from the CDN, uploads it, and the LoadImage names the upload', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    const image = h.discord.addAttachment({ filename: 'cat.png', contentType: 'image/png', bytes: makePng(64, 64, [200, 10, 10]) });
    const token = await h.generate('img2img', { prompt: 'a painted cat', denoise: 0.6 }, { attachments: { image } });
    await h.reply(token, isFinal);
    expect(h.discord.downloads.some((d) => d.path.includes('cat.png'))).toBe(true);
    const upload = h.comfy.requests.find((r) => r.path === '/upload/image');
    expect(upload?.form?.files['image']?.bytes.equals(makePng(64, 64, [200, 10, 10]))).toBe(true);
    expect(upload?.form?.fields['subfolder']).toBe('discord');
    const answer = `discord/${upload?.form?.files['image']?.name}`;
    const submit = h.comfy.requests.find((r) => r.path === '/prompt' && r.method === 'POST');
    const prompt = (submit?.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
    const loadImage = Object.values(prompt).find((n) => n.class_type === 'LoadImage');
    expect(loadImage?.inputs['image']).toBe(answer);
  });

  it('inpaint: the mask goes to /upload/mask with original_ref naming the uploaded image as an input', async () => {
    h = await startHarness({ comfy: { stepMs: 1 } });
    const image = h.discord.addAttachment({ filename: 'room.png', contentType: 'image/png', bytes: makePng(64, 64, [1, 2, 3]) });
    const mask = h.discord.addAttachment({ filename: 'room-mask.png', contentType: 'image/png', bytes: makePng(64, 64, [0, 0, 0]) });
    const token = await h.generate('inpaint', { prompt: 'a red sofa' }, { attachments: { image, mask } });
    await h.reply(token, isFinal);
    const imageUpload = h.comfy.requests.find((r) => r.path === '/upload/image');
    const maskUpload = h.comfy.requests.find((r) => r.path === '/upload/mask');
    expect(JSON.parse(maskUpload?.form?.fields['original_ref'] ?? '{}')).toEqual({
      filename: imageUpload?.form?.files['image']?.name,
      subfolder: 'discord',
      type: 'input',
    });
  });

  it('a prompt with quotes, backslashes and newlines reaches ComfyUI byte for byte', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const text = 'say "hi" \\ then\nnew line {"json": true} \u00e9\u{1F600}';
    const token = await h.generate('txt2img', { prompt: text });
    await h.reply(token, isFinal);
    const submit = h.comfy.requests.find((r) => r.path === '/prompt' && r.method === 'POST');
    const prompt = (submit?.json as { prompt: Record<string, { _meta?: { title?: string }; inputs: Record<string, unknown> }> }).prompt;
    expect(Object.values(prompt).find((n) => n._meta?.title === 'Positive')?.inputs['text']).toBe(text);
  });

  it("five users at once: each reply gets only its own job's images", async () => {
    h = await startHarness({ comfy: { stepMs: 3 } });
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const tokens = await Promise.all(users.map((u, i) => h!.generate('txt2img', { prompt: `picture ${u}`, seed: 100 + i, steps: 4 }, { user: u })));
    const finals = await Promise.all(tokens.map((t) => h!.reply(t, isFinal, 30_000)));
    for (const [i, final] of finals.entries()) {
      expect(final.content).toContain(`<@${h.discord.user(users[i]!).id}>`);
      expect(final.embeds?.[0]?.fields?.find((f) => f.name === 'Seed')?.value).toBe(String(100 + i));
      const jobId = /job (\w+)/.exec(final.embeds?.[0]?.footer?.text ?? '')?.[1];
      const job = h.bot.ledger.get(jobId ?? '');
      const history = await h.bot.pool.backends[0]!.client.http.historyOf(job!.promptId);
      const ownFiles = Object.values(history!.outputs).flatMap((o) => (o['images'] as Array<{ filename: string }> | undefined)?.map((img) => img.filename) ?? []);
      expect(attachmentNames(final)).toEqual(ownFiles);
    }
    expect(h.discord.count429).toBe(0);
  });

  it('re-encodes an output larger than the upload limit as JPEG, and says so', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    h.comfy.outputPadBytes = 12 * 1024 * 1024;
    const token = await h.generate('txt2img', { prompt: 'huge' });
    const final = await h.reply(token, isFinal);
    expect(attachmentNames(final)).toEqual([expect.stringMatching(/\.jpg$/)]);
    expect(final.content).toMatch(/re-encoded as JPEG to fit Discord's 10 MB upload limit/);
    const views = h.comfy.requests.filter((r) => r.path === '/view');
    expect(views.map((r) => r.query['preview'])).toContain('jpeg;90');
  });

  it('posts at most 10 images in the job message and the rest in a follow-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    // The batch option without its default: the workflow's own batch of 12 runs.
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.manifest.json'), 'utf8')) as { options: Array<Record<string, unknown>> };
    delete manifest.options.find((o) => o['name'] === 'batch')!['default'];
    writeFileSync(join(dir, 'txt2img.manifest.json'), JSON.stringify(manifest));
    const wf = JSON.parse(readFileSync(join(REPO_ROOT, 'workflows/txt2img.json'), 'utf8')) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    Object.values(wf).find((n) => n.class_type === 'EmptyLatentImage')!.inputs['batch_size'] = 12;
    writeFileSync(join(dir, 'txt2img.json'), JSON.stringify(wf));
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: dir } });
    const token = await h.generate('txt2img', { prompt: 'a dozen' });
    const final = await h.reply(token, isFinal);
    expect(final.attachments).toHaveLength(10);
    const followUp = await h.discord.waitForMessage((m) => m.channel_id === final.channel_id && m.id !== final.id && m.attachments.length === 2);
    expect(new Set([...attachmentNames(final), ...attachmentNames(followUp)]).size).toBe(12);
  });

  it('refuses a non-image attachment with a message saying what to attach', async () => {
    h = await startHarness();
    const text = h.discord.addAttachment({ filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.from('hello') });
    const token = await h.generate('img2img', { prompt: 'x' }, { attachments: { image: text } });
    const reply = await h.reply(token, (m) => m.content?.includes('not an image') ?? false);
    expect(reply.content).toContain('notes.txt');
    expect(h.comfy.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
  });

  it('shows the node errors when ComfyUI refuses the workflow', async () => {
    h = await startHarness();
    h.comfy.models.checkpoints = ['only-this.safetensors'];
    const token = await h.generate('txt2img', { prompt: 'x', checkpoint: 'missing.safetensors' });
    const reply = await h.reply(token, (m) => m.content?.includes('⚠️') ?? false);
    expect(reply.content).toMatch(/missing\.safetensors/);
  });

  it('says ComfyUI is unreachable when it is down, and the bot keeps serving', async () => {
    h = await startHarness();
    await h.comfy.kill();
    await h.bot.pool.check(h.bot.pool.backends[0]!);
    await h.bot.pool.check(h.bot.pool.backends[0]!);
    await h.bot.pool.check(h.bot.pool.backends[0]!);
    const token = await h.generate('txt2img', { prompt: 'x' });
    const reply = await h.reply(token, (m) => m.content?.includes('⚠️') ?? false);
    expect(reply.content).toMatch(/not reachable/);
    await h.comfy.revive();
    await h.bot.pool.check(h.bot.pool.backends[0]!);
    const again = await h.generate('txt2img', { prompt: 'y' });
    await h.reply(again, isFinal);
  });

  it('never writes the bot token into a log line', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    const token = await h.generate('txt2img', { prompt: 'x' });
    await h.reply(token, isFinal);
    expect(h.logs.length).toBeGreaterThan(3);
    expect(h.logs.join('\n')).not.toContain(BOT_TOKEN);
    expect(h.logs.join('\n')).not.toContain(token);
    for (const line of h.logs) expect((): unknown => JSON.parse(line)).not.toThrow();
  });
});
