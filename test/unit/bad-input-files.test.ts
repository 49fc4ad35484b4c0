// Bad input table (R6), the file and manifest rows: a server owner's mistake in
// workflows/ skips that one workflow with a problem naming the file, the option
// and the fix; every other workflow still loads.
// Other coverage: test/unit/workflows/{load,manifest,validate,registry}.test.ts
// check each kind of problem in detail; here each row is run through the
// registry next to a good workflow.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, type Problem } from '../../src/workflows/problems.ts';
import { loadWorkflows } from '../../src/workflows/registry.ts';
import { recordedWorkflow } from '../support/recordings.ts';
import { txt2imgManifest, withOption } from './workflows/helpers.ts';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A workflows folder with the good `txt2img` and a broken `bad`. */
async function withGoodAnd(bad: { workflow: unknown; manifest: unknown }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bad-input-'));
  made.push(dir);
  const files: Record<string, unknown> = {
    'txt2img.json': recordedWorkflow('txt2img'),
    'txt2img.manifest.json': txt2imgManifest(),
    'bad.json': bad.workflow,
    'bad.manifest.json': bad.manifest,
  };
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

async function loadOnlyProblem(dir: string): Promise<Problem> {
  const { workflows, problems } = await loadWorkflows(dir);
  // The good one is untouched by its broken neighbour.
  expect(workflows.map((w) => w.name)).toEqual(['txt2img']);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

const badManifest = (extra: Record<string, unknown> = {}) => ({ ...txt2imgManifest(), name: 'bad', ...extra });

describe('bad workflow files and manifests are skipped, the others load', () => {
  it('a workflow file that is not JSON: names the file, line and column, and says to re-export', async () => {
    const text = JSON.stringify(recordedWorkflow('txt2img'), null, 2).slice(0, 200); // cut off mid-file
    const dir = await withGoodAnd({ workflow: text, manifest: badManifest() });
    const p = await loadOnlyProblem(dir);
    expect(p.file).toBe(join(dir, 'bad.json'));
    expect(p.message).toMatch(/^is not valid JSON at line \d+, column \d+/);
    expect(p.fix).toContain('Save (API)');
    expect(formatProblem(p)).toMatch(/bad\.json: is not valid JSON at line \d+, column \d+: .+\. Fix: Fix the JSON, or export the workflow again/);
  });

  it('a workflow saved in the UI format: says so and says to use Save (API)', async () => {
    const ui = { last_node_id: 9, last_link_id: 9, nodes: [{ id: 3, type: 'KSampler' }], links: [[1, 4, 0, 3, 0, 'MODEL']], version: 0.4 };
    const dir = await withGoodAnd({ workflow: ui, manifest: badManifest() });
    const p = await loadOnlyProblem(dir);
    expect(p.file).toBe(join(dir, 'bad.json'));
    expect(p.message).toContain('UI format');
    expect(p.fix).toContain('"Save (API)"');
  });

  it('a manifest option targeting a node the workflow does not have: names the option and lists the nodes', async () => {
    const manifest = withOption(
      { name: 'steps', type: 'integer', min: 1, max: 150, targets: [{ node: 'Sampler', input: 'steps' }] },
      badManifest(),
    );
    const dir = await withGoodAnd({ workflow: recordedWorkflow('txt2img'), manifest });
    const p = await loadOnlyProblem(dir);
    expect(p).toMatchObject({ file: join(dir, 'bad.manifest.json'), option: 'steps' });
    expect(p.message).toContain('node "Sampler" not found');
    expect(p.message).toContain('bad.json');
    // The message lists what exists, so the owner can pick the right one.
    expect(p.message).toMatch(/"3"|KSampler/);
    expect(p.fix).toContain('Use one of these ids or titles');
    expect(formatProblem(p)).toContain(`bad.manifest.json, option "steps": target node "Sampler" not found`);
  });

  it('a manifest "outputs" entry naming a missing node is skipped the same way', async () => {
    const dir = await withGoodAnd({ workflow: recordedWorkflow('txt2img'), manifest: badManifest({ outputs: ['Save Image'] }) });
    const p = await loadOnlyProblem(dir);
    expect(p.file).toBe(join(dir, 'bad.manifest.json'));
    expect(p.message).toContain('"outputs" entry node "Save Image" not found');
    expect(p.fix).toContain('Use one of these ids or titles');
  });

  it('a manifest option whose type does not fit the input it sets: names the option and the type to use', async () => {
    const manifest = withOption({ name: 'steps', type: 'text', targets: [{ node: '3', input: 'steps' }] }, badManifest());
    const dir = await withGoodAnd({ workflow: recordedWorkflow('txt2img'), manifest });
    const p = await loadOnlyProblem(dir);
    expect(p).toMatchObject({ file: join(dir, 'bad.manifest.json'), option: 'steps' });
    expect(p.message).toMatch(/holds \d+ in .*bad\.json, but a "text" option sets text/);
    expect(p.fix).toContain('"type": "integer"');
  });

  it('a manifest option with a type that does not exist: names the option and lists the types', async () => {
    const manifest = withOption({ name: 'steps', type: 'int', targets: [{ node: '3', input: 'steps' }] }, badManifest());
    const dir = await withGoodAnd({ workflow: recordedWorkflow('txt2img'), manifest });
    const p = await loadOnlyProblem(dir);
    expect(p).toMatchObject({ file: join(dir, 'bad.manifest.json'), option: 'steps' });
    expect(p.message).toContain('"int"');
    expect(p.fix).toMatch(/Use one of text, integer, number, boolean, choice, image, mask/);
  });

  it('a manifest option value of the wrong JSON type (min as text): names the option and the field', async () => {
    const manifest = withOption({ name: 'steps', type: 'integer', min: '1', targets: [{ node: '3', input: 'steps' }] }, badManifest());
    const dir = await withGoodAnd({ workflow: recordedWorkflow('txt2img'), manifest });
    const p = await loadOnlyProblem(dir);
    expect(p).toMatchObject({ file: join(dir, 'bad.manifest.json'), option: 'steps' });
    expect(p.message).toContain('"min" must be');
    expect(p.message).toContain('"1"');
    expect(p.fix).toBe('Write "min" as a number without quotes, e.g. "min": 1');
  });
});
