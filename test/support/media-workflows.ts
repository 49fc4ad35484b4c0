// API-format workflows that end in each media output node of
// shared/comfyui-media.md §1, built on the recorded txt2img graph, for the
// fake's tests, the client's and the bot's.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiWorkflow } from '../../src/comfy/index.ts';
import { REPO_ROOT } from './recordings.ts';

type Node = ApiWorkflow[string];

/** txt2img up to the decoded images ("8"), four of them (an animation needs frames). */
export function imageGraph(frames = 4): ApiWorkflow {
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'random-sd15.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: frames } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a lighthouse', clip: ['4', 1] }, _meta: { title: 'Positive' } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] }, _meta: { title: 'Negative' } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: 1,
        steps: 2,
        cfg: 7,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
      _meta: { title: 'KSampler' },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] }, _meta: { title: 'VAE Decode' } },
  };
}

const images = ['8', 0];
const audio = ['30', 0];
const emptyAudio: Node = { class_type: 'EmptyAudio', inputs: { duration: 1, sample_rate: 44100, channels: 1 } };

/** The nodes each output node of §1 needs on top of imageGraph, the output node itself being "99". */
export const OUTPUT_NODES: Record<string, Record<string, Node>> = {
  SaveVideo: {
    '20': { class_type: 'CreateVideo', inputs: { images, fps: 8 }, _meta: { title: 'Create Video' } },
    '99': { class_type: 'SaveVideo', inputs: { video: ['20', 0], filename_prefix: 'video/ComfyUI', format: 'mp4', codec: 'h264' }, _meta: { title: 'Save Video' } },
  },
  SaveWEBM: { '99': { class_type: 'SaveWEBM', inputs: { images, filename_prefix: 'ComfyUI', codec: 'vp9', fps: 24, crf: 32 } } },
  SaveAnimatedWEBP: {
    '99': { class_type: 'SaveAnimatedWEBP', inputs: { images, filename_prefix: 'ComfyUI', fps: 6, lossless: true, quality: 80, method: 'default' } },
  },
  SaveAnimatedPNG: { '99': { class_type: 'SaveAnimatedPNG', inputs: { images, filename_prefix: 'ComfyUI', fps: 6, compress_level: 4 } } },
  SaveAudio: { '30': emptyAudio, '99': { class_type: 'SaveAudio', inputs: { audio, filename_prefix: 'audio/ComfyUI' } } },
  SaveAudioMP3: { '30': emptyAudio, '99': { class_type: 'SaveAudioMP3', inputs: { audio, filename_prefix: 'audio/ComfyUI', quality: 'V0' } } },
  SaveAudioOpus: { '30': emptyAudio, '99': { class_type: 'SaveAudioOpus', inputs: { audio, filename_prefix: 'audio/ComfyUI', quality: '128k' } } },
  PreviewAudio: { '30': emptyAudio, '99': { class_type: 'PreviewAudio', inputs: { audio } } },
  PreviewAny: {
    '40': { class_type: 'PrimitiveStringMultiline', inputs: { value: 'hello' }, _meta: { title: 'Text' } },
    '41': { class_type: 'StringConcatenate', inputs: { string_a: ['40', 0], string_b: 'from the fake', delimiter: ', ' }, _meta: { title: 'Concatenate' } },
    '99': { class_type: 'PreviewAny', inputs: { source: ['41', 0] }, _meta: { title: 'Preview as Text' } },
  },
  SaveGLB: {
    '50': { class_type: 'EmptyLatentHunyuan3Dv2', inputs: { resolution: 64, batch_size: 1 } },
    '51': { class_type: 'VAEDecodeHunyuan3D', inputs: { samples: ['50', 0], vae: ['4', 2], num_chunks: 8000, octree_resolution: 16 } },
    '52': { class_type: 'VoxelToMeshBasic', inputs: { voxel: ['51', 0], threshold: 0.6 } },
    '99': { class_type: 'SaveGLB', inputs: { mesh: ['52', 0], filename_prefix: 'mesh/ComfyUI' } },
  },
  SaveLatent: { '99': { class_type: 'SaveLatent', inputs: { samples: ['3', 0], filename_prefix: 'latents/ComfyUI' } } },
  VHS_VideoCombine: {
    '99': {
      class_type: 'VHS_VideoCombine',
      inputs: { images, frame_rate: 8, loop_count: 0, filename_prefix: 'AnimateDiff', format: 'video/h264-mp4', pingpong: false, save_output: true },
    },
  },
};

