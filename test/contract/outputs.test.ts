// Every output dict shape ComfyUI 0.8.0's source gives (shared/comfyui-media.md
// §1), and every one the recordings hold, read into typed outputs: kind by
// extension, every key with file entries walked, texts their own outputs.
import { describe, expect, it } from 'vitest';
import { ExecutedData, History, isStillImage, kindOf, mediaTypeOf, outputsOf, outputsOfAll, type Output } from '../../src/comfy/index.ts';
import { FinalResult } from '../../src/jobs/result.ts';
import { recordedExchanges, recordedFrames } from '../support/recordings.ts';

const f = (filename: string, subfolder = '', type = 'output') => ({ filename, subfolder, type });
const kinds = (outputs: Output[]) => outputs.map((o) => (o.kind === 'text' ? `text:${o.text}` : `${o.kind}:${o.filename}`));

/** §1, row by row: the wire form of each node's `output` dict, and what the client must make of it. */
const SHAPES: Array<[string, Record<string, unknown>, string[]]> = [
  ['SaveImage', { images: [f('ComfyUI_00001_.png'), f('ComfyUI_00002_.png')] }, ['image:ComfyUI_00001_.png', 'image:ComfyUI_00002_.png']],
  ['PreviewImage (no animated key)', { images: [f('ComfyUI_temp_abcde_00001_.png', '', 'temp')] }, ['image:ComfyUI_temp_abcde_00001_.png']],
  ['MaskPreview (V3, animated [false])', { images: [f('ComfyUI_temp_abcde_00001_.png', '', 'temp')], animated: [false] }, ['image:ComfyUI_temp_abcde_00001_.png']],
  ['SaveAnimatedWEBP, one frame', { images: [f('ComfyUI_00001_.webp')] }, ['image:ComfyUI_00001_.webp']],
  ['SaveAnimatedWEBP, a batch', { images: [f('ComfyUI_00001_.webp')], animated: [true] }, ['animation:ComfyUI_00001_.webp']],
  ['SaveAnimatedPNG (APNG shows as a still)', { images: [f('ComfyUI_00001_.png')], animated: [true] }, ['image:ComfyUI_00001_.png']],
  ['SaveWEBM', { images: [f('ComfyUI_00001_.webm')], animated: [true] }, ['video:ComfyUI_00001_.webm']],
  ['SaveVideo', { images: [f('ComfyUI_00001_.mp4', 'video')], animated: [true] }, ['video:ComfyUI_00001_.mp4']],
  ['SaveAudio', { audio: [f('ComfyUI_00001_.flac', 'audio'), f('ComfyUI_00002_.flac', 'audio')] }, ['audio:ComfyUI_00001_.flac', 'audio:ComfyUI_00002_.flac']],
  ['SaveAudioMP3', { audio: [f('ComfyUI_00001_.mp3', 'audio')] }, ['audio:ComfyUI_00001_.mp3']],
  ['SaveAudioOpus', { audio: [f('ComfyUI_00001_.opus', 'audio')] }, ['audio:ComfyUI_00001_.opus']],
  ['PreviewAudio', { audio: [f('ComfyUI_temp_abcde_00001_.flac', '', 'temp')] }, ['audio:ComfyUI_temp_abcde_00001_.flac']],
  ['[newer] SaveAudioAdvanced (no trailing _)', { audio: [f('ComfyUI_00001.opus', 'audio')] }, ['audio:ComfyUI_00001.opus']],
  ['PreviewAny', { text: ['{\n    "a": 1\n}'] }, ['text:{\n    "a": 1\n}']],
  ['V3 UI.PreviewText', { text: ['width: 512, height: 512\n batch size: 1'] }, ['text:width: 512, height: 512\n batch size: 1']],
  ['SaveGLB', { '3d': [f('ComfyUI_00001_.glb', 'mesh')] }, ['model3d:ComfyUI_00001_.glb']],
  ['Preview3D (a path, no file entry)', { result: ['3d/x.glb', null, null] }, []],
  ['[newer] PreviewUI3DAdvanced', { result: ['3d/x.glb [output]', null, null], '3d': [f('x.glb', '3d')] }, ['model3d:x.glb']],
  ['SaveLatent', { latents: [f('ComfyUI_00001_.latent', 'latents')] }, ['file:ComfyUI_00001_.latent']],
  ['SaveSVGNode (an SVG under images)', { images: [f('ComfyUI_00001_.svg', 'svg')] }, ['file:ComfyUI_00001_.svg']],
  [
    'VHS_VideoCombine, mp4',
    {
      gifs: [
        {
          filename: 'AnimateDiff_00001.mp4',
          subfolder: '',
          type: 'output',
          format: 'video/h264-mp4',
          frame_rate: 8.0,
          workflow: 'AnimateDiff_00001.png',
          fullpath: '/ComfyUI/output/AnimateDiff_00001.mp4',
        },
      ],
    },
    ['video:AnimateDiff_00001.mp4'],
  ],
  ['VHS_VideoCombine, gif', { gifs: [{ filename: 'AnimateDiff_00001.gif', subfolder: '', type: 'temp', format: 'image/gif', frame_rate: 8 }] }, ['animation:AnimateDiff_00001.gif']],
  ['VHS_VideoCombine, webp', { gifs: [{ filename: 'AnimateDiff_00001.webp', subfolder: '', type: 'output', format: 'image/webp', frame_rate: 8 }] }, ['animation:AnimateDiff_00001.webp']],
  ['VHS, unfinished meta batch', { unfinished_batch: [true] }, []],
  ['a custom node with its own key', { videos: [f('clip_00001.mov', 'custom')], labels: ['not files'] }, ['video:clip_00001.mov']],
  ['an empty dict (a cached node sent output: null)', {}, []],
];

