import { describe, expect, it } from 'vitest';
import type { ApiWorkflow } from '../../../src/comfy/index.ts';
import { setInput } from '../../../src/workflows/edit.ts';
import { Manifest } from '../../../src/workflows/manifest.ts';
import { formatProblem, type Problem } from '../../../src/workflows/problems.ts';
import { validateAgainstObjectInfo, validateAgainstWorkflow } from '../../../src/workflows/validate.ts';
import { realObjectInfo, recordedTxt2img, txt2imgManifest, withOption } from './helpers.ts';

const FILES = { manifestFile: 'workflows/t.manifest.json', workflowFile: 'workflows/t.json' };
const objectInfo = realObjectInfo();

function workflowProblems(manifest: Record<string, unknown>, workflow: ApiWorkflow = recordedTxt2img()): Problem[] {
  return validateAgainstWorkflow(Manifest.parse(manifest), workflow, FILES);
}

function serverProblems(manifest: Record<string, unknown>, workflow: ApiWorkflow = recordedTxt2img()): Problem[] {
  return validateAgainstObjectInfo(Manifest.parse(manifest), workflow, objectInfo, FILES);
}

/** Exactly one problem, in the manifest file, about `option`. */
function one(problems: Problem[], option?: string, file = FILES.manifestFile): Problem {
  expect(problems, problems.map(formatProblem).join('\n')).toHaveLength(1);
  const [p] = problems as [Problem];
  expect(p.file).toBe(file);
  expect(p.option).toBe(option);
  expect(formatProblem(p)).toContain(file);
  if (option) expect(formatProblem(p)).toContain(`option "${option}"`);
  return p;
}

describe('validateAgainstWorkflow', () => {
  it('passes a manifest that fits', () => {
    expect(workflowProblems(txt2imgManifest())).toEqual([]);
  });

  it('a target node that does not exist, listing the nodes', () => {
    const p = one(workflowProblems(withOption({ name: 'steps', type: 'integer', targets: [{ node: 'Sampler', input: 'steps' }] })), 'steps');
    expect(p.message).toContain('node "Sampler" not found');
    expect(p.message).toContain('#6 "Positive" (CLIPTextEncode)');
    expect(p.message).toContain('workflows/t.json');
  });

  it('a target title shared by two nodes', () => {
    const workflow = recordedTxt2img();
    workflow['7']!._meta = { title: 'Positive' };
    const p = one(workflowProblems(txt2imgManifest(), workflow), 'prompt');
    expect(p.message).toContain('several nodes are titled "Positive" (ids 6, 7)');
    expect(p.fix).toContain('node id');
  });

  it('a target input the node does not have', () => {
    const p = one(workflowProblems(withOption({ name: 'steps', type: 'integer', targets: [{ node: '3', input: 'step' }] })), 'steps');
    expect(p.message).toContain('#3 (KSampler) "step": the node has no input "step"');
    expect(p.message).toContain('its inputs are seed, steps, cfg');
  });

  it('a target input fed by a link', () => {
    const p = one(workflowProblems(withOption({ name: 'model', type: 'text', targets: [{ node: '3', input: 'model' }] })), 'model');
    expect(p.message).toContain('is connected to node "4"');
  });

  it('an integer option on an input holding text', () => {
    const p = one(workflowProblems(withOption({ name: 'sampler', type: 'integer', targets: [{ node: '3', input: 'sampler_name' }] })), 'sampler');
    expect(p.message).toContain('holds "euler"');
    expect(p.message).toContain('a "integer" option sets a whole number');
    expect(p.fix).toContain('"type": "text"');
  });

  it('an integer option on an input holding a fraction, and a text option on a number', () => {
    const workflow = setInput(recordedTxt2img(), '3', 'cfg', 7.5);
    expect(one(workflowProblems(withOption({ name: 'cfg', type: 'integer', targets: [{ node: '3', input: 'cfg' }] }), workflow), 'cfg').fix).toContain('"number"');
    expect(one(workflowProblems(withOption({ name: 'steps', type: 'text', targets: [{ node: '3', input: 'steps' }] })), 'steps').message).toContain('holds 12');
  });

  it('two options setting one input', () => {
    const p = one(workflowProblems(withOption({ name: 'count', type: 'integer', targets: [{ node: '3', input: 'steps' }] })), 'count');
    expect(p.message).toContain('is also set by option "steps"');
  });

  it('lets a mask and its image set the same LoadImage', () => {
    const manifest = {
      name: 'inpaint',
      options: [
        { name: 'image', type: 'image', required: true, targets: [{ node: '10', input: 'image' }] },
        { name: 'mask', type: 'mask', image: 'image', targets: [{ node: '10', input: 'image' }] },
      ],
    };
    const workflow = { ...recordedTxt2img(), 10: { class_type: 'LoadImage', inputs: { image: 'x.png' } } };
    expect(workflowProblems(manifest, workflow)).toEqual([]);
  });

  it('seeds naming a missing node, a missing input, or a link', () => {
    expect(one(workflowProblems({ ...txt2imgManifest(), seeds: ['Sampler.seed'] })).message).toContain('"seeds" entry "Sampler.seed": node "Sampler" not found');
    expect(one(workflowProblems({ ...txt2imgManifest(), seeds: ['3.noise_seed'] })).message).toContain('has no input "noise_seed"');
    expect(one(workflowProblems({ ...txt2imgManifest(), seeds: ['3.model'] })).message).toContain('not a number');
  });

  it('outputs naming a missing node', () => {
    const p = one(workflowProblems({ ...txt2imgManifest(), outputs: ['Save Image'] }));
    expect(p.message).toContain('"outputs" entry node "Save Image" not found');
  });
});

