import { describe, expect, it } from 'vitest';
import { WorkflowFileError } from '../../../src/workflows/load.ts';
import { ManifestError, parseManifest } from '../../../src/workflows/manifest.ts';
import { formatProblem, type Problem } from '../../../src/workflows/problems.ts';
import { txt2imgManifest, withOption } from './helpers.ts';

const FILE = 'workflows/txt2img.manifest.json';

function problemsOf(manifest: unknown): Problem[] {
  try {
    parseManifest(JSON.stringify(manifest), FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    const problems = (err as ManifestError).problems;
    for (const p of problems) expect(p.file).toBe(FILE);
    expect((err as Error).message).toContain(FILE);
    return problems;
  }
  throw new Error('expected a ManifestError');
}

/** The one problem a manifest has, which must concern `option`. */
function onlyProblem(manifest: unknown, option?: string): Problem {
  const problems = problemsOf(manifest);
  expect(problems, problems.map(formatProblem).join('\n')).toHaveLength(1);
  const [problem] = problems as [Problem];
  expect(problem.option).toBe(option);
  if (option) expect(formatProblem(problem)).toContain(`option "${option}"`);
  expect(problem.fix.length).toBeGreaterThan(10);
  return problem;
}

describe('parseManifest', () => {
  it('parses a manifest, fills descriptions and puts required options first', () => {
    const manifest = parseManifest(
      JSON.stringify({
        ...txt2imgManifest(),
        options: [
          { name: 'steps', type: 'integer', targets: [{ node: '3', input: 'steps' }] },
          { name: 'prompt', type: 'text', required: true, targets: [{ node: 'Positive', input: 'text' }] },
        ],
      }),
      FILE,
    );
    expect(manifest.options.map((o) => o.name)).toEqual(['prompt', 'steps']);
    expect(manifest.options[1]?.description).toBe('Steps');
    expect(manifest.description).toBe('Txt2img');
    expect(manifest.outputs).toEqual(['9']);
    expect(manifest.nsfw).toBe(false);
    expect(parseManifest(JSON.stringify({ ...txt2imgManifest(), nsfw: true }), FILE).nsfw).toBe(true);
  });

  it('names file, line and column for bad JSON', () => {
    expect(() => parseManifest('{"name": "x",\n "options": [}', FILE)).toThrow(WorkflowFileError);
    expect(() => parseManifest('{"name": "x",\n "options": [}', FILE)).toThrow(`${FILE}: is not valid JSON at line 2, column 14`);
  });

  it('reports every problem at once', () => {
    const manifest = withOption({ name: 'Bad Name', type: 'integer', min: 5, max: 1, targets: [{ node: '3', input: 'steps' }] });
    expect(problemsOf(manifest).length).toBeGreaterThanOrEqual(2);
  });

  describe('option rules, each named in the message', () => {
    it('option name with capitals or spaces (Discord rule)', () => {
      const p = onlyProblem(withOption({ name: 'Big Steps', type: 'integer', targets: [{ node: '3', input: 'steps' }] }), 'Big Steps');
      expect(p.message).toContain('"name" must be 1–32 lowercase letters');
      expect(p.message).toContain('"Big Steps"');
    });

    it('option name over 32 characters', () => {
      const name = 'a'.repeat(33);
      expect(onlyProblem(withOption({ name, type: 'integer', targets: [{ node: '3', input: 'steps' }] }), name).message).toContain('1–32');
    });

    it('accepts non-Latin lowercase names', () => {
      expect(() => parseManifest(JSON.stringify(withOption({ name: 'größe_2', type: 'integer', targets: [{ node: '5', input: 'width' }] })), FILE)).not.toThrow();
    });

    it('description over 100 characters', () => {
      const p = onlyProblem(withOption({ name: 'steps', description: 'x'.repeat(101), type: 'integer', targets: [{ node: '3', input: 'steps' }] }), 'steps');
      expect(p.message).toBe('"description" must be at most 100 characters long');
    });

    it('unknown type lists the types', () => {
      const p = onlyProblem(withOption({ name: 'steps', type: 'int', targets: [{ node: '3', input: 'steps' }] }), 'steps');
      expect(p.message).toContain('"type" must be one of "text", "integer"');
      expect(p.message).toContain('(got "int")');
    });

    it('no targets', () => {
      expect(onlyProblem(withOption({ name: 'steps', type: 'integer', targets: [] }), 'steps').message).toBe('"targets" needs at least 1 entry');
      expect(onlyProblem(withOption({ name: 'steps', type: 'integer' }), 'steps').message).toBe('"targets" is missing');
    });

    it('a target without an input', () => {
      expect(onlyProblem(withOption({ name: 'steps', type: 'integer', targets: [{ node: '3' }] }), 'steps').message).toBe('"targets.0.input" is missing');
    });

    it('a misspelt field', () => {
      const p = onlyProblem(withOption({ name: 'prompt', type: 'text', maxlength: 10, targets: [{ node: '6', input: 'text' }] }), 'prompt');
      expect(p.message).toBe('unknown field "maxlength"');
    });

    it('two options with one name', () => {
      const base = txt2imgManifest();
      const options = base['options'] as unknown[];
      const p = onlyProblem({ ...base, options: [...options, options[1]] }, 'steps');
      expect(p.message).toContain('"steps" is used by another option');
    });

    it('an option named "spoiler" (the bot adds that one to every workflow)', () => {
      const p = onlyProblem(withOption({ name: 'spoiler', type: 'boolean', targets: [{ node: '3', input: 'denoise' }] }), 'spoiler');
      expect(p.message).toContain('"spoiler" is taken');
    });

    it('"nsfw" that is not true or false', () => {
      const p = onlyProblem({ ...txt2imgManifest(), nsfw: 'yes' });
      expect(p.message).toContain('nsfw');
    });

    it('more than 25 options (Discord limit)', () => {
      const options = Array.from({ length: 26 }, (_, i) => ({ name: `o${i}`, type: 'text', targets: [{ node: '6', input: 'text' }] }));
      const p = onlyProblem({ ...txt2imgManifest(), options });
      expect(p.message).toBe('"options" may have at most 25 entries');
    });

    it('required with a default', () => {
      const p = onlyProblem(withOption({ name: 'prompt', type: 'text', required: true, default: 'x', targets: [{ node: '6', input: 'text' }] }), 'prompt');
      expect(p.message).toContain('"default" is set on a required option');
    });

    it('min above max', () => {
      expect(onlyProblem(withOption({ name: 'steps', type: 'integer', min: 50, max: 10, targets: [{ node: '3', input: 'steps' }] }), 'steps').message).toBe(
        '"min" (50) is greater than "max" (10)',
      );
    });

    it('default outside min and max', () => {
      const p = onlyProblem(withOption({ name: 'steps', type: 'integer', default: 200, min: 1, max: 150, targets: [{ node: '3', input: 'steps' }] }), 'steps');
      expect(p.message).toBe('"default" 200 is outside min–max (1–150)');
    });

    it('a non-integer default for an integer option', () => {
      const p = onlyProblem(withOption({ name: 'steps', type: 'integer', default: 2.5, targets: [{ node: '3', input: 'steps' }] }), 'steps');
      expect(p.message).toBe('"default" must be a whole number (got 2.5)');
    });

    it('default not a multiple of multipleOf', () => {
      const p = onlyProblem(withOption({ name: 'width', type: 'integer', default: 500, multipleOf: 8, targets: [{ node: '5', input: 'width' }] }), 'width');
      expect(p.message).toBe('"default" 500 is not a multiple of 8 ("multipleOf")');
    });

    it('bounds beyond what Discord accepts', () => {
      const p = onlyProblem(withOption({ name: 'seed', type: 'integer', max: 2 ** 64, targets: [{ node: '3', input: 'seed' }] }), 'seed');
      expect(p.message).toContain('"max" must be at most 9007199254740991');
      expect(p.fix).toContain('Discord');
    });

    it('maxLength beyond Discord\'s 6000', () => {
      const p = onlyProblem(withOption({ name: 'prompt', type: 'text', maxLength: 10_000, targets: [{ node: '6', input: 'text' }] }), 'prompt');
      expect(p.message).toContain('"maxLength" must be at most 6000');
    });

    it('minLength above maxLength, and a default longer than maxLength', () => {
      expect(onlyProblem(withOption({ name: 'prompt', type: 'text', minLength: 10, maxLength: 5, targets: [{ node: '6', input: 'text' }] }), 'prompt').message).toContain(
        '"minLength" (10) is greater than "maxLength" (5)',
      );
      expect(onlyProblem(withOption({ name: 'prompt', type: 'text', default: 'abcdef', maxLength: 5, targets: [{ node: '6', input: 'text' }] }), 'prompt').message).toContain(
        '"default" is 6 characters, more than "maxLength" (5)',
      );
    });

    it('a choice default not in its list', () => {
      const option = { name: 'size', type: 'choice', choices: { from: 'list', values: ['512', '768'] }, default: '1024', targets: [{ node: '5', input: 'width' }] };
      const p = onlyProblem(withOption(option), 'size');
      expect(p.message).toBe('"default" "1024" is not one of the listed values');
      expect(p.fix).toContain('"512", "768"');
    });

    it('an unknown choice source', () => {
      const option = { name: 'vae', type: 'choice', choices: { from: 'folder', folder: 'vae' }, targets: [{ node: '4', input: 'vae_name' }] };
      const p = onlyProblem(withOption(option), 'vae');
      expect(p.message).toContain('"choices.from" must be one of "models", "node_input", "list" (got "folder")');
    });

    it('a mask naming no image option', () => {
      const p = onlyProblem(withOption({ name: 'mask', type: 'mask', image: 'picture', targets: [{ node: '10', input: 'image' }] }), 'mask');
      expect(p.message).toContain('"image" names "picture", which is not an image option');
      expect(p.fix).toContain('Add an option of type "image"');
    });

    it('a mask naming an option that is not an image', () => {
      const p = onlyProblem(withOption({ name: 'mask', type: 'mask', image: 'prompt', targets: [{ node: '10', input: 'image' }] }), 'mask');
      expect(p.message).toContain('"image" names "prompt"');
    });
  });

  describe('manifest-wide rules', () => {
    it('a workflow name against Discord rules', () => {
      expect(onlyProblem({ ...txt2imgManifest(), name: 'Text To Image' }).message).toContain('"name" must be 1–32 lowercase letters');
    });

    it('a seeds entry that is not <node>.<input>', () => {
      const p = onlyProblem({ ...txt2imgManifest(), seeds: ['KSampler'] });
      expect(p.message).toBe('"seeds" entry "KSampler" is not <node>.<input>');
      expect(p.fix).toContain('KSampler.seed');
    });

    it('an unknown top-level field', () => {
      expect(onlyProblem({ ...txt2imgManifest(), output: ['9'] }).message).toBe('unknown field "output"');
    });
  });
});

describe('manifest localizations', () => {
  const sampler = { name: 'sampler', type: 'choice', choices: { from: 'list', values: ['euler', 'dpmpp_2m'] }, targets: [{ node: '3', input: 'sampler_name' }] };

  it('carry descriptions and fixed-choice labels by Discord locale', () => {
    const manifest = parseManifest(
      JSON.stringify({
        ...withOption(sampler),
        localizations: {
          'zh-CN': { description: '根据文字提示词画一张图', options: { prompt: { description: '要画的内容' }, sampler: { choices: { euler: '欧拉' } } } },
          de: { options: { steps: { description: 'Schritte' } } },
        },
      }),
      FILE,
    );
    expect(manifest.localizations['zh-CN']?.options['sampler']?.choices).toEqual({ euler: '欧拉' });
    expect(manifest.localizations['de']?.options['steps']?.description).toBe('Schritte');
  });

  it('name only options the manifest has and values its fixed choices list', () => {
    const [unknown, notListed] = problemsOf({
      ...withOption(sampler),
      localizations: { 'zh-CN': { options: { sampelr: { description: '采样器' }, sampler: { choices: { heun: '休恩' } } } } },
    });
    expect(unknown?.message).toContain('localizations "zh-CN" names the option "sampelr"');
    expect(unknown?.fix).toContain('"sampler"');
    expect(notListed?.message).toContain('"heun", which is not a listed choice of option "sampler"');
    expect(notListed?.fix).toContain('"euler", "dpmpp_2m"');
  });

  it('are keyed by a Discord locale, with descriptions Discord accepts', () => {
    const problems = problemsOf({ ...txt2imgManifest(), localizations: { zh_CN: { description: '画图' }, 'zh-TW': { description: 'x'.repeat(101) } } });
    expect(problems.map((p) => p.message).join('\n')).toMatch(/zh_CN/);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/100/);
  });
});
