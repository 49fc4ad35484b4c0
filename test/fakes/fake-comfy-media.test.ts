// The fake ComfyUI's media output nodes: the output dicts, names and subfolders
// of shared/comfyui-media.md §1, real files behind /view with the right type,
// ranges, and the 500 a `preview=` of a non-image gets from the real server.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfy, mediaFixture } from './comfy/index.ts';
import { workflowWith } from '../support/media-workflows.ts';

const fakes: FakeComfy[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function startFake(options: Parameters<typeof FakeComfy.start>[0] = {}): Promise<FakeComfy> {
  const fake = await FakeComfy.start({ stepMs: 0, previews: false, ...options });
  fakes.push(fake);
  return fake;
}

async function run(fake: FakeComfy, prompt: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt }) });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const { prompt_id } = JSON.parse(text) as { prompt_id: string };
  const entry = await fake.waitForHistory(prompt_id);
  expect(entry.status.status_str, JSON.stringify(entry.status.messages)).toBe('success');
  return entry.outputs['99'] as Record<string, unknown>;
}

async function view(fake: FakeComfy, e: { filename: string; subfolder: string; type: string }, extra = '', headers: Record<string, string> = {}) {
  const q = new URLSearchParams({ filename: e.filename, subfolder: e.subfolder, type: e.type });
  const res = await fetch(`${fake.url}/view?${q.toString()}${extra}`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

type FileEntry = { filename: string; subfolder: string; type: string };

describe('fake ComfyUI: media output nodes', () => {
  it('SaveVideo: images + animated [true], video/ComfyUI_00001_.mp4, a real H.264 mp4 served as video/mp4', async () => {
    const fake = await startFake();
    const out = await run(fake, workflowWith('SaveVideo'));
    expect(out).toEqual({ images: [{ filename: 'ComfyUI_00001_.mp4', subfolder: 'video', type: 'output' }], animated: [true] });
    const file = await view(fake, (out['images'] as FileEntry[])[0]!);
    expect(file.type).toBe('video/mp4');
    expect(file.bytes.equals(mediaFixture('video.mp4'))).toBe(true);
    expect(file.bytes.toString('latin1', 4, 8)).toBe('ftyp');
    expect(file.bytes.includes(Buffer.from('avc1'))).toBe(true);
    // A rerun is cached (the same file again); a new seed saves the next one.
    expect(await run(fake, workflowWith('SaveVideo'))).toEqual(out);
    const reseeded = workflowWith('SaveVideo');
    reseeded['3']!.inputs['seed'] = 2;
    expect(((await run(fake, reseeded))['images'] as FileEntry[])[0]!.filename).toBe('ComfyUI_00002_.mp4');
  });

  it('answers preview= and channel=rgb on a video with 500 (PIL cannot open it), and serves byte ranges', async () => {
    const fake = await startFake();
    const [entry] = (await run(fake, workflowWith('SaveVideo')))['images'] as FileEntry[];
    expect((await view(fake, entry!, '&preview=jpeg;85')).status).toBe(500);
    expect((await view(fake, entry!, '&channel=rgb')).status).toBe(500);
    const range = await view(fake, entry!, '', { range: 'bytes=0-0' });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 0-0/${mediaFixture('video.mp4').length}`);
    expect(range.bytes.length).toBe(1);
    expect((await view(fake, entry!, '', { range: 'bytes=99999999-' })).status).toBe(416);
  });

  it('grows an mp4 to a requested size with a free box', async () => {
    const fake = await startFake();
    fake.outputPadBytes = 3 * 1024 * 1024;
    const [entry] = (await run(fake, workflowWith('SaveVideo')))['images'] as FileEntry[];
    const file = await view(fake, entry!);
    expect(file.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(file.bytes.subarray(0, mediaFixture('video.mp4').length).equals(mediaFixture('video.mp4'))).toBe(true);
  });

  it('SaveWEBM, SaveAnimatedWEBP, SaveAnimatedPNG: one file under images, animated [true] for a batch', async () => {
    const fake = await startFake();
    expect(await run(fake, workflowWith('SaveWEBM'))).toEqual({
      images: [{ filename: 'ComfyUI_00001_.webm', subfolder: '', type: 'output' }],
      animated: [true],
    });
    // get_save_image_path counts every `ComfyUI_NNNNN_` in the folder, whatever the extension.
    const webp = await run(fake, workflowWith('SaveAnimatedWEBP'));
    expect(webp).toEqual({ images: [{ filename: 'ComfyUI_00002_.webp', subfolder: '', type: 'output' }], animated: [true] });
    const webpFile = await view(fake, (webp['images'] as FileEntry[])[0]!);
    expect(webpFile.type).toBe('image/webp');
    expect(webpFile.bytes.includes(Buffer.from('ANIM'))).toBe(true);
    // A still image: PIL opens it, so preview= answers (with the first frame only).
    expect((await view(fake, (webp['images'] as FileEntry[])[0]!, '&preview=jpeg;85')).status).toBe(200);
    const apng = await run(fake, workflowWith('SaveAnimatedPNG'));
    expect(apng['images']).toEqual([{ filename: 'ComfyUI_00003_.png', subfolder: '', type: 'output' }]);
    expect((await view(fake, (apng['images'] as FileEntry[])[0]!)).bytes.includes(Buffer.from('acTL'))).toBe(true);
  });

  it('SaveAudio, SaveAudioMP3, SaveAudioOpus under audio/, PreviewAudio in temp; types by extension', async () => {
    const fake = await startFake();
    const cases = [
      ['SaveAudio', 'flac', 'audio/flac', 'fLaC'],
      ['SaveAudioMP3', 'mp3', 'audio/mpeg', 'ID3'],
      ['SaveAudioOpus', 'opus', 'audio/ogg', 'OggS'],
    ] as const;
    for (const [i, [cls, ext, type, magic]] of cases.entries()) {
      const out = await run(fake, workflowWith(cls));
      expect(out).toEqual({ audio: [{ filename: `ComfyUI_0000${i + 1}_.${ext}`, subfolder: 'audio', type: 'output' }] });
      const file = await view(fake, (out['audio'] as FileEntry[])[0]!);
      expect([file.type, file.bytes.toString('latin1', 0, magic.length)]).toEqual([type, magic]);
      expect((await view(fake, (out['audio'] as FileEntry[])[0]!, '&preview=webp;50')).status).toBe(500);
    }
    const preview = await run(fake, workflowWith('PreviewAudio'));
    const [temp] = preview['audio'] as FileEntry[];
    expect(temp).toMatchObject({ subfolder: '', type: 'temp' });
    expect(temp!.filename).toMatch(/^ComfyUI_temp_[a-z]{5}_00001_\.flac$/);
  });

  it('PreviewAny: text of what its source computes, not of a widget', async () => {
    const fake = await startFake();
    expect(await run(fake, workflowWith('PreviewAny'))).toEqual({ text: ['hello, from the fake'] });
  });

  it('SaveGLB under 3d, SaveLatent under latents', async () => {
    const fake = await startFake();
    const glb = await run(fake, workflowWith('SaveGLB'));
    expect(glb).toEqual({ '3d': [{ filename: 'ComfyUI_00001_.glb', subfolder: 'mesh', type: 'output' }] });
    const file = await view(fake, (glb['3d'] as FileEntry[])[0]!);
    expect([file.type, file.bytes.toString('latin1', 0, 4)]).toEqual(['model/gltf-binary', 'glTF']);
    const latent = await run(fake, workflowWith('SaveLatent'));
    expect(latent).toEqual({ latents: [{ filename: 'ComfyUI_00001_.latent', subfolder: 'latents', type: 'output' }] });
    expect((await view(fake, (latent['latents'] as FileEntry[])[0]!)).type).toBe('application/octet-stream');
  });

  it('VHS_VideoCombine (with VideoHelperSuite installed): gifs entries with format and frame_rate, no trailing _', async () => {
    const fake = await startFake({ customNodes: ['VideoHelperSuite'] });
    const out = await run(fake, workflowWith('VHS_VideoCombine'));
    expect(out).toEqual({
      gifs: [
        {
          filename: 'AnimateDiff_00002.mp4',
          subfolder: '',
          type: 'output',
          format: 'video/h264-mp4',
          frame_rate: 8,
          workflow: 'AnimateDiff_00001.png',
          fullpath: '/ComfyUI/output/AnimateDiff_00002.mp4',
        },
      ],
    });
    const info = (await (await fetch(`${fake.url}/object_info/VHS_VideoCombine`)).json()) as Record<string, { output_node: boolean }>;
    expect(info['VHS_VideoCombine']?.output_node).toBe(true);
    // Without the pack the class is unknown, as on a core-only server.
    const core = await startFake();
    const res = await fetch(`${core.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: workflowWith('VHS_VideoCombine') }) });
    expect(res.status).toBe(400);
  });

  it('LoadVideo and LoadAudio: the file must exist (not be listed), SaveVideo of a LoadVideo copies it', async () => {
    const fake = await startFake();
    const clip = mediaFixture('video.webm');
    fake.putFile('clip.webm', clip, { subfolder: 'discord' });
    const prompt = {
      '1': { class_type: 'LoadVideo', inputs: { file: 'discord/clip.webm' } },
      '99': { class_type: 'SaveVideo', inputs: { video: ['1', 0], filename_prefix: 'video/copy', format: 'auto', codec: 'auto' } },
    };
    const out = await run(fake, prompt);
    const file = await view(fake, (out['images'] as FileEntry[])[0]!);
    expect(file.bytes.equals(clip)).toBe(true);
    const missing = await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({ prompt: { ...prompt, '1': { class_type: 'LoadVideo', inputs: { file: 'nope.mp4' } } } }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('file - Invalid video file: nope.mp4');
    const noAudio = await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: { '1': { class_type: 'LoadAudio', inputs: { audio: 'x.flac' } }, '99': { class_type: 'SaveAudio', inputs: { audio: ['1', 0], filename_prefix: 'a' } } },
      }),
    });
    expect(await noAudio.text()).toContain('audio - Invalid audio file: x.flac');
    // LoadVideo's list shows the video files directly in input/.
    fake.putFile('top.mp4', mediaFixture('video.mp4'));
    const info = (await (await fetch(`${fake.url}/object_info/LoadVideo`)).json()) as Record<string, { input: { required: { file: [string, { options: string[] }] } } }>;
    expect(info['LoadVideo']?.input.required.file[1].options).toEqual(['top.mp4']);
  });

  it('LoadAudio of a file that is no audio fails at run time, as PyAV does', async () => {
    const fake = await startFake();
    fake.putFile('song.mp3', Buffer.from('not really a song'), { subfolder: 'discord' });
    const res = await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: { '1': { class_type: 'LoadAudio', inputs: { audio: 'discord/song.mp3' } }, '99': { class_type: 'SaveAudio', inputs: { audio: ['1', 0], filename_prefix: 'a' } } },
      }),
    });
    const { prompt_id } = (await res.json()) as { prompt_id: string };
    const entry = await fake.waitForHistory(prompt_id);
    expect(entry.status.status_str).toBe('error');
    expect(JSON.stringify(entry.status.messages)).toContain('InvalidDataError');
  });
});
