import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../../src/workflows/problems.ts';
import { loadWorkflows } from '../../../src/workflows/registry.ts';
import { recordedWorkflow } from '../../support/recordings.ts';
import { txt2imgManifest } from './helpers.ts';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function folder(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'workflows-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

describe('loadWorkflows', () => {
  it('loads good workflows and skips broken ones with a problem each', async () => {
    const dir = await folder({
      'txt2img.json': recordedWorkflow('txt2img'),
      'txt2img.manifest.json': txt2imgManifest(),
      'other.json': recordedWorkflow('txt2img'),
      'other.manifest.json': { ...txt2imgManifest(), name: 'other', outputs: ['Save'] },
      'README.md': '# notes',
    });
    const { workflows, problems } = await loadWorkflows(dir);
    expect(workflows.map((w) => w.name)).toEqual(['txt2img']);
    expect(workflows[0]).toMatchObject({ manifestFile: join(dir, 'txt2img.manifest.json'), workflowFile: join(dir, 'txt2img.json') });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.file).toBe(join(dir, 'other.manifest.json'));
    expect(formatProblem(problems[0]!)).toContain('"outputs" entry node "Save" not found');
  });

  it('reports a workflow without a manifest', async () => {
    const { workflows, problems } = await loadWorkflows(await folder({ 'upscale.json': recordedWorkflow('txt2img') }));
    expect(workflows).toEqual([]);
    expect(problems[0]?.message).toContain('has no manifest');
    expect(problems[0]?.fix).toContain('Add upscale.manifest.json');
  });

  it('reports a broken manifest once, not also its workflow as unclaimed', async () => {
    const dir = await folder({ 'txt2img.json': recordedWorkflow('txt2img'), 'txt2img.manifest.json': '{"name": "txt2img",}' });
    const { problems } = await loadWorkflows(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.file).toBe(join(dir, 'txt2img.manifest.json'));
    expect(problems[0]?.message).toContain('line 1, column 19');
  });

  it('reports manifest errors per option', async () => {
    const dir = await folder({
      'txt2img.json': recordedWorkflow('txt2img'),
      'txt2img.manifest.json': { ...txt2imgManifest(), options: [{ name: 'steps', type: 'integer', min: 9, max: 1, targets: [{ node: '3', input: 'steps' }] }] },
    });
    const { problems } = await loadWorkflows(dir);
    expect(problems).toEqual([expect.objectContaining({ option: 'steps', message: '"min" (9) is greater than "max" (1)' })]);
  });

  it('finds the workflow by the manifest\'s "workflow" field or by its own name', async () => {
    const dir = await folder({
      'exported (API).json': recordedWorkflow('txt2img'),
      'a.manifest.json': { ...txt2imgManifest(), name: 'a', workflow: 'exported (API).json' },
      'b.manifest.json': { ...txt2imgManifest(), name: 'b' },
    });
    const { workflows, problems } = await loadWorkflows(dir);
    expect(workflows.map((w) => w.name)).toEqual(['a']);
    expect(problems).toEqual([
      expect.objectContaining({ file: join(dir, 'b.manifest.json'), message: 'names no "workflow" file and b.json does not exist' }),
    ]);
  });

  it('passes on the workflow file\'s own problem, e.g. the UI format', async () => {
    const dir = await folder({ 'ui.json': { nodes: [], links: [] }, 'ui.manifest.json': { ...txt2imgManifest(), name: 'ui' } });
    const { problems } = await loadWorkflows(dir);
    expect(problems[0]?.file).toBe(join(dir, 'ui.json'));
    expect(problems[0]?.message).toContain('UI format');
    expect(problems[0]?.fix).toContain('Save (API)');
  });

  it('keeps the first of two manifests with one name', async () => {
    const dir = await folder({
      'txt2img.json': recordedWorkflow('txt2img'),
      'a.manifest.json': { ...txt2imgManifest(), workflow: 'txt2img.json' },
      'b.manifest.json': { ...txt2imgManifest(), workflow: 'txt2img.json' },
    });
    const { workflows, problems } = await loadWorkflows(dir);
    expect(workflows.map((w) => w.manifestFile)).toEqual([join(dir, 'a.manifest.json')]);
    expect(problems[0]?.message).toContain('"txt2img" is already used by');
  });

  it('reports a missing folder', async () => {
    const { problems } = await loadWorkflows('/nonexistent/workflows');
    expect(problems).toEqual([expect.objectContaining({ file: '/nonexistent/workflows', message: 'the workflows folder does not exist' })]);
  });
});
