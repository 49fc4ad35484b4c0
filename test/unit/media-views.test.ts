// How a job's message shows videos, animations, sound and text: pure views and
// the sorting of fetched files, without Discord or ComfyUI.
import { describe, expect, it } from 'vitest';
import { ComfyFileTooLargeError, type ComfyHttp } from '../../src/comfy/index.ts';
import { checkAttachment, looksLike } from '../../src/discord/attachments.ts';
import { translator } from '../../src/discord/i18n/index.ts';
import { finalView, liveView } from '../../src/discord/job-view.ts';
import { fetchFinalOutputs, INLINE_TEXT_BUDGET } from '../../src/discord/results.ts';
import type { SuccessResult } from '../../src/jobs/service.ts';
import { mediaFixture } from '../fakes/comfy/index.ts';
import { jobRow } from '../support/job-row.ts';

const job = jobRow({ workflow: 'txt2vid', params: { prompt: 'waves' } });

const file = (kind: 'image' | 'animation' | 'video' | 'audio' | 'model3d' | 'file', filename: string, subfolder = '') =>
  ({ kind, nodeId: '9', filename, subfolder, type: 'output' }) as const;
const success = (outputs: SuccessResult['outputs']): SuccessResult => ({ kind: 'success', outputs, server: 'http://s', seeds: {}, cached: false, durationMs: 1000 });
const en = translator('en-US');
const zh = translator('zh-CN');

/** A ComfyHttp stand-in: files by name with their sizes; larger than maxBytes is refused like the real one. */
function stubHttp(sizes: Record<string, number>): ComfyHttp {
  return {
    async saveView(ref: { filename: string }, path: string, options: { maxBytes?: number; preview?: unknown } = {}) {
      const size = options.preview ? 1000 : sizes[ref.filename];
      if (size === undefined) throw new Error('404');
      if (options.maxBytes !== undefined && size > options.maxBytes) throw new ComfyFileTooLargeError('too large', size, options.maxBytes);
      return { path, size, contentType: 'application/octet-stream' };
    },
  } as unknown as ComfyHttp;
}

describe('live progress of a video job', () => {
  it('shows the node that runs and, beside the step count, the sampler it belongs to', () => {
    const v = liveView(job, { phase: 'running', node: 'VAE Decode', progressNode: 'KSampler', value: 20, max: 20, startedAt: 0 }, en, 5000);
    expect(v.content).toContain('Running** — VAE Decode');
    expect(v.content).toContain('step 20/20 · KSampler');
    const sampling = liveView(job, { phase: 'running', node: 'KSampler', progressNode: 'KSampler', value: 3, max: 20, startedAt: 0 }, en, 5000);
    expect(sampling.content).toContain('step 3/20');
    expect(sampling.content).not.toContain('· KSampler');
  });
});

describe('the final message', () => {
  it('a video only: attached, no embed image, no "Use as input", no "no outputs" note', () => {
    const v = finalView(job, success([file('video', 'v_00001_.mp4', 'video')]), en, {
      files: [{ name: 'v_00001_.mp4', data: Buffer.alloc(3), contentType: 'video/mp4', kind: 'video' }],
      overflow: [],
      missing: 0,
      notes: [],
    });
    expect(v.files.map((f) => f.name)).toEqual(['v_00001_.mp4']);
    expect(v.embeds[0]?.image).toBeUndefined();
    // Re-roll and Delete; no per-image row for a video.
    expect(v.components).toHaveLength(1);
    expect(v.components[0]?.components).toHaveLength(2);
    expect(v.content).not.toContain('ℹ️');
  });

  it('no outputs at all: says so, in the reader’s language', () => {
    expect(finalView(job, success([]), en).content).toContain('produced no outputs');
    expect(finalView(job, success([]), zh).content).toContain('没有产生任何输出');
  });

  it('text in a code block that a ``` inside cannot end, the whole within 2000 characters', () => {
    const v = finalView(job, success([{ kind: 'text', nodeId: '5', text: 'a ``` b' }]), en, {
      files: [],
      overflow: [],
      missing: 0,
      texts: [{ nodeId: '5', text: 'a ``` b', cut: false }],
      notes: [{ key: 'note.and_more', values: { files: 'x'.repeat(3000), n: 1 } }],
    });
    expect(v.content).toContain('```\na `\u200b`` b\n```');
    expect(v.content.length).toBeLessThanOrEqual(2000);
  });
});

