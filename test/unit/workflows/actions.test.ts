// A manifest's `actions` (U2): the schema, the check against the target workflow
// when the workflows load, and the values an action's job starts with.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionValues } from '../../../src/workflows/actions.ts';
import { ManifestError, parseManifest } from '../../../src/workflows/manifest.ts';
import { formatProblem } from '../../../src/workflows/problems.ts';
import { loadWorkflows } from '../../../src/workflows/registry.ts';
import { REPO_ROOT } from '../../support/recordings.ts';
import { txt2imgManifest } from './helpers.ts';

const shipped = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'workflows', `${name}.manifest.json`), 'utf8')) as Record<string, unknown>;

/** The shipped txt2img, img2img and upscale, txt2img's actions replaced by `actions`. */
async function load(actions: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'actions-'));
  for (const name of ['img2img', 'upscale']) {
    writeFileSync(join(dir, `${name}.json`), readFileSync(join(REPO_ROOT, 'workflows', `${name}.json`)));
    writeFileSync(join(dir, `${name}.manifest.json`), JSON.stringify({ ...shipped(name), actions: {} }));
  }
  writeFileSync(join(dir, 'txt2img.json'), readFileSync(join(REPO_ROOT, 'workflows/txt2img.json')));
  writeFileSync(join(dir, 'txt2img.manifest.json'), JSON.stringify({ ...shipped('txt2img'), actions }));
  const result = await loadWorkflows(dir);
  const txt2img = result.workflows.find((w) => w.name === 'txt2img');
  return { ...result, txt2img, get: (name: string) => result.workflows.find((w) => w.name === name)! };
}

function parseProblems(manifest: unknown) {
  try {
    parseManifest(JSON.stringify(manifest), 'x.manifest.json');
  } catch (err) {
    if (err instanceof ManifestError) return err.problems;
    throw err;
  }
  throw new Error('expected a ManifestError');
}

describe('the actions schema', () => {
  it('takes an action with only its workflow: the image option is "image", nothing is set', () => {
    const m = parseManifest(JSON.stringify(txt2imgManifest({ actions: { upscale: { workflow: 'upscale' } } })), 'x');
    expect(m.actions).toEqual({ upscale: { workflow: 'upscale', image: 'image', set: {} } });
    expect(parseManifest(JSON.stringify(txt2imgManifest()), 'x').actions).toEqual({});
  });

  it.each([
    [{ 'Not Lower': { workflow: 'upscale' } }, 'Not Lower', /must be 1–32 lowercase letters/],
    [{ use: { workflow: 'img2img' } }, 'use', /taken by the bot's own button/],
    [{ upscale: { workflow: 'upscale', denoise: 0.3 } }, 'upscale', /unknown field "denoise"/],
    [{ upscale: {} }, 'upscale', /"workflow" is missing/],
    [{ upscale: { workflow: 'upscale', set: { denoise: [0.3] } } }, 'upscale', /set/],
  ])('names the action in a problem: %j', (actions, action, message) => {
    const problems = parseProblems(txt2imgManifest({ actions }));
    expect(problems.map((p) => p.action)).toContain(action);
    expect(problems.map(formatProblem).join('\n')).toMatch(message);
    expect(formatProblem(problems[0]!)).toContain(`action "${action}"`);
  });

  it('refuses a localized label for an action the manifest lacks', () => {
    const problems = parseProblems(txt2imgManifest({ actions: {}, localizations: { 'zh-CN': { actions: { upscale: { label: '放大' } } } } }));
    expect(problems.map(formatProblem).join('\n')).toMatch(/labels the action "upscale", which this manifest does not have/);
  });
});

describe('actions checked against their targets at load', () => {
  it('keeps good actions and drops a broken one, naming it; the workflow itself loads', async () => {
    const { problems, txt2img } = await load({
      upscale: { workflow: 'upscale', set: { denoise: 0.3 } },
      sharpen: { workflow: 'sharpen' },
    });
    expect(txt2img).toBeDefined();
    expect(Object.keys(txt2img!.manifest.actions)).toEqual(['upscale']);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/txt2img\.manifest\.json, action "sharpen": runs the workflow "sharpen", which is not loaded .* Fix: Add workflows\/sharpen\.json/),
    ]);
  });

  it.each([
    [{ workflow: 'img2img', image: 'picture' }, /"image" names "picture", which is not an image option of img2img\. Fix: Use "image"/],
    [{ workflow: 'img2img', set: { strength: 1 } }, /"set" gives "strength", which is not an option of img2img it can set/],
    [{ workflow: 'img2img', set: { image: 'x.png' } }, /"set" gives "image", which is not an option of img2img it can set/],
    [{ workflow: 'img2img', set: { denoise: 2 } }, /"set" gives "denoise" 2, which img2img refuses \(range .*"max":"1"/],
    [{ workflow: 'img2img', set: { steps: 'many' } }, /"set" gives "steps" "many", which img2img refuses \(not_integer/],
  ])('a mistake is a problem naming the action: %j', async (action, message) => {
    const { problems, txt2img } = await load({ vary: action });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.action).toBe('vary');
    expect(formatProblem(problems[0]!)).toMatch(message);
    expect(txt2img!.manifest.actions).toEqual({});
  });

  it("a required option of the target must get a value: from the source's option of that name, or from set", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actions-'));
    writeFileSync(join(dir, 'img2img.json'), readFileSync(join(REPO_ROOT, 'workflows/img2img.json')));
    writeFileSync(join(dir, 'img2img.manifest.json'), JSON.stringify({ ...shipped('img2img'), actions: {} }));
    writeFileSync(join(dir, 'upscale.json'), readFileSync(join(REPO_ROOT, 'workflows/upscale.json')));
    // upscale has no required prompt; img2img does: an action from upscale to img2img must set one.
    writeFileSync(join(dir, 'upscale.manifest.json'), JSON.stringify({ ...shipped('upscale'), localizations: {}, options: (shipped('upscale')['options'] as Array<{ name: string }>).filter((o) => o.name !== 'prompt'), actions: { vary: { workflow: 'img2img' } } }));
    const { problems } = await loadWorkflows(dir);
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/action "vary": img2img requires "prompt", which neither "set" nor upscale .* Fix: Add "prompt" to "set"/)]);
  });
});

describe('the values of an action job', () => {
  it("takes the parent's values for options of the same name, never its seed, and the action's set on top", async () => {
    const { get } = await load({});
    const values = actionValues(get('img2img'), { workflow: 'img2img', image: 'image', set: { denoise: 0.65 } }, {
      prompt: 'a fox',
      negative: 'fog',
      seed: 5,
      steps: 30,
      width: 512,
      checkpoint: 'random-sd15.safetensors',
      batch: 2,
    });
    expect(values).toEqual({ prompt: 'a fox', negative: 'fog', steps: 30, checkpoint: 'random-sd15.safetensors', batch: 2, denoise: 0.65 });
  });

  it('leaves out a value the target would refuse (its own default applies)', async () => {
    const { get } = await load({});
    expect(actionValues(get('upscale'), { workflow: 'upscale', image: 'image', set: {} }, { prompt: 'x', steps: 500, cfg: 'high' })).toEqual({ prompt: 'x' });
  });
});