describe('output dicts of every media node (comfyui-media.md §1)', () => {
  it.each(SHAPES)('%s', (_name, output, expected) => {
    const outputs = outputsOf('9', output);
    expect(kinds(outputs)).toEqual(expected);
    for (const o of outputs) expect(o.nodeId).toBe('9');
  });

  it('keeps subfolder, type and the VideoHelperSuite fields, drops the server path', () => {
    const [vhs] = outputsOf('12', SHAPES.find(([n]) => n === 'VHS_VideoCombine, mp4')![1]);
    expect(vhs).toEqual({ kind: 'video', nodeId: '12', filename: 'AnimateDiff_00001.mp4', subfolder: '', type: 'output', format: 'video/h264-mp4', frameRate: 8 });
    const [audio] = outputsOf('3', { audio: [f('a_00001_.flac', 'audio', 'temp')] });
    expect(audio).toMatchObject({ subfolder: 'audio', type: 'temp' });
  });

  it('arrive the same in `executed` and in history (the same dict), files before texts of a node', () => {
    const executed = ExecutedData.parse({ node: '9', output: { text: ['hi'], images: [f('a_00001_.mp4', 'video')], animated: [true] }, prompt_id: 'p' });
    expect(kinds(outputsOf(executed.node, executed.output))).toEqual(['video:a_00001_.mp4', 'text:hi']);
    const cached = ExecutedData.parse({ node: '9', output: null, prompt_id: 'p' });
    expect(outputsOf(cached.node, cached.output)).toEqual([]);
  });

  it('classify by extension, never by key or case', () => {
    expect(kindOf('x.MP4')).toBe('video');
    expect(kindOf('x.mov')).toBe('video');
    expect(kindOf('x.m4a')).toBe('audio');
    expect(kindOf('x.wav')).toBe('audio');
    expect(kindOf('x.ogg')).toBe('audio');
    expect(kindOf('x.gif')).toBe('image');
    expect(kindOf('x.gif', true)).toBe('animation');
    expect(kindOf('x.obj')).toBe('model3d');
    expect(kindOf('noext')).toBe('file');
    expect(isStillImage('a.webp')).toBe(true);
    expect(isStillImage('a.mp4')).toBe(false);
    expect(mediaTypeOf('a.flac')).toBe('audio/flac');
    expect(mediaTypeOf('a.opus')).toBe('audio/ogg');
  });
});

describe('the recordings', () => {
  it('every history entry of the real server reads as still images', () => {
    const seen: string[] = [];
    for (const file of ['http.json', 'http2.json'] as const) {
      for (const e of recordedExchanges(file)) {
        if (e.method !== 'GET' || !e.path.includes('/history') || e.status !== 200 || typeof e.body !== 'object') continue;
        for (const entry of Object.values(History.parse(e.body))) {
          for (const o of outputsOfAll(entry.outputs)) {
            expect(o.kind).toBe('image');
            seen.push(o.kind);
          }
        }
      }
    }
    expect(seen.length).toBeGreaterThan(3);
  });

  it('every recorded executed message reads as its images', () => {
    let n = 0;
    for (const frame of recordedFrames('ws_main.jsonl')) {
      if (frame.msg?.type !== 'executed') continue;
      const data = ExecutedData.parse(frame.msg.data);
      const raw = (frame.msg.data as { output: { images?: unknown[] } | null }).output;
      expect(outputsOf(data.node, data.output)).toHaveLength(raw?.images?.length ?? 0);
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });
});

describe('stored results', () => {
  it('read rows written before outputs had kinds (images) as outputs', () => {
    const old = {
      kind: 'success',
      images: [{ filename: 'a_00001_.png', subfolder: '', type: 'output', nodeId: '9' }],
      server: 'http://s',
      seeds: {},
      cached: false,
      durationMs: 1,
    };
    expect(FinalResult.parse(old)).toEqual({
      kind: 'success',
      outputs: [{ kind: 'image', filename: 'a_00001_.png', subfolder: '', type: 'output', nodeId: '9' }],
      server: 'http://s',
      seeds: {},
      cached: false,
      durationMs: 1,
    });
    // A refusal recorded with only its message.
    expect(FinalResult.parse({ kind: 'error', message: 'no' })).toEqual({ kind: 'error', nodeId: null, nodeType: null, exceptionType: 'Error', message: 'no' });
  });
});