describe('validateAgainstObjectInfo', () => {
  it('passes a manifest that fits the recorded server', () => {
    expect(serverProblems(txt2imgManifest())).toEqual([]);
  });

  it('a node class the server does not have, in the workflow file', () => {
    const workflow = { ...recordedTxt2img(), 12: { class_type: 'FaceDetailer', inputs: {} } };
    const p = one(serverProblems(txt2imgManifest(), workflow), undefined, FILES.workflowFile);
    expect(p.message).toContain('#12 (FaceDetailer) uses the node class "FaceDetailer"');
    expect(p.fix).toContain('custom nodes');
  });

  it('a target input the server\'s class does not have', () => {
    const workflow = setInput(recordedTxt2img(), '3', 'steps', 12);
    workflow['3']!.inputs['eta'] = 0.5;
    const p = one(serverProblems(withOption({ name: 'eta', type: 'number', targets: [{ node: '3', input: 'eta' }] }), workflow), 'eta');
    expect(p.message).toContain("the server's KSampler has no input \"eta\"; it has model, seed, steps");
  });

  it('a number option on an INT input', () => {
    const p = one(serverProblems(withOption({ name: 'steps', type: 'number', targets: [{ node: '3', input: 'steps' }] })), 'steps');
    expect(p.message).toContain('is a INT input on the server, which a "number" option cannot set');
    expect(p.fix).toContain('"integer"');
  });

  it('a text option on a COMBO input', () => {
    const p = one(serverProblems(withOption({ name: 'sampler', type: 'text', targets: [{ node: '3', input: 'sampler_name' }] })), 'sampler');
    expect(p.message).toContain('is a COMBO input');
    expect(p.fix).toContain('"choice"');
  });

  it('a default and bounds outside what the server accepts', () => {
    const problems = serverProblems(withOption({ name: 'steps', type: 'integer', default: 20, min: 0, max: 20_000, targets: [{ node: '3', input: 'steps' }] }));
    expect(problems.map((p) => p.message)).toEqual([
      '"min" 0 is outside what the server accepts for target #3 (KSampler) "steps" (1–10000)',
      '"max" 20000 is outside what the server accepts for target #3 (KSampler) "steps" (1–10000)',
    ]);
    expect(problems.every((p) => p.option === 'steps')).toBe(true);
    const p = one(serverProblems(withOption({ name: 'steps', type: 'integer', default: 0, targets: [{ node: '3', input: 'steps' }] })), 'steps');
    expect(p.message).toContain('"default" 0 is outside');
  });

  it('fixed choice values the combo does not list', () => {
    const option = { name: 'sampler', type: 'choice', choices: { from: 'list', values: ['euler', 'turbo_magic'] }, targets: [{ node: '3', input: 'sampler_name' }] };
    const p = one(serverProblems(withOption(option)), 'sampler');
    expect(p.message).toContain('values "turbo_magic" are not allowed by target #3 (KSampler) "sampler_name"');
    expect(p.fix).toContain('"euler"');
  });

  it('a models choice whose default the server does not have', () => {
    const option = { name: 'checkpoint', type: 'choice', choices: { from: 'models', folder: 'checkpoints' }, default: 'sd_xl_base_1.0.safetensors', targets: [{ node: '4', input: 'ckpt_name' }] };
    const p = one(serverProblems(withOption(option)), 'checkpoint');
    expect(p.message).toContain('"default" "sd_xl_base_1.0.safetensors" is not available');
    expect(p.fix).toContain('Remove "default"');
  });

  it('a node_input choice naming an unknown class, an unknown input, or no combo', () => {
    const option = (node: string, input: string) =>
      withOption({ name: 'sampler', type: 'choice', choices: { from: 'node_input', node, input }, targets: [{ node: '3', input: 'sampler_name' }] });
    expect(one(serverProblems(option('Positive', 'sampler_name')), 'sampler').message).toContain('the server has no node class "Positive"');
    expect(one(serverProblems(option('KSampler', 'sampler')), 'sampler').message).toContain('KSampler has no input "sampler"');
    expect(one(serverProblems(option('KSampler', 'steps')), 'sampler').message).toContain('which is a INT input, not a list of choices');
  });

  it('a seeds entry that is not a whole-number input', () => {
    expect(one(serverProblems({ ...txt2imgManifest(), seeds: ['3.cfg'] })).message).toContain('"seeds" entry "3.cfg" is a FLOAT input');
  });

  it('an outputs entry that is not an output node', () => {
    expect(one(serverProblems({ ...txt2imgManifest(), outputs: ['8'] })).message).toContain('#8 (VAEDecode), which is not an output node');
  });

  it('a value the workflow fixes in a list input that the server does not list (ComfyUI would refuse every job)', () => {
    const workflow = setInput(recordedTxt2img(), '3', 'sampler_name', 'turbo_magic');
    const p = one(serverProblems(txt2imgManifest(), workflow), undefined, FILES.workflowFile);
    expect(p.message).toContain('#3 (KSampler) "sampler_name" is "turbo_magic", which this ComfyUI server does not offer');
    expect(p.model).toBeUndefined();
    // Set by an option, it is the option's business (and the user's pick).
    const option = { name: 'sampler', type: 'choice', choices: { from: 'node_input', node: 'KSampler', input: 'sampler_name' }, targets: [{ node: '3', input: 'sampler_name' }] };
    expect(serverProblems(withOption(option), workflow)).toEqual([]);
  });

  it('a model file the workflow fixes and the server lacks is marked as a model', () => {
    const workflow = setInput(recordedTxt2img(), '4', 'ckpt_name', 'wan2.2_ti2v_5B_fp16.safetensors');
    const p = one(serverProblems(txt2imgManifest(), workflow), undefined, FILES.workflowFile);
    expect(p.model).toBe('wan2.2_ti2v_5B_fp16.safetensors');
    expect(p.fix).toContain('ComfyUI/models/checkpoints');
  });

  it('video and audio options set LoadVideo.file and LoadAudio.audio, whose lists ComfyUI does not check', () => {
    const workflow: ApiWorkflow = {
      ...recordedTxt2img(),
      '20': { class_type: 'LoadVideo', inputs: { file: 'placeholder.mp4' } },
      '21': { class_type: 'LoadAudio', inputs: { audio: 'placeholder.flac' } },
    };
    const manifest = {
      ...txt2imgManifest(),
      options: [
        ...(txt2imgManifest()['options'] as unknown[]),
        { name: 'clip', type: 'video', targets: [{ node: '20', input: 'file' }] },
        { name: 'voice', type: 'audio', targets: [{ node: '21', input: 'audio' }] },
      ],
    };
    expect(workflowProblems(manifest, workflow)).toEqual([]);
    expect(serverProblems(manifest, workflow)).toEqual([]);
    const p = one(serverProblems(withOption({ name: 'clip', type: 'video', targets: [{ node: '3', input: 'steps' }] }), { ...workflow, '3': { ...workflow['3']!, inputs: { ...workflow['3']!.inputs, steps: 'x' } } }), 'clip');
    expect(p.message).toContain('is a INT input on the server, which a "video" option cannot set');
  });
});
