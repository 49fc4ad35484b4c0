// The workflows the bot ships with, checked against the recorded real server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOptions } from '../../../src/workflows/apply.ts';
import { findNode } from '../../../src/workflows/edit.ts';
import { parseManifest } from '../../../src/workflows/manifest.ts';
import { formatProblem } from '../../../src/workflows/problems.ts';
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

  it('all four load without problems', () => {
    expect(problems.map(formatProblem)).toEqual([]);
    expect(workflows.map((w) => w.name)).toEqual(['img2img', 'inpaint', 'lora', 'txt2img']);
  });

  it.each(['txt2img', 'img2img', 'inpaint', 'lora'])('%s validates against the recorded object_info', (name) => {
    const loaded = get(name);
    expect(validateAgainstObjectInfo(loaded.manifest, loaded.workflow, realObjectInfo(), loaded).map(formatProblem)).toEqual([]);
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
