import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile, parseWorkflow, WorkflowFileError } from '../../../src/workflows/load.ts';
import { recordedWorkflow } from '../../support/recordings.ts';

function errorOf(fn: () => unknown): WorkflowFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFileError);
    return err as WorkflowFileError;
  }
  throw new Error('expected a WorkflowFileError');
}

describe('parseWorkflow', () => {
  it('accepts the recorded txt2img prompt', () => {
    const workflow = parseWorkflow(JSON.stringify(recordedWorkflow('txt2img')), 'txt2img.json');
    expect(workflow['6']?._meta?.title).toBe('Positive');
    expect(workflow['3']?.class_type).toBe('KSampler');
  });

  it('accepts a file saved with a byte-order mark', () => {
    expect(parseWorkflow('\uFEFF{"1": {"class_type": "X", "inputs": {}}}', 'bom.json')['1']?.class_type).toBe('X');
  });

  it('names the file, line and column of a JSON syntax error', () => {
    const text = '{\n  "3": {\n    "class_type": "KSampler",\n    "inputs": {"steps": 20,}\n  }\n}';
    const err = errorOf(() => parseWorkflow(text, 'workflows/broken.json'));
    expect(err.file).toBe('workflows/broken.json');
    expect(err.message).toContain('workflows/broken.json');
    expect(err.message).toContain('line 4, column 27');
    expect(err.message).toContain('trailing comma');
  });

  it('places a missing comma and an unclosed file', () => {
    expect(errorOf(() => parseWorkflow('{"a": 1\n "b": 2}', 'x.json')).message).toContain('line 2, column 2');
    expect(errorOf(() => parseWorkflow('{"a": {', 'x.json')).message).toMatch(/line 1, column 8: .*end of the file/);
  });

  it('says a UI-format file must be exported with Save (API)', () => {
    const ui = { last_node_id: 9, nodes: [{ id: 3, type: 'KSampler' }], links: [[1, 4, 0, 3, 0, 'MODEL']], version: 0.4 };
    const err = errorOf(() => parseWorkflow(JSON.stringify(ui), 'workflows/ui.json'));
    expect(err.message).toContain('workflows/ui.json');
    expect(err.message).toContain('UI format');
    expect(err.message).toContain('Save (API)');
    expect(err.message).toMatch(/dev mode/i);
  });

  it('names the node without a class_type', () => {
    const err = errorOf(() => parseWorkflow('{"3": {"class_type": "KSampler", "inputs": {}}, "7": {"inputs": {}}}', 'w.json'));
    expect(err.message).toContain('node "7"');
    expect(err.message).toContain('"class_type" is missing');
  });

  it('names the node whose inputs are not an object', () => {
    const err = errorOf(() => parseWorkflow('{"4": {"class_type": "CLIPTextEncode", "inputs": ["a"]}}', 'w.json'));
    expect(err.message).toContain('node "4" (CLIPTextEncode)');
    expect(err.message).toContain('"inputs" must be an object');
  });

  it('rejects something that is not an object of nodes', () => {
    expect(errorOf(() => parseWorkflow('[1, 2]', 'w.json')).message).toContain('expected an object of nodes');
    expect(errorOf(() => parseWorkflow('{}', 'w.json')).message).toContain('has no nodes');
    expect(errorOf(() => parseWorkflow('{"1": 5}', 'w.json')).message).toContain('node "1"');
  });
});

describe('loadWorkflowFile', () => {
  it('reads and checks a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wf-'));
    await writeFile(join(dir, 'a.json'), JSON.stringify(recordedWorkflow('img2img')));
    try {
      expect((await loadWorkflowFile(join(dir, 'a.json')))['10']?.class_type).toBe('LoadImage');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says a missing file does not exist', async () => {
    await expect(loadWorkflowFile('/nonexistent/flow.json')).rejects.toThrow('/nonexistent/flow.json: does not exist');
  });
});