/** imageGraph with the nodes of one or more output nodes of OUTPUT_NODES (each renumbered after the first). */
export function workflowWith(...classes: string[]): ApiWorkflow {
  const wf = imageGraph();
  classes.forEach((cls, i) => {
    const nodes = OUTPUT_NODES[cls];
    if (!nodes) throw new Error(`no test nodes for ${cls}`);
    const suffix = i === 0 ? '' : `${i}`;
    const rename = (id: string) => (id === '99' || Number(id) >= 20 ? `${id}${suffix}` : id);
    for (const [id, node] of Object.entries(nodes)) {
      const inputs = Object.fromEntries(
        Object.entries(node.inputs).map(([k, v]) => [k, Array.isArray(v) && typeof v[0] === 'string' ? [rename(v[0]), v[1]] : v]),
      );
      wf[rename(id)] = { ...node, inputs };
    }
  });
  return wf;
}

/** Model files the shipped video and music workflows name, for a fake that has them. */
export const VIDEO_MODELS = {
  diffusion_models: ['wan2.2_ti2v_5B_fp16.safetensors'],
  text_encoders: ['umt5_xxl_fp8_e4m3fn_scaled.safetensors'],
  vae: ['wan2.2_vae.safetensors'],
};
export const MUSIC_CHECKPOINT = 'ace_step_v1_3.5b.safetensors';

const prompt = (node: string, input: string, maxLength = 6000) => ({
  name: 'prompt',
  description: 'What to make',
  type: 'text',
  required: true,
  maxLength,
  targets: [{ node, input }],
});

/**
 * Test workflows with their manifests, by name: an animation, a sound, a text,
 * image + video + text at once, and a video and a sound input.
 */
export const TEST_WORKFLOWS: Record<string, { workflow: ApiWorkflow; manifest: Record<string, unknown> }> = {
  anim: {
    workflow: workflowWith('SaveAnimatedWEBP'),
    manifest: { name: 'anim', options: [prompt('Positive', 'text')] },
  },
  sound: {
    workflow: { '30': emptyAudio, '99': OUTPUT_NODES['SaveAudio']!['99']!, '40': { class_type: 'PrimitiveStringMultiline', inputs: { value: '' }, _meta: { title: 'Text' } } },
    manifest: { name: 'sound', options: [prompt('Text', 'value')] },
  },
  text: {
    workflow: {
      '40': { class_type: 'PrimitiveStringMultiline', inputs: { value: 'placeholder' }, _meta: { title: 'Text' } },
      '41': { class_type: 'StringConcatenate', inputs: { string_a: ['40', 0], string_b: 'as the fake computed it', delimiter: ' — ' }, _meta: { title: 'Concatenate' } },
      '99': { class_type: 'PreviewAny', inputs: { source: ['41', 0] }, _meta: { title: 'Preview as Text' } },
    },
    manifest: { name: 'text', options: [prompt('Text', 'value')] },
  },
  mixed: {
    workflow: {
      ...workflowWith('SaveVideo', 'PreviewAny'),
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
      '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'discord' }, _meta: { title: 'Save Image' } },
    },
    manifest: { name: 'mixed', options: [prompt('Positive', 'text')] },
  },
  clip: {
    workflow: {
      '1': { class_type: 'LoadVideo', inputs: { file: 'placeholder.mp4' }, _meta: { title: 'Load Video' } },
      '99': { class_type: 'SaveVideo', inputs: { video: ['1', 0], filename_prefix: 'video/remux', format: 'auto', codec: 'auto' }, _meta: { title: 'Save Video' } },
    },
    manifest: {
      name: 'clip',
      options: [{ name: 'video', description: 'The video to copy', type: 'video', required: true, targets: [{ node: 'Load Video', input: 'file' }] }],
    },
  },
  voice: {
    workflow: {
      '1': { class_type: 'LoadAudio', inputs: { audio: 'placeholder.flac' }, _meta: { title: 'Load Audio' } },
      '99': { class_type: 'SaveAudio', inputs: { audio: ['1', 0], filename_prefix: 'audio/voice' }, _meta: { title: 'Save Audio' } },
    },
    manifest: {
      name: 'voice',
      options: [{ name: 'audio', description: 'The sound to re-encode', type: 'audio', required: true, targets: [{ node: 'Load Audio', input: 'audio' }] }],
    },
  },
};

/** A workflows folder with the named test workflows and copies of the named shipped ones. */
export function workflowsDir(test: string[], shipped: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
  for (const name of test) {
    const w = TEST_WORKFLOWS[name];
    if (!w) throw new Error(`no test workflow ${name}`);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(w.workflow));
    writeFileSync(join(dir, `${name}.manifest.json`), JSON.stringify(w.manifest));
  }
  for (const name of shipped) {
    for (const f of [`${name}.json`, `${name}.manifest.json`]) copyFileSync(join(REPO_ROOT, 'workflows', f), join(dir, f));
  }
  return dir;
}
