import { describe, expect, it } from 'vitest';
import { hostAllowed, checkAttachment } from '../../src/discord/attachments.ts';
import { finalView, liveView } from '../../src/discord/job-view.ts';
import { editIntervalFor } from '../../src/discord/job-messages.ts';
import { uploadLimitForTier } from '../../src/discord/results.ts';
import { accessProblem } from '../../src/discord/permissions.ts';
import { backoffDelay } from '../../src/comfy/index.ts';
import { paginate } from '../../commands/models.ts';
import { UserError } from '../../src/jobs/user-error.ts';
import { translator } from '../../src/discord/i18n/index.ts';
import { classifyError } from '../../src/discord/reply.ts';
import { ComfyUnavailableError, ComfyValidationError } from '../../src/comfy/index.ts';
import { jobRow } from '../support/job-row.ts';

const en = translator('en-US');
const zh = translator('zh-CN');

const job = jobRow({
  params: { prompt: 'a lighthouse', steps: 20, checkpoint: 'sd15.safetensors', seed: 7 },
  seeds: { 'KSampler.seed': 7 },
  checkpoint: 'sd15.safetensors',
});

describe('job messages', () => {
  it('show the queue position, then a bar with step, node and elapsed time, and a Cancel button', () => {
    expect(liveView(job, { phase: 'queued', position: 3, total: 5 }, en).content).toContain('Queued — position 3 of 5');
    const running = liveView(job, { phase: 'running', node: 'KSampler', value: 5, max: 20, startedAt: 0 }, en, 12_000);
    expect(running.content).toContain('Running** — KSampler · 12s');
    expect(running.content).toContain('`█████░░░░░░░░░░░░░░░` step 5/20');
    expect(running.components[0]?.components[0]).toMatchObject({ custom_id: 'cancel:abc123' });
  });

  it('attach the preview as an image of the embed', () => {
    const v = liveView(job, { phase: 'running', preview: { image: Buffer.from([0xff, 0xd8]), mime: 'image/jpeg' } }, en);
    expect(v.files.map((f) => f.name)).toEqual(['preview.jpg']);
    expect(v.embeds[0]?.image?.url).toBe('attachment://preview.jpg');
  });

  it('end with the images and their parameters, or a reason', () => {
    const success = finalView(
      job,
      {
        kind: 'success',
        outputs: [{ kind: 'image', nodeId: '9', filename: 'out.png', subfolder: '', type: 'output' }],
        server: 'http://s',
        seeds: { 'KSampler.seed': 7 },
        cached: false,
        durationMs: 21_000,
      },
      en,
      { files: [{ name: 'out.png', data: Buffer.alloc(1), kind: 'image' }], overflow: [], missing: 0, notes: [] },
    );
    const fields = Object.fromEntries((success.embeds[0]?.fields ?? []).map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({ Seed: '7', Steps: '20', Checkpoint: 'sd15.safetensors', Time: '21s' });
    expect(success.content).toContain('<@42> done in 21s');
    expect(success.components.map((r) => r.components.map((b) => ('custom_id' in b ? b.custom_id : '')))).toEqual([['reroll:abc123', 'del:abc123'], ['use:abc123:0']]);
    expect(finalView(job, { kind: 'cancelled', by: '9', wasPending: true }, en).content).toBe('🛑 Cancelled by <@9>.');
    expect(finalView(job, { kind: 'error', nodeId: '10', nodeType: 'LoadImage', exceptionType: 'X', message: 'bad file' }, en).content).toContain(
      'failed in LoadImage (#10): bad file',
    );
    expect(finalView(job, { kind: 'lost', reason: 'ComfyUI restarted' }, en).components[0]?.components[0]).toMatchObject({ custom_id: 'retry:abc123' });
  });

  it('are written in the reader’s language, with ComfyUI’s own text and the node’s title as they are', () => {
    const running = liveView(job, { phase: 'running', node: 'KSampler', value: 5, max: 20, startedAt: 0 }, zh, 65_000);
    expect(running.content).toContain('**运行中** — KSampler · 1 分 05 秒');
    expect(running.content).toContain('第 5/20 步');
    expect(running.components[0]?.components[0]).toMatchObject({ label: '取消', custom_id: 'cancel:abc123' });
    expect(liveView(job, { phase: 'queued', position: 2, total: 4 }, zh).content).toContain('排队中 — 第 2 位，共 4 个');
    const moved = liveView(job, { phase: 'queued', notice: { code: 'moved.server_down', data: { from: 'gpu1', to: 'gpu2' } } }, zh);
    expect(moved.content).toContain('ℹ️ ComfyUI 服务器 gpu1 已宕机，你的任务已转到 gpu2。');
    const failed = finalView(job, { kind: 'error', nodeId: '9', nodeType: 'SaveImage', exceptionType: 'OSError', message: '[Errno 28] No space left on device' }, zh);
    expect(failed.content).toBe('❌ <@42> 任务在 SaveImage（#9）处失败：[Errno 28] No space left on device');
    expect(failed.components[0]?.components[0]).toMatchObject({ label: '再试一次' });
  });

  it('say why a job was lost from its code; a reason stored as English text by an older version is shown as it is', () => {
    const coded = finalView(job, { kind: 'lost', reason: { code: 'server_forgot', data: {} } }, zh).content;
    expect(coded).toContain('服务器可能重启过');
    expect(coded).toContain('按 **重试**');
    const cause = { code: 'backend.no_model' as const, data: { models: 'sdxl.safetensors (checkpoints)' } };
    expect(finalView(job, { kind: 'lost', reason: { code: 'not_moved', data: { error: 'x' }, cause } }, en).content).toContain(
      'it could not be moved to another ComfyUI server (No ComfyUI server has sdxl.safetensors (checkpoints).',
    );
    expect(finalView(job, { kind: 'lost', reason: 'its ComfyUI server is no longer configured' }, zh).content).toContain(
      '你的任务丢失了：its ComfyUI server is no longer configured。',
    );
  });
});

describe('error replies', () => {
  const refused = new ComfyValidationError(
    { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
    {
      '3': {
        class_type: 'KSampler',
        dependent_outputs: ['9'],
        errors: [
          {
            type: 'value_bigger_than_max',
            message: 'Value 10001 bigger than max of 10000',
            details: 'steps',
            extra_info: { input_name: 'steps', received_value: 10001 },
          },
        ],
      },
    },
    { '3': { class_type: 'KSampler', inputs: {}, _meta: { title: 'Sampler' } } },
  );

  it('frame ComfyUI’s own validation text in the reader’s language, the node’s title and class as they are', () => {
    expect(classifyError(refused, zh).text).toBe('ComfyUI 拒绝了这个工作流：\n• Sampler [KSampler] (#3) steps: Value 10001 bigger than max of 10000（收到的是 10001）');
    expect(classifyError(refused, en).text).toBe('ComfyUI refused the workflow:\n• Sampler [KSampler] (#3) steps: Value 10001 bigger than max of 10000 — got 10001');
  });

  it('say why ComfyUI could not take the job, and keep internal errors to the log', () => {
    expect(classifyError(new ComfyUnavailableError('boom', undefined, 502), zh).text).toContain('ComfyUI 发生了内部错误（HTTP 502）');
    expect(classifyError(new Error('a bug of ours'), zh)).toEqual({ kind: 'internal', text: '我们这边出了点问题；服务器所有者可以在机器人日志中找到详细信息。' });
  });
});

describe('attachments', () => {
  const policy = { allowedHosts: ['cdn.discordapp.com', '127.0.0.1:9000'], maxBytes: 1000 };
  const a = (over: Partial<{ name: string; size: number; contentType: string | null; url: string }>) => ({
    name: 'cat.png',
    size: 10,
    contentType: 'image/png',
    url: 'https://cdn.discordapp.com/attachments/1/2/cat.png',
    ...over,
  });

  it('are checked for type, size and host before any download', () => {
    expect(checkAttachment('image', a({}), policy).host).toBe('cdn.discordapp.com');
    expect(() => checkAttachment('image', a({ contentType: 'text/plain', name: 'notes.txt' }), policy)).toThrow(/attachment.not_image .*"notes.txt"/);
    expect(() => checkAttachment('image', a({ size: 5000 }), policy)).toThrow(/attachment.too_large .*"limit":1000/);
    expect(() => checkAttachment('image', a({ url: 'https://evil.example/cat.png' }), policy)).toThrow(UserError);
    expect(hostAllowed(new URL('http://127.0.0.1:9000/x'), policy.allowedHosts)).toBe(true);
    expect(hostAllowed(new URL('http://127.0.0.1:9001/x'), policy.allowedHosts)).toBe(false);
    expect(hostAllowed(new URL('file:///etc/passwd'), policy.allowedHosts)).toBe(false);
  });
});

describe('limits and access', () => {
  it('uses the upload limit of the guild boost tier', () => {
    expect(uploadLimitForTier(0)).toBe(10 * 1024 * 1024);
    expect(uploadLimitForTier(2)).toBe(50 * 1024 * 1024);
    expect(uploadLimitForTier(3)).toBe(100 * 1024 * 1024);
  });

  it('keeps people out only where allow-lists say so', () => {
    const none = { ALLOWED_GUILDS: [], ALLOWED_CHANNELS: [], ALLOWED_ROLES: [] };
    expect(accessProblem(none, { guildId: 'g', channelId: 'c', roleIds: [] })).toBeUndefined();
    expect(accessProblem({ ...none, ALLOWED_CHANNELS: ['c2'] }, { guildId: 'g', channelId: 'c', roleIds: [] })).toMatchObject({ code: 'access.channel', data: { channels: '<#c2>' } });
    expect(accessProblem({ ...none, ALLOWED_ROLES: ['r'] }, { guildId: 'g', channelId: 'c', roleIds: ['x'] })).toMatchObject({ code: 'access.role' });
    // A thread of an allowed channel is allowed; a thread of another is not.
    expect(accessProblem({ ...none, ALLOWED_CHANNELS: ['c2'] }, { guildId: 'g', channelId: 't', parentChannelId: 'c2', roleIds: [] })).toBeUndefined();
    expect(accessProblem({ ...none, ALLOWED_CHANNELS: ['c2'] }, { guildId: 'g', channelId: 't', parentChannelId: 'c', roleIds: [] })).toMatchObject({ code: 'access.channel' });
  });

  it('reconnects with growing, jittered, bounded delays', () => {
    const opts = { initialMs: 500, maxMs: 30_000, jitter: 0.3 };
    expect(backoffDelay(0, opts, () => 0.5)).toBe(500);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(4000);
    expect(backoffDelay(50, opts, () => 1)).toBe(39_000);
    expect(backoffDelay(50, opts, () => 0)).toBe(21_000);
  });

  it('paginates long model lists within embed limits', () => {
    const models = Array.from({ length: 500 }, (_, i) => `model-${i}-${'x'.repeat(40)}.safetensors`);
    const pages = paginate(models);
    expect(pages.flat()).toEqual(models);
    for (const p of pages) expect(p.map((m) => `• ${m}`).join('\n').length).toBeLessThanOrEqual(4096);
  });
});

describe('how often a job message is edited', () => {
  it('edits a job far back in the queue less often than one near the front or running', () => {
    const far = editIntervalFor({ phase: 'queued', position: 40, total: 60 });
    expect(far).toBeGreaterThanOrEqual(5_000);
    expect(editIntervalFor({ phase: 'queued', position: 2, total: 60 })).toBe(0);
    expect(editIntervalFor({ phase: 'running', value: 3, max: 20 })).toBe(0);
    expect(editIntervalFor({ phase: 'queued' })).toBe(0);
  });
});
