// Video, animation, sound and text results in Discord, end to end: real bot,
// fake Discord, fake ComfyUI running the media nodes with real small files.
import { Locale } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { mediaFixture } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { MUSIC_CHECKPOINT, VIDEO_MODELS, workflowsDir } from '../support/media-workflows.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => /done in|完成/.test(m.content ?? '');
const MiB = 1024 * 1024;
type Bytes = { bytes?: Buffer };
const bytesOf = (a: StoredMessage['attachments'][number]) => (a as Bytes).bytes;
const jobOf = (m: StoredMessage) => /job (\w+)/.exec(m.embeds?.[0]?.footer?.text ?? '')?.[1] ?? '';

interface CommandJson {
  name: string;
  description: string;
  description_localizations?: Record<string, string> | null;
  options?: CommandJson[];
}
const generateCommand = (harness: Harness) => {
  const put = harness.discord.requests.find((r) => r.method === 'PUT' && (r.route ?? '').includes('/commands'));
  return (put?.json as CommandJson[]).find((c) => c.name === 'generate')!;
};
const characters = (c: CommandJson): number => c.name.length + c.description.length + (c.options ?? []).reduce((n, o) => n + characters(o), 0);

describe('the shipped video and music workflows', () => {
  it('are skipped at start by a server without their models, with the warning naming the file', async () => {
    h = await startHarness({ comfy: { stepMs: 0 } });
    expect(generateCommand(h).options?.map((o) => o.name).sort()).toEqual(['img2img', 'inpaint', 'lora', 'txt2img']);
    const warning = h.logs.find((l) => l.includes('workflow skipped: the ComfyUI server cannot run it') && l.includes('txt2vid'));
    expect(warning).toContain('wan2.2_ti2v_5B_fp16.safetensors');
    expect(h.logs.some((l) => l.includes('workflow skipped') && l.includes('txt2music') && l.includes(MUSIC_CHECKPOINT))).toBe(true);
  });

  it('are offered by a server that has them, all seven within Discord’s command limits', async () => {
    h = await startHarness({ comfy: { stepMs: 0, models: VIDEO_MODELS, checkpoints: ['random-sd15.safetensors', MUSIC_CHECKPOINT] } });
    const generate = generateCommand(h);
    expect(generate.options?.map((o) => o.name).sort()).toEqual(['img2img', 'img2vid', 'inpaint', 'lora', 'txt2img', 'txt2music', 'txt2vid']);
    expect(characters(generate)).toBeLessThanOrEqual(8000);
    const img2vid = generate.options!.find((o) => o.name === 'img2vid')!;
    expect(img2vid.options?.map((o) => o.name)).toEqual(['prompt', 'image', 'negative', 'frames', 'fps', 'width', 'height', 'seed', 'steps', 'cfg', 'spoiler']);
    // In Chinese too, every one of them.
    for (const name of ['img2vid', 'txt2vid', 'txt2music']) {
      const sub = generate.options!.find((o) => o.name === name)!;
      for (const item of [sub, ...(sub.options ?? [])]) expect(item.description_localizations?.['zh-CN'], `${name} ${item.name}`).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('media results', () => {
  it('a video job posts the mp4 itself as an attachment (not an embed image); its progress shows steps and the node', async () => {
    h = await startHarness({ comfy: { stepMs: 100, models: VIDEO_MODELS }, env: { WORKFLOWS_DIR: workflowsDir([], ['txt2vid']) } });
    const token = await h.generate('txt2vid', { prompt: 'waves at dusk', steps: 4, frames: 49, fps: 16, width: 832, height: 480 });
    const final = await h.reply(token, isFinal);
    expect(final.attachments.map((a) => [a.filename, a.content_type])).toEqual([['discord_00001_.mp4', 'video/mp4']]);
    expect(bytesOf(final.attachments[0]!)?.equals(h.comfy.readFile('discord_00001_.mp4', { subfolder: 'video' })!)).toBe(true);
    expect(bytesOf(final.attachments[0]!)?.equals(mediaFixture('video.mp4'))).toBe(true);
    expect(final.embeds?.[0]?.image).toBeUndefined();
    expect(final.content).not.toMatch(/produced no/);
    // The buttons a still gets are not offered for a video.
    expect(final.components?.[0]).toMatchObject({ components: [{ custom_id: `reroll:${jobOf(final)}` }] });
    const versions = final.history.map((v) => v.content ?? '');
    expect(versions.some((c) => /Running\*\* — KSampler/.test(c) && /step \d\/4/.test(c))).toBe(true);
    // After sampling, the node that runs (decode, create, save) with the sampler's steps beside it.
    expect(versions.some((c) => /Running\*\* — (VAE Decode|Create Video|Save Video)/.test(c) && /step 4\/4 · KSampler/.test(c))).toBe(true);
    expect(final.history.some((v) => (v.attachments ?? []).some((a) => a.filename.startsWith('preview.')))).toBe(true);
    const submit = h.comfy.requests.find((r) => r.path === '/prompt' && r.method === 'POST');
    const prompt = (submit?.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
    expect(Object.values(prompt).find((n) => n.class_type === 'Wan22ImageToVideoLatent')?.inputs).toMatchObject({ length: 49, width: 832, height: 480 });
    expect(Object.values(prompt).find((n) => n.class_type === 'CreateVideo')?.inputs['fps']).toBe(16);
    // No re-encode was ever asked of ComfyUI for it (that is a 500 for a video).
    expect(h.comfy.requests.filter((r) => r.path === '/view').every((r) => !('preview' in r.query) && !('channel' in r.query))).toBe(true);
  });

  it('an animated WebP arrives unchanged, as an attachment', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['anim']) } });
    const final = await h.reply(await h.generate('anim', { prompt: 'a spinning top' }), isFinal);
    expect(final.attachments.map((a) => [a.filename, a.content_type])).toEqual([['ComfyUI_00001_.webp', 'image/webp']]);
    expect(bytesOf(final.attachments[0]!)?.equals(mediaFixture('animated.webp'))).toBe(true);
    expect(final.embeds?.[0]?.image).toBeUndefined();
  });

  it('an audio job posts a .flac; the shipped music workflow an .mp3', async () => {
    h = await startHarness({
      comfy: { stepMs: 0, checkpoints: ['random-sd15.safetensors', MUSIC_CHECKPOINT] },
      env: { WORKFLOWS_DIR: workflowsDir(['sound'], ['txt2music']) },
    });
    const flac = await h.reply(await h.generate('sound', { prompt: 'a beep' }), isFinal);
    expect(flac.attachments.map((a) => [a.filename, a.content_type])).toEqual([['ComfyUI_00001_.flac', 'audio/flac']]);
    expect(bytesOf(flac.attachments[0]!)?.subarray(0, 4).toString('latin1')).toBe('fLaC');
    expect(flac.content).not.toMatch(/produced no/);
    const song = await h.reply(await h.generate('txt2music', { prompt: 'lo-fi, piano', seconds: 10, steps: 10 }), isFinal);
    expect(song.attachments.map((a) => [a.filename, a.content_type])).toEqual([['discord_00001_.mp3', 'audio/mpeg']]);
    expect(bytesOf(song.attachments[0]!)?.equals(mediaFixture('audio.mp3'))).toBe(true);
  });

  it('a PreviewAny job shows the text its node computed, in a code block', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['text']) } });
    const final = await h.reply(await h.generate('text', { prompt: 'a short poem' }), isFinal);
    expect(final.content).toContain('```\na short poem — as the fake computed it\n```');
    expect(final.attachments).toEqual([]);
    expect(final.content).not.toMatch(/produced no/);
  });

  it('a 5,000-character text arrives whole as a .txt, its start in the message', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['text']) } });
    const long = Array.from({ length: 500 }, (_, i) => `line ${String(i).padStart(3, '0')}`).join('\n').slice(0, 5000);
    const final = await h.reply(await h.generate('text', { prompt: long }), isFinal);
    const whole = `${long} — as the fake computed it`;
    expect(final.attachments.map((a) => a.filename)).toEqual(['text-99.txt']);
    expect(bytesOf(final.attachments[0]!)?.toString('utf8')).toBe(whole);
    expect(final.content.length).toBeLessThanOrEqual(2000);
    expect(final.content).toContain('```\nline 000\nline 001');
    expect(final.content).toContain('The whole text is attached as text-99.txt.');
  });

  it('a workflow with image, video and text outputs posts all three', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['mixed']) } });
    const final = await h.reply(await h.generate('mixed', { prompt: 'everything at once' }), isFinal);
    const names = final.attachments.map((a) => a.filename);
    expect(names).toEqual(['discord_00001_.png', 'ComfyUI_00001_.mp4']);
    expect(final.embeds?.[0]?.image?.url).toBe('attachment://discord_00001_.png');
    expect(final.content).toContain('```\nhello, from the fake\n```');
    const row = final.components?.[0] as { components: Array<{ custom_id?: string }> } | undefined;
    expect(row?.components.map((b) => b.custom_id)).toEqual([
      `reroll:${jobOf(final)}`,
      // "Use as input" names the PNG's place among the job's outputs.
      expect.stringMatching(new RegExp(`^use:${jobOf(final)}:\\d$`)),
    ]);
    const index = Number(row?.components[1]?.custom_id?.split(':')[2]);
    const stored = h.bot.ledger.get(jobOf(final))?.result;
    expect(stored?.kind === 'success' && stored.outputs[index]).toMatchObject({ kind: 'image', filename: 'discord_00001_.png' });
    expect(stored?.kind === 'success' && stored.outputs.map((o) => o.kind).sort()).toEqual(['image', 'text', 'video']);
  });

  it('a 30 MB video with a 10 MiB attachment_size_limit: not uploaded, the size note, and /history says how to get it', async () => {
    h = await startHarness({ comfy: { stepMs: 0, models: VIDEO_MODELS }, env: { WORKFLOWS_DIR: workflowsDir([], ['txt2vid']) } });
    h.comfy.outputPadBytes = 30 * MiB;
    const token = await h.generate('txt2vid', { prompt: 'a long take', steps: 1 }, { attachmentSizeLimit: 10 * MiB });
    const final = await h.reply(token, isFinal);
    expect(final.attachments).toEqual([]);
    expect(final.content).toContain(
      `ℹ️ \`video/discord_00001_.mp4\` (video, 30 MB) is larger than the 10 MB Discord accepts here, so it was not posted. It stays on the ComfyUI server: \`/history job:${jobOf(final)}\` shows how to get it.`,
    );
    // Never sent to Discord, never downloaded whole.
    expect(h.discord.requests.every((r) => (r.files ?? []).every((f) => f.bytes.length < 10 * MiB))).toBe(true);
    await waitFor(() => h!.bot.ledger.get(jobOf(final))?.state === 'delivered');
    const stored = h.bot.ledger.get(jobOf(final))?.result;
    expect(stored?.kind === 'success' && stored.outputs[0]).toMatchObject({ kind: 'video', posted: false, size: mediaFixture('video.mp4').length + 30 * MiB });

    const history = await h.discord.sendSlashCommand({ name: 'history', options: [{ name: 'job', type: 3, value: jobOf(final) }], user: 'ana' });
    const reply = await h.discord.waitForMessage((m) => m.interactionToken === history.token && (m.content ?? '').includes('Outputs'));
    expect(reply.content).toContain('video `video/discord_00001_.mp4` (node 58), 30 MB: too large for Discord, so it was not posted');
    expect(reply.content).toContain('`npm run comfy -- view discord_00001_.mp4 --subfolder video --type output --out discord_00001_.mp4`');
  });

  it('says the same in Chinese to a zh-CN user', async () => {
    h = await startHarness({ comfy: { stepMs: 0, models: VIDEO_MODELS }, env: { WORKFLOWS_DIR: workflowsDir([], ['txt2vid']) } });
    h.comfy.outputPadBytes = 30 * MiB;
    const token = await h.generate('txt2vid', { prompt: '海浪', steps: 1 }, { locale: Locale.ChineseCN });
    const final = await h.reply(token, isFinal);
    expect(final.content).toContain('`video/discord_00001_.mp4`（视频，30 MB）超过了 Discord 在这里允许的 10 MB，因此没有发出。');
  });

  it('a 413 (code 40005) from Discord is an over-limit file, not a failed delivery', async () => {
    // Discord says 20 MiB, but (as in discord-api-docs#8572) refuses anything over 10 MiB.
    h = await startHarness({ comfy: { stepMs: 0, models: VIDEO_MODELS }, env: { WORKFLOWS_DIR: workflowsDir([], ['txt2vid']) } });
    h.comfy.outputPadBytes = 12 * MiB;
    const token = await h.generate('txt2vid', { prompt: 'twelve megabytes', steps: 1 }, { attachmentSizeLimit: 20 * MiB });
    const final = await h.reply(token, isFinal);
    expect(h.discord.requests.some((r) => r.status === 413)).toBe(true);
    expect(final.attachments).toEqual([]);
    expect(final.content).toContain('(video, 12 MB) is larger than the 10 MB Discord accepts here');
    await waitFor(() => h!.bot.ledger.get(jobOf(final))?.state === 'delivered');
  });

  it('a video attachment is uploaded to the server that runs the job and reaches its LoadVideo', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['clip']) } });
    const clip = mediaFixture('video.webm');
    const video = h.discord.addAttachment({ filename: 'my clip.webm', contentType: 'video/webm', bytes: clip });
    const final = await h.reply(await h.generate('clip', {}, { attachments: { video } }), isFinal);
    const job = h.bot.ledger.get(jobOf(final))!;
    const ran = h.comfies.find((c) => c.url === job.server)!;
    const other = h.comfies.find((c) => c !== ran)!;
    const upload = ran.requests.find((r) => r.path === '/upload/image');
    expect(upload?.form?.files['image']?.bytes.equals(clip)).toBe(true);
    expect(upload?.form?.fields['subfolder']).toBe('discord');
    expect(other.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
    const submit = ran.requests.find((r) => r.path === '/prompt' && r.method === 'POST');
    const prompt = (submit?.json as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
    expect(prompt['1']).toMatchObject({ class_type: 'LoadVideo', inputs: { file: `discord/${upload?.form?.files['image']?.name}` } });
    // SaveVideo of a LoadVideo copies the streams: the posted video is the one sent.
    expect(bytesOf(final.attachments[0]!)?.equals(clip)).toBe(true);
  });

  it('a video input follows its job to another server when the first one dies', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['clip']) } });
    for (const c of h.comfies) c.hold();
    const clip = mediaFixture('video.mp4');
    const video = h.discord.addAttachment({ filename: 'clip.mp4', contentType: 'video/mp4', bytes: clip });
    const token = await h.generate('clip', {}, { attachments: { video } });
    const queued = await h.reply(token, (m) => m.content?.includes('Queued') ?? false);
    const first = h.comfies.find((c) => c.url === h!.bot.ledger.byMessageId(queued.id)!.server)!;
    const second = h.comfies.find((c) => c !== first)!;
    await first.kill();
    second.release();
    const final = await h.reply(token, isFinal, 30_000);
    const upload = second.requests.find((r) => r.path === '/upload/image');
    expect(upload?.form?.files['image']?.bytes.equals(clip)).toBe(true);
    expect(bytesOf(final.attachments[0]!)?.equals(clip)).toBe(true);
    expect(h.bot.ledger.byMessageId(final.id)?.server).toBe(second.url);
  });

  it('Re-roll of a job with a sound input uploads the kept sound again', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { WORKFLOWS_DIR: workflowsDir(['voice']) } });
    const voice = h.discord.addAttachment({ filename: 'voice.mp3', contentType: 'audio/mpeg', bytes: mediaFixture('audio.mp3') });
    const first = await h.reply(await h.generate('voice', {}, { attachments: { audio: voice } }), isFinal);
    expect(first.attachments.map((a) => a.filename)).toEqual(['voice_00001_.flac']);
    await waitFor(() => h!.bot.ledger.get(jobOf(first))?.state === 'delivered');
    const sent = await h.discord.sendButton({ customId: `reroll:${jobOf(first)}`, message: first.id, user: 'ana' });
    await h.reply(sent.token, isFinal);
    const uploads = h.comfy.requests.filter((r) => r.path === '/upload/image');
    expect(uploads).toHaveLength(2);
    expect(uploads.every((u) => u.form?.files['image']?.bytes.equals(mediaFixture('audio.mp3')))).toBe(true);
  });
});
