// The CLI with videos, sound and text: watched jobs list every output with its
// kind and size, `view --out` saves any kind, `upload` takes videos and sound.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeComfy, mediaFixture } from '../fakes/comfy/index.ts';
import { workflowWith } from '../support/media-workflows.ts';
import { REPO_ROOT } from '../support/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'comfy-cli-media-'));
let fake: FakeComfy;

beforeAll(async () => {
  fake = await FakeComfy.start({ stepMs: 1, previews: false });
});
afterAll(async () => {
  await fake.stop();
});

function comfy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', COMFYUI_URL: fake.url }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
  return path;
}

describe('comfy CLI with media', () => {
  it('submit --watch on a video workflow prints the video output with its kind and size, and the text', async () => {
    const wf = file('video.json', workflowWith('SaveVideo', 'PreviewAny'));
    const r = await comfy(['submit', wf, '--watch']);
    expect(r.code, r.stderr).toBe(0);
    const size = mediaFixture('video.mp4').length;
    expect(r.stdout).toContain(`output of #99: video video/ComfyUI_00001_.mp4 (${(size / 1024).toFixed(1)} KB)  ${fake.url}/view?filename=ComfyUI_00001_.mp4&type=output&subfolder=video`);
    expect(r.stdout).toContain('output of #991: text "hello, from the fake"');
    expect(r.stdout).toMatch(/done: 2 output\(s\) \((video, text|text, video)\)/);
    expect(r.stdout.startsWith('Queued ')).toBe(true);
    // The lines come in the order of the events: outputs before done.
    expect(r.stdout.indexOf('output of #99:')).toBeLessThan(r.stdout.indexOf('done:'));
  });

  it('--json gives each output with kind and size, and the result lists them', async () => {
    const wf = workflowWith('SaveAudio');
    wf['30']!.inputs['duration'] = 2;
    const r = await comfy(['submit', file('audio.json', wf), '--watch', '--json']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const output = lines.find((l) => l['event'] === 'output');
    expect(output?.['outputs']).toEqual([
      { kind: 'audio', nodeId: '99', filename: 'ComfyUI_00001_.flac', subfolder: 'audio', type: 'output', size: mediaFixture('audio.flac').length },
    ]);
    expect(lines.at(-1)).toMatchObject({ event: 'done', status: 'success', outputs: [{ kind: 'audio' }] });
  });

  it('view --out saves a video as it is; --preview of a video is refused before asking ComfyUI', async () => {
    await comfy(['submit', file('video2.json', workflowWith('SaveVideo')), '--watch']);
    const out = join(dir, 'saved.mp4');
    const saved = await comfy(['view', 'ComfyUI_00001_.mp4', '--subfolder', 'video', '--out', out]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(readFileSync(out).equals(mediaFixture('video.mp4'))).toBe(true);
    expect(saved.stdout).toContain(`(${mediaFixture('video.mp4').length} bytes, video/mp4)`);
    const views = fake.requests.filter((q) => q.path === '/view').length;
    const refused = await comfy(['view', 'ComfyUI_00001_.mp4', '--subfolder', 'video', '--preview', 'jpeg;85', '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--preview re-encodes still images only; ComfyUI_00001_.mp4 is a video');
    expect(fake.requests.filter((q) => q.path === '/view')).toHaveLength(views);
  });

  it('upload takes a video and a sound file and says which loader input takes them', async () => {
    const clip = await comfy(['upload', file('clip.mp4', mediaFixture('video.mp4')), '--subfolder', 'cli']);
    expect(clip.stdout).toContain('Uploaded as cli/clip.mp4 (type input); use "cli/clip.mp4" as the LoadVideo file.');
    expect(fake.readFile('clip.mp4', { subfolder: 'cli', type: 'input' })?.equals(mediaFixture('video.mp4'))).toBe(true);
    const voice = await comfy(['upload', file('voice.flac', mediaFixture('audio.flac'))]);
    expect(voice.stdout).toContain('use "voice.flac" as the LoadAudio audio.');
    const mask = await comfy(['upload', file('clip2.mp4', mediaFixture('video.mp4')), '--mask', '--for', 'x.png']);
    expect(mask.code).toBe(2);
  });

  it('history shows each output with its kind', async () => {
    const r = await comfy(['submit', file('glb.json', workflowWith('SaveGLB')), '--watch', '--json']);
    const id = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { promptId: string }).promptId;
    const h = await comfy(['history', id]);
    expect(h.stdout).toContain('node 99: model3d ComfyUI_00001_.glb');
    const list = await comfy(['history']);
    expect(list.stdout).toMatch(new RegExp(`${id}  success  1 output\\(s\\) \\(model3d\\)`));
  });
});
