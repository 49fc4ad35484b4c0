import { describe, expect, it } from 'vitest';
import {
  findNode,
  imageInputValue,
  MAX_SEED,
  NodeRefError,
  parseSetArgument,
  randomiseSeeds,
  replaceStrings,
  setInput,
  useImage,
} from '../../../src/workflows/edit.ts';
import { ApiWorkflow } from '../../../src/comfy/index.ts';
import { recordedWorkflow } from '../../support/recordings.ts';
import { recordedTxt2img } from './helpers.ts';

describe('findNode', () => {
  it('finds a node by id', () => {
    expect(findNode(recordedTxt2img(), '3').node.class_type).toBe('KSampler');
  });

  it('finds a node by exact title', () => {
    expect(findNode(recordedTxt2img(), 'Negative').id).toBe('7');
    expect(() => findNode(recordedTxt2img(), 'negative')).toThrow(NodeRefError);
  });

  it('lists the ids and titles when nothing matches', () => {
    const message = (() => {
      try {
        findNode(recordedTxt2img(), 'Prompt');
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toContain('no node has the id or title "Prompt"');
    expect(message).toContain('#6 "Positive" (CLIPTextEncode)');
    expect(message).toContain('#3 (KSampler)');
  });

  it('refuses a title two nodes share, naming their ids', () => {
    const workflow = recordedTxt2img();
    workflow['7']!._meta = { title: 'Positive' };
    expect(() => findNode(workflow, 'Positive')).toThrow(/several nodes are titled "Positive" \(ids 6, 7\)/);
  });

  it('does not mistake object prototype names for ids', () => {
    expect(() => findNode(recordedTxt2img(), 'constructor')).toThrow(NodeRefError);
  });
});

describe('setInput', () => {
  it('returns a changed copy and leaves the original alone', () => {
    const original = recordedTxt2img();
    const changed = setInput(original, 'Positive', 'text', 'a fox');
    expect(changed['6']?.inputs['text']).toBe('a fox');
    expect(original['6']?.inputs['text']).toBe('a lighthouse at dusk');
  });

  it('keeps any string byte for byte through JSON', () => {
    const tricky = 'say "hi"\\n\n\ttab \\" \u0000 end 🦊 </script> ${x} {{y}}';
    const changed = setInput(recordedTxt2img(), '6', 'text', tricky);
    const sent = JSON.parse(JSON.stringify({ prompt: changed })) as { prompt: ApiWorkflow };
    expect(sent.prompt['6']?.inputs['text']).toBe(tricky);
  });

  it('refuses an input the node does not have, listing the ones it has', () => {
    expect(() => setInput(recordedTxt2img(), '3', 'stepz', 30)).toThrow(/#3 \(KSampler\) has no input "stepz"; its inputs are seed, steps/);
  });
});

describe('parseSetArgument', () => {
  it.each([
    ['KSampler.steps=30', 'KSampler', 'steps', 30],
    ['3.cfg=7.5', '3', 'cfg', 7.5],
    ['KSampler.sampler_name=euler', 'KSampler', 'sampler_name', 'euler'],
    ['Positive.text="quoted"', 'Positive', 'text', 'quoted'],
    ['Positive.text=a red fox, 4k', 'Positive', 'text', 'a red fox, 4k'],
    ['Positive.text=', 'Positive', 'text', ''],
    ['Positive.text=a=b', 'Positive', 'text', 'a=b'],
    ['Node.flag=true', 'Node', 'flag', true],
    ['Node.list=[1,"a"]', 'Node', 'list', [1, 'a']],
    ['Upscale x1.5.scale_by=1.5', 'Upscale x1.5', 'scale_by', 1.5],
    ['My Sampler v2.0.seed=1', 'My Sampler v2.0', 'seed', 1],
  ])('%s', (arg, node, input, value) => {
    expect(parseSetArgument(arg)).toEqual({ node, input, value });
  });

  it.each(['KSampler.steps', 'steps=30', '.steps=30', 'KSampler.=30'])('refuses %s with an example', (arg) => {
    expect(() => parseSetArgument(arg)).toThrow(/e\.g\. --set KSampler\.steps=30/);
  });
});

describe('replaceStrings', () => {
  it('replaces in every string input, once, and leaves numbers and links', () => {
    const workflow = setInput(recordedTxt2img(), '7', 'text', '{{neg}} and {{prompt}}');
    const out = replaceStrings(setInput(workflow, '6', 'text', '{{prompt}}'), { '{{prompt}}': 'a {{neg}} cat', '{{neg}}': 'dull' });
    expect(out['6']?.inputs['text']).toBe('a {{neg}} cat');
    expect(out['7']?.inputs['text']).toBe('dull and a {{neg}} cat');
    expect(out['3']?.inputs['steps']).toBe(12);
    expect(out['6']?.inputs['clip']).toEqual(['4', 1]);
  });
});

describe('randomiseSeeds', () => {
  it('gives every numeric seed and noise_seed a random safe integer and reports it', () => {
    const workflow = ApiWorkflow.parse({
      ...recordedWorkflow('txt2img'),
      20: { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 1 } },
      21: { class_type: 'KSampler', inputs: { seed: ['22', 0] } },
    });
    const { workflow: out, seeds } = randomiseSeeds(workflow, () => 0.999_999_999_999_999_9);
    expect(Object.keys(seeds).sort()).toEqual(['20', '3']);
    for (const seed of Object.values(seeds)) {
      expect(Number.isSafeInteger(seed)).toBe(true);
      expect(seed).toBeLessThanOrEqual(MAX_SEED);
    }
    expect(out['3']?.inputs['seed']).toBe(seeds['3']);
    expect(out['21']?.inputs['seed']).toEqual(['22', 0]);
    expect(workflow['3']?.inputs['seed']).toBe(42);
  });

  it('covers the whole range from 0 to 2^53 - 1', () => {
    expect(randomiseSeeds(recordedTxt2img(), () => 0).seeds['3']).toBe(0);
    const top = 1 - Number.EPSILON / 2;
    expect(randomiseSeeds(recordedTxt2img(), () => top).seeds['3']).toBe(MAX_SEED);
  });
});

describe('useImage', () => {
  const img2img = () => ApiWorkflow.parse(recordedWorkflow('img2img'));

  it('uses the uploaded name', () => {
    expect(useImage(img2img(), '10', { name: 'cat (1).png', subfolder: '', type: 'input' })['10']?.inputs['image']).toBe('cat (1).png');
  });

  it('prefixes the subfolder', () => {
    expect(useImage(img2img(), '10', { name: 'dog.png', subfolder: 'discord/123', type: 'input' })['10']?.inputs['image']).toBe(
      'discord/123/dog.png',
    );
  });

  it('annotates a file from the output folder the way LoadImage reads it', () => {
    expect(imageInputValue({ name: 'bot_00001_.png', subfolder: '', type: 'output' })).toBe('bot_00001_.png [output]');
  });
});

describe('findNode without titles', () => {
  it('falls back to the class name when the export has no titles and the class is unique', async () => {
    const { findNode } = await import('../../../src/workflows/edit.ts');
    const wf = {
      '3': { class_type: 'KSampler', inputs: { seed: 1 } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a' } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'b' } },
    };
    expect(findNode(wf, 'KSampler').id).toBe('3');
    expect(() => findNode(wf, 'CLIPTextEncode')).toThrow(/ids 6, 7/);
  });
});
