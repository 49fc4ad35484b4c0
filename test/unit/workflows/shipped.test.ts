// The workflows the bot ships with, checked against the recorded real server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOptions } from '../../../src/workflows/apply.ts';
import { findNode } from '../../../src/workflows/edit.ts';
import { parseManifest } from '../../../src/workflows/manifest.ts';
import { formatProblem } from '../../../src/workflows/problems.ts';
import { fixedModelNeeds } from '../../../src/workflows/model-files.ts';
import { loadWorkflows } from '../../../src/workflows/registry.ts';
import { validateAgainstObjectInfo, validateAgainstWorkflow } from '../../../src/workflows/validate.ts';
import { REPO_ROOT } from '../../support/recordings.ts';
import { realObjectInfo } from './helpers.ts';

const SHIPPED = join(REPO_ROOT, 'workflows');
const upload = (name: string) => ({ name, subfolder: 'discord', type: 'input' as const });

describe('shipped workflows', async () => {
  const { workflows, problems } = await loadWorkflows(SHIPPED);
  const byName = new Map(workflows.map((w) => [w.name, w]));
  const get = (name: string) => {
    const loaded = byName.get(name);
    if (!loaded) throw new Error(`${name} did not load`);
    return loaded;
  };

  it('all seven load without problems', () => {
    expect(problems.map(formatProblem)).toEqual([]);
    expect(workflows.map((w) => w.name)).toEqual(['img2img', 'img2vid', 'inpaint', 'lora', 'txt2img', 'txt2music', 'txt2vid']);
  });

  // The recorded server has one SD1.5 checkpoint and no video or music model: those are
  // set aside (a server without them skips the workflow at start); everything else must fit.
  it.each(['txt2img', 'img2img', 'inpaint', 'lora', 'img2vid', 'txt2vid', 'txt2music'])(
    '%s validates against the recorded object_info (model names aside)',
    (name) => {
      const loaded = get(name);
      const found = validateAgainstObjectInfo(loaded.manifest, loaded.workflow, realObjectInfo(), loaded);
      expect(found.filter((p) => p.model === undefined).map(formatProblem)).toEqual([]);
    },
  );

  it('the video and music workflows name their model files, and only those are missing from the recorded server', () => {
    const missing = (name: string) => {
      const loaded = get(name);
      return validateAgainstObjectInfo(loaded.manifest, loaded.workflow, realObjectInfo(), loaded).flatMap((p) => (p.model ? [p.model] : []));
    };
    const wan = ['wan2.2_ti2v_5B_fp16.safetensors', 'umt5_xxl_fp8_e4m3fn_scaled.safetensors', 'wan2.2_vae.safetensors'];
    expect(missing('txt2vid')).toEqual(wan);
    expect(missing('img2vid')).toEqual(wan);
    expect(missing('txt2music')).toEqual(['ace_step_v1_3.5b.safetensors']);
    // Jobs go only to servers that have them.
    expect(fixedModelNeeds(get('txt2vid').workflow, get('txt2vid').manifest)).toEqual([
      { folder: 'diffusion_models', name: 'wan2.2_ti2v_5B_fp16.safetensors' },
      { folder: 'text_encoders', name: 'umt5_xxl_fp8_e4m3fn_scaled.safetensors' },
      { folder: 'vae', name: 'wan2.2_vae.safetensors' },
    ]);
    expect(fixedModelNeeds(get('txt2img').workflow, get('txt2img').manifest)).toEqual([]);
  });

  it.each(['img2vid', 'txt2vid'])('%s saves an H.264 mp4 from CreateVideo, with frames, fps and size as options', (name) => {
    const { manifest, workflow } = get(name);
    expect(manifest.outputs).toEqual(['Save Video']);
    const save = findNode(workflow, 'Save Video').node;
    expect(save).toMatchObject({ class_type: 'SaveVideo', inputs: { format: 'mp4', codec: 'h264' } });
    expect(workflow[(save.inputs['video'] as [string, number])[0]]?.class_type).toBe('CreateVideo');
    const option = (n: string) => manifest.options.find((o) => o.name === n);
    expect(option('frames')).toMatchObject({ type: 'integer', min: 5, max: 121 });
    expect(option('fps')).toMatchObject({ type: 'integer', min: 8, max: 30 });
    for (const side of ['width', 'height']) expect(option(side)).toMatchObject({ type: 'integer', multipleOf: 32, min: 320, max: 1280 });
    const { workflow: applied } = applyOptions(get(name), { prompt: 'waves', frames: 49, fps: 16, width: 832, height: 480 }, { uploads: { image: upload('cat.png') } });
    expect(findNode(applied, 'Video Latent').node.inputs).toMatchObject({ length: 49, width: 832, height: 480 });
    expect(findNode(applied, 'Create Video').node.inputs['fps']).toBe(16);
    expect(() => applyOptions(get(name), { prompt: 'x', width: 810 }, { uploads: { image: upload('cat.png') } })).toThrow(/multiple_of/);
  });

  it('img2vid starts the video from the uploaded image', () => {
    const loaded = get('img2vid');
    expect(findNode(loaded.workflow, 'Video Latent').node.inputs['start_image']).toEqual([findNode(loaded.workflow, 'Load Image').id, 0]);
    const { workflow } = applyOptions(loaded, { prompt: 'x' }, { uploads: { image: upload('cat.png') } });
    expect(findNode(workflow, 'Load Image').node.inputs['image']).toBe('discord/cat.png');
    expect(() => applyOptions(loaded, { prompt: 'x' })).toThrow(/image_required/);
  });

  it('txt2music (ACE-Step) sets tags, lyrics and length and saves audio', () => {
    const loaded = get('txt2music');
    expect(loaded.manifest.outputs).toEqual(['Save Audio']);
    expect(findNode(loaded.workflow, 'Save Audio').node.class_type).toBe('SaveAudioMP3');
    const { workflow } = applyOptions(loaded, { prompt: 'synthwave, 80s', lyrics: '[verse]\nneon nights', seconds: 20 });
    expect(findNode(workflow, 'Song').node.inputs).toMatchObject({ tags: 'synthwave, 80s', lyrics: '[verse]\nneon nights' });
    expect(findNode(workflow, 'Length').node.inputs['seconds']).toBe(20);
  });

  it.each(['txt2img', 'img2img', 'inpaint', 'lora'])('%s offers the common options and saves with prefix "discord"', (name) => {
    const { manifest, workflow } = get(name);
    const names = manifest.options.map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(['prompt', 'negative', 'seed', 'steps', 'cfg', 'checkpoint', 'sampler']));
    expect(manifest.outputs).toEqual(['Save Image']);
    expect(findNode(workflow, 'Save Image').node.inputs['filename_prefix']).toBe('discord');
    const checkpoint = manifest.options.find((o) => o.name === 'checkpoint');
    expect(checkpoint).toMatchObject({ type: 'choice', choices: { from: 'models', folder: 'checkpoints' } });
    // No default: the checkpoint comes from the user's pick or the workflow, never a name fixed in the manifest.
    expect(checkpoint && 'default' in checkpoint ? checkpoint.default : undefined).toBeUndefined();
  });

  it('txt2img and lora take width and height in multiples of 8', () => {
    for (const name of ['txt2img', 'lora']) {
      for (const side of ['width', 'height']) {
        expect(get(name).manifest.options.find((o) => o.name === side)).toMatchObject({ type: 'integer', multipleOf: 8 });
      }
    }
  });

  it('txt2img fills prompt, size, checkpoint and a random seed', () => {
    const { workflow, seeds } = applyOptions(get('txt2img'), {
      prompt: 'a red fox',
      width: 768,
      checkpoint: 'random-sd15.safetensors',
      sampler: 'dpmpp_2m',
    });
    expect(findNode(workflow, 'Positive').node.inputs['text']).toBe('a red fox');
    expect(findNode(workflow, 'Empty Latent Image').node.inputs['width']).toBe(768);
    expect(findNode(workflow, 'Load Checkpoint').node.inputs['ckpt_name']).toBe('random-sd15.safetensors');
    expect(findNode(workflow, 'KSampler').node.inputs['sampler_name']).toBe('dpmpp_2m');
    expect(Number.isSafeInteger(seeds['KSampler.seed'])).toBe(true);
  });

  it('img2img loads the uploaded image and takes a denoise', () => {
    const { workflow } = applyOptions(get('img2img'), { prompt: 'x', denoise: 0.4 }, { uploads: { image: upload('cat.png') } });
    expect(findNode(workflow, 'Load Image').node.inputs['image']).toBe('discord/cat.png');
    expect(findNode(workflow, 'KSampler').node.inputs['denoise']).toBe(0.4);
  });

  it('inpaint feeds the LoadImage mask to VAEEncodeForInpaint and uses the mask upload', () => {
    const loaded = get('inpaint');
    const encode = findNode(loaded.workflow, 'VAE Encode (for Inpainting)').node;
    expect(encode.inputs['mask']).toEqual([findNode(loaded.workflow, 'Load Image').id, 1]);
    const { workflow } = applyOptions(loaded, { prompt: 'x' }, { uploads: { image: upload('room.png'), mask: upload('room-mask.png') } });
    expect(findNode(workflow, 'Load Image').node.inputs['image']).toBe('discord/room-mask.png');
  });

  it('lora sets the LoRA and its strength on model and clip', () => {
    const { workflow } = applyOptions(get('lora'), { prompt: 'x', lora: 'detail-tweaker.safetensors', strength: 0.7 });
    expect(findNode(workflow, 'Load LoRA').node.inputs).toMatchObject({ lora_name: 'detail-tweaker.safetensors', strength_model: 0.7, strength_clip: 0.7 });
    expect(() => applyOptions(get('lora'), { prompt: 'x' })).toThrow('lora: required');
  });

  it('the example manifest in workflows/README.md is valid for the shipped txt2img', () => {
    const readme = readFileSync(join(SHIPPED, 'README.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const manifest = parseManifest(example!, 'README.md');
    const { workflow } = get('txt2img');
    expect(validateAgainstWorkflow(manifest, workflow)).toEqual([]);
    expect(validateAgainstObjectInfo(manifest, workflow, realObjectInfo())).toEqual([]);
  });
});
