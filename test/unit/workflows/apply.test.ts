import { describe, expect, it } from 'vitest';
import { ApiWorkflow } from '../../../src/comfy/index.ts';
import { applyOptions, OptionValueError } from '../../../src/workflows/apply.ts';
import { translator } from '../../../src/discord/i18n/index.ts';
import { optionProblemText } from '../../../src/discord/reply.ts';
import { recordedWorkflow } from '../../support/recordings.ts';
import { loadedFrom, recordedTxt2img, txt2imgManifest, withOption } from './helpers.ts';

const txt2img = () => loadedFrom(txt2imgManifest());

function valueErrors(values: Record<string, unknown>, loaded = txt2img(), uploads = {}): string[] {
  try {
    applyOptions(loaded, values, { uploads });
  } catch (err) {
    expect(err).toBeInstanceOf(OptionValueError);
    // The problems are codes and data; read them as an English-speaking user would.
    return (err as OptionValueError).problems.map((p) => optionProblemText(p, translator('en-US')));
  }
  throw new Error('expected an OptionValueError');
}

describe('applyOptions: values', () => {
  it('sets every target and leaves the loaded workflow untouched', () => {
    const loaded = txt2img();
    const { workflow, params } = applyOptions(loaded, { prompt: 'a fox', steps: 30, width: 768 });
    expect(workflow['6']?.inputs['text']).toBe('a fox');
    expect(workflow['3']?.inputs['steps']).toBe(30);
    expect(workflow['5']?.inputs['width']).toBe(768);
    expect(loaded.workflow).toEqual(recordedTxt2img());
    expect(params).toMatchObject({ prompt: 'a fox', steps: 30, width: 768 });
  });

  it('delivers a prompt with quotes, backslashes and newlines byte for byte', () => {
    const prompt = 'a "quoted" \\ backslash\nnew line\r\n\ttab, emoji 🦊, json {"a": [1]}, \\u0041';
    const { workflow } = applyOptions(txt2img(), { prompt });
    const body = JSON.parse(JSON.stringify({ prompt: workflow })) as { prompt: ApiWorkflow };
    expect(body.prompt['6']?.inputs['text']).toBe(prompt);
  });

  it('uses defaults, and records the workflow\'s own value for options nobody set', () => {
    const { workflow, params } = applyOptions(txt2img(), { prompt: 'x' });
    expect(workflow['3']?.inputs['steps']).toBe(20);
    expect(params['steps']).toBe(20);
    expect(params['width']).toBe(512);
  });

  it('treats null as not given', () => {
    expect(applyOptions(txt2img(), { prompt: 'x', steps: null }).params['steps']).toBe(20);
  });

  it.each([
    [{ steps: 0 }, 'steps must be between 1 and 150 (got 0)'],
    [{ steps: 10_000 }, 'steps must be between 1 and 150 (got 10000)'],
    [{ steps: 2.5 }, 'steps must be a whole number (got 2.5)'],
    [{ steps: '30' }, 'steps must be a whole number (got "30")'],
    [{ seed: -1 }, 'seed must be between 0 and 9007199254740991 (got -1)'],
    [{ seed: 2 ** 64 }, 'seed must be between 0 and 9007199254740991 (got 18446744073709552000)'],
    [{ width: 500 }, 'width must be a multiple of 8 (got 500; try 496 or 504)'],
    [{ prompt: 'x'.repeat(6000) }, 'prompt is too long: 6000 characters, at most 4000'],
  ])('refuses %j', (bad, message) => {
    expect(valueErrors({ prompt: 'x', ...bad })).toEqual([message]);
  });

  it('says a required option is missing and names unknown options', () => {
    expect(valueErrors({ stpes: 3 })).toEqual([
      'prompt is required',
      'txt2img has no option "stpes"; its options are "prompt", "steps", "seed", "width"',
    ]);
  });

  it('reports every bad value at once', () => {
    expect(valueErrors({ prompt: 'x', steps: 0, width: 12 })).toHaveLength(2);
  });

  it('checks booleans, numbers and listed choices', () => {
    let manifest = withOption({ name: 'hires', type: 'boolean', targets: [{ node: '3', input: 'hires' }] });
    manifest = withOption({ name: 'cfg', type: 'number', min: 0, max: 30, targets: [{ node: '3', input: 'cfg' }] }, manifest);
    manifest = withOption({ name: 'sampler', type: 'choice', choices: { from: 'list', values: ['euler', 'ddim'] }, targets: [{ node: '3', input: 'sampler_name' }] }, manifest);
    const workflow = recordedTxt2img();
    workflow['3']!.inputs['hires'] = false;
    const loaded = loadedFrom(manifest, workflow);
    expect(valueErrors({ prompt: 'x', hires: 'yes', cfg: 31.5, sampler: 'dpm' }, loaded)).toEqual([
      'hires must be true or false (got "yes")',
      'cfg must be between 0 and 30 (got 31.5)',
      'sampler must be one of euler, ddim (got "dpm")',
    ]);
    expect(applyOptions(loaded, { prompt: 'x', hires: true, cfg: 6.5, sampler: 'ddim' }).workflow['3']?.inputs).toMatchObject({
      hires: true,
      cfg: 6.5,
      sampler_name: 'ddim',
    });
  });
});