describe('sorting fetched outputs', () => {
  it('stills first (for the embed), then what plays; a video over the limit stays on the server with its size', async () => {
    const result = success([
      file('video', 'big_00001_.mp4', 'video'),
      file('audio', 'a_00001_.flac', 'audio'),
      file('image', 'i_00001_.png'),
      file('animation', 'w_00001_.webp'),
    ]);
    const http = stubHttp({ 'big_00001_.mp4': 30 * 1024 * 1024, 'a_00001_.flac': 2000, 'i_00001_.png': 5000, 'w_00001_.webp': 4000 });
    const out = await fetchFinalOutputs(http, result, 10 * 1024 * 1024, { prefix: '/tmp/x', written: [] }, 'abc123');
    expect(out.files.map((f) => [f.name, f.kind, f.contentType])).toEqual([
      ['i_00001_.png', 'image', 'image/png'],
      ['w_00001_.webp', 'animation', 'image/webp'],
      ['a_00001_.flac', 'audio', 'audio/flac'],
    ]);
    const v = finalView(job, result, en, out);
    expect(v.content).toContain(
      'ℹ️ `video/big_00001_.mp4` (video, 30 MB) is larger than the 10 MB Discord accepts here, so it was not posted. It stays on the ComfyUI server: `/history job:abc123` shows how to get it.',
    );
    expect(finalView(job, result, zh, out).content).toContain('`video/big_00001_.mp4`（视频，30 MB）超过了 Discord 在这里允许的 10 MB');
    expect(out.delivered.kind === 'success' && out.delivered.outputs[0]).toMatchObject({ posted: false, size: 30 * 1024 * 1024 });
    expect(out.delivered.kind === 'success' && out.delivered.outputs[2]).toMatchObject({ posted: true, size: 5000 });
  });

  it('a still over the limit is fetched again as a JPEG instead', async () => {
    const http = stubHttp({ 'huge_00001_.png': 50 * 1024 * 1024 });
    const out = await fetchFinalOutputs(http, success([file('image', 'huge_00001_.png')]), 10 * 1024 * 1024, { prefix: '/tmp/x', written: [] }, 'j');
    expect(out.files.map((f) => f.name)).toEqual(['huge_00001_.jpg']);
    expect(out.notes.map((n) => n.key)).toEqual(['note.reencoded']);
  });

  it('texts share the inline budget; one not shown whole is attached as .txt', async () => {
    const long = 'y'.repeat(INLINE_TEXT_BUDGET + 500);
    const result = success([
      { kind: 'text', nodeId: '5', text: 'short' },
      { kind: 'text', nodeId: '6', text: long },
    ]);
    const out = await fetchFinalOutputs(stubHttp({}), result, 10 * 1024 * 1024, { prefix: '/tmp/x', written: [] }, 'j');
    expect(out.texts).toEqual([
      { nodeId: '5', text: 'short', cut: false },
      { nodeId: '6', text: long.slice(0, INLINE_TEXT_BUDGET - 5), cut: true, file: 'text-6-2.txt' },
    ]);
    expect(out.files.map((f) => [f.name, (f.data as Buffer).length])).toEqual([['text-6-2.txt', long.length]]);
  });
});

describe('media attachments', () => {
  const policy = { allowedHosts: ['cdn.discordapp.com'], maxBytes: 1000 };
  const a = (name: string, contentType: string | null) => ({ name, size: 10, contentType, url: `https://cdn.discordapp.com/a/1/${name}` });

  it('are checked by content type and extension for their option', () => {
    expect(checkAttachment('clip', a('x.mp4', 'video/mp4'), policy, 'video').host).toBe('cdn.discordapp.com');
    expect(checkAttachment('voice', a('x.opus', 'audio/ogg'), policy, 'audio').host).toBe('cdn.discordapp.com');
    expect(() => checkAttachment('image', a('x.mp4', 'video/mp4'), policy, 'image')).toThrow(/attachment.not_image .*"type":"video\/mp4"/);
    expect(() => checkAttachment('clip', a('x.txt', 'video/mp4'), policy, 'video')).toThrow(/attachment.not_video .*"type":".txt"/);
    expect(() => checkAttachment('voice', a('x.mp3', 'text/plain'), policy, 'audio')).toThrow(/attachment.not_audio/);
    // An image without an extension passes as before; a video needs one.
    expect(checkAttachment('image', a('pasted', 'image/png'), policy, 'image').host).toBe('cdn.discordapp.com');
    expect(() => checkAttachment('clip', a('clip', 'video/mp4'), policy, 'video')).toThrow(/attachment.not_video/);
  });

  it('a video or sound file must start like one', () => {
    expect(looksLike('video', mediaFixture('video.mp4'))).toBe(true);
    expect(looksLike('video', mediaFixture('video.webm'))).toBe(true);
    for (const f of ['audio.flac', 'audio.mp3', 'audio.opus'] as const) expect(looksLike('audio', mediaFixture(f))).toBe(true);
    expect(looksLike('audio', Buffer.from('just text, renamed'))).toBe(false);
    expect(looksLike('video', Buffer.from('just text, renamed'))).toBe(false);
  });
});
