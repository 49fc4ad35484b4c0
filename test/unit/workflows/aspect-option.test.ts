// The manifest's "aspect" option type: checked when the manifest is read and
// against its workflow, and turned into width and height when a job starts.
import { describe, expect, it } from 'vitest';
import { applyOptions, checkOptionValue, OptionValueError } from '../../../src/workflows/apply.ts';
import { findNode } from '../../../src/workflows/edit.ts';
import { ManifestError, parseManifest } from '../../../src/workflows/manifest.ts';
import { formatProblem } from '../../../src/workflows/problems.ts';
import { validateAgainstWorkflow } from '../../../src/workflows/validate.ts';
import { loadedFrom, txt2imgManifest, withOption } from './helpers.ts';

const height = { name: 'height', type: 'integer', min: 64, max: 2048, multipleOf: 8, targets: [{ node: '5', input: 'height' }] };
const withSides = (aspect: Record<string, unknown>) => withOption({ name: 'aspect', type: 'aspect', ...aspect }, withOption(height));

function manifestProblems(manifest: unknown): string[] {
  try {
    parseManifest(JSON.stringify(manifest), 'workflows/txt2img.manifest.json');
    return [];
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    return err.problems.map(formatProblem);
  }
}

/** The problems of the OptionValueError `f` throws. */
function problemsOf(f: () => unknown): OptionValueError['problems'] {
  try {
    f();
  } catch (err) {
    if (err instanceof OptionValueError) return err.problems;
    throw err;
  }
  throw new Error('expected an OptionValueError');
}

const size = (loaded: ReturnType<typeof loadedFrom>, values: Record<string, unknown>) => {
  const { workflow } = applyOptions(loaded, { prompt: 'x', ...values });
  const latent = findNode(workflow, '5').node.inputs;
  return [latent['width'], latent['height']];
};

describe('aspect options', () => {
  it('set width and height from the base the workflow holds (512×512 in the recording)', () => {
    const loaded = loadedFrom(withSides({}));
    expect(size(loaded, { aspect: '16:9' })).toEqual([680, 384]);
    expect(size(loaded, { aspect: '1:1' })).toEqual([512, 512]);
    expect(size(loaded, {})).toEqual([512, 512]);
  });

  it('a declared base beats the sides; the sides\' defaults beat the workflow', () => {
    expect(size(loadedFrom(withSides({ base: { width: 1024, height: 1024 } })), { aspect: '16:9' })).toEqual([1360, 768]);
    const defaults = withOption({ ...height, default: 1024 }, withOption({ name: 'width', type: 'integer', default: 1024, min: 64, max: 2048, multipleOf: 8, targets: [{ node: '5', input: 'width' }] }));
    expect(size(loadedFrom(withOption({ name: 'aspect', type: 'aspect' }, defaults)), { aspect: '9:16' })).toEqual([768, 1360]);
  });

  it('a side the user gives wins and the other follows the ratio; both given, the aspect does nothing', () => {
    const loaded = loadedFrom(withSides({ base: { width: 1024, height: 1024 } }));
    expect(size(loaded, { aspect: '16:9', width: 1024 })).toEqual([1024, 576]);
    expect(size(loaded, { aspect: '3:2', height: 512 })).toEqual([768, 512]);
    expect(size(loaded, { aspect: '16:9', width: 640, height: 640 })).toEqual([640, 640]);
  });

  it("records the aspect and the size it gave as the job's values, so a re-roll makes the same size", () => {
    const { params } = applyOptions(loadedFrom(withSides({})), { prompt: 'x', aspect: '2:3' });
    expect(params).toMatchObject({ aspect: '2:3', width: 416, height: 624 });
  });

  it('a default aspect applies when none is given', () => {
    expect(size(loadedFrom(withSides({ default: '4:3' })), {})).toEqual([584, 440]);
  });

  it('refuses a ratio it does not offer, with the offered ones', () => {
    const loaded = loadedFrom(withSides({ values: ['1:1', '16:9'] }));
    expect(problemsOf(() => applyOptions(loaded, { prompt: 'x', aspect: '4:3' }))).toEqual([
      { option: 'aspect', code: 'not_listed', data: { option: 'aspect', choices: '1:1, 16:9', got: '"4:3"' } },
    ]);
    expect(problemsOf(() => checkOptionValue(loaded, 'aspect', '21:9'))[0]?.code).toBe('not_listed');
  });

  it('a size the ratio makes from a given side is checked like the side itself', () => {
    const loaded = loadedFrom(withSides({}));
    expect(problemsOf(() => applyOptions(loaded, { prompt: 'x', aspect: '9:16', width: 2048 }))).toEqual([
      { option: 'height', code: 'range', data: { option: 'height', min: '64', max: '2048', got: '3640' } },
    ]);
  });

  it('are checked when the manifest is read: their sides exist and are integers, the default is offered, targets are not theirs', () => {
    expect(manifestProblems(withSides({ width: 'breadth' }))).toEqual([
      expect.stringContaining('"width" names "breadth", which is not an integer option of this manifest'),
    ]);
    expect(manifestProblems(withSides({ height: 'width' }))).toEqual([expect.stringContaining('"width" and "height" both name "width"')]);
    expect(manifestProblems(withSides({ values: ['1:1'], default: '16:9' }))).toEqual([expect.stringContaining('"default" "16:9" is not one of "values"')]);
    expect(manifestProblems(withSides({ values: ['5:4'] }))).toHaveLength(1);
    expect(manifestProblems(withSides({ targets: [{ node: '5', input: 'width' }] }))).toEqual([expect.stringContaining('sets no inputs itself')]);
  });

  it('are checked against the workflow: every ratio must fit the sides\' ranges, and there must be a base', () => {
    const tooBig = withSides({ base: { width: 2048, height: 2048 } });
    const problems = validateAgainstWorkflow(parseManifest(JSON.stringify(tooBig), 'm.json'), loadedFrom(tooBig).workflow).map(formatProblem);
    expect(problems).toContainEqual(expect.stringContaining('16:9 at the base 2048×2048 gives width 2728, which the option "width" does not allow (64–2048, a multiple of 8)'));
    expect(problems.every((p) => p.includes('option "aspect"'))).toBe(true);
    const fine = withSides({});
    expect(validateAgainstWorkflow(parseManifest(JSON.stringify(fine), 'm.json'), loadedFrom(fine).workflow)).toEqual([]);
  });

  it('leaves manifests without one alone', () => {
    expect(size(loadedFrom(txt2imgManifest()), { width: 640 })).toEqual([640, 512]);
  });
});