describe('applyOptions: seeds', () => {
  it('randomises a seed the user did not give, and reports it as seed and parameter', () => {
    const { workflow, seeds, params } = applyOptions(txt2img(), { prompt: 'x' }, { random: () => 0.5 });
    expect(seeds).toEqual({ '3.seed': 2 ** 52 });
    expect(workflow['3']?.inputs['seed']).toBe(2 ** 52);
    expect(params['seed']).toBe(2 ** 52);
  });

  it('uses the seed the user gave', () => {
    const { workflow, seeds } = applyOptions(txt2img(), { prompt: 'x', seed: 1234 });
    expect(workflow['3']?.inputs['seed']).toBe(1234);
    expect(seeds).toEqual({ '3.seed': 1234 });
  });

  it('draws random seeds within the seed option\'s bounds, so a rerun with them validates', () => {
    const manifest = withOption({ name: 'seed', type: 'integer', min: 10, max: 20, targets: [{ node: '3', input: 'seed' }] });
    const first = applyOptions(loadedFrom(manifest), { prompt: 'x' }, { random: () => 0.999 });
    expect(first.seeds['3.seed']).toBe(20);
    expect(applyOptions(loadedFrom(manifest), first.params).workflow).toEqual(first.workflow);
  });

  it('reuses given seeds to rerun a job exactly', () => {
    const first = applyOptions(txt2img(), { prompt: 'x' });
    const again = applyOptions(txt2img(), { prompt: 'x' }, { seeds: first.seeds });
    expect(again.workflow).toEqual(first.workflow);
  });

  it('without a seeds list, randomises every numeric seed input', () => {
    const manifest = { ...txt2imgManifest() };
    delete manifest['seeds'];
    const workflow = ApiWorkflow.parse({ ...recordedWorkflow('txt2img'), 20: { class_type: 'KSamplerAdvanced', inputs: { noise_seed: 5 } } });
    const { seeds } = applyOptions(loadedFrom(manifest, workflow), { prompt: 'x' }, { random: () => 0 });
    expect(seeds).toEqual({ '3.seed': 0, '20.noise_seed': 0 });
  });

  it('gives safe integers from the default random source', () => {
    for (let i = 0; i < 50; i++) {
      const seed = applyOptions(txt2img(), { prompt: 'x' }).seeds['3.seed'];
      expect(Number.isSafeInteger(seed)).toBe(true);
      expect(seed).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('applyOptions: images and masks', () => {
  const inpaint = () =>
    loadedFrom(
      {
        name: 'inpaint',
        options: [
          { name: 'prompt', type: 'text', required: true, targets: [{ node: 'Positive', input: 'text' }] },
          { name: 'mask', type: 'mask', image: 'image', targets: [{ node: '10', input: 'image' }] },
          { name: 'image', type: 'image', required: true, targets: [{ node: '10', input: 'image' }] },
        ],
      },
      ApiWorkflow.parse(recordedWorkflow('img2img')),
    );

  it('sets the uploaded image, with its subfolder', () => {
    const { workflow, params } = applyOptions(inpaint(), { prompt: 'x' }, { uploads: { image: { name: 'dog.png', subfolder: 'discord/1', type: 'input' } } });
    expect(workflow['10']?.inputs['image']).toBe('discord/1/dog.png');
    expect(params['image']).toBe('discord/1/dog.png');
    expect(params).not.toHaveProperty('mask');
  });

  it('lets the mask upload (the image with the mask as alpha) win over the image', () => {
    const uploads = {
      image: { name: 'room.png', subfolder: '', type: 'input' as const },
      mask: { name: 'room-mask.png', subfolder: '', type: 'input' as const },
    };
    expect(applyOptions(inpaint(), { prompt: 'x' }, { uploads }).workflow['10']?.inputs['image']).toBe('room-mask.png');
  });

  it('asks for a required image, and for the image a mask belongs to', () => {
    expect(valueErrors({ prompt: 'x' }, inpaint())).toEqual(['image is required: attach an image']);
    expect(valueErrors({ prompt: 'x' }, inpaint(), { mask: { name: 'm.png', subfolder: '', type: 'input' } })).toEqual([
      'image is required: attach an image',
      'mask belongs to the image "image": attach that image too',
    ]);
  });

  it('accepts the name of a file already on the server as the image', () => {
    expect(applyOptions(inpaint(), { prompt: 'x', image: 'bot_00001_.png [output]' }).workflow['10']?.inputs['image']).toBe('bot_00001_.png [output]');
  });
});
