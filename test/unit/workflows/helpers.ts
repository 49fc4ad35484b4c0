// Fixtures for the workflow tests, built from the recordings of a real server.
import { ApiWorkflow, ObjectInfo } from '../../../src/comfy/index.ts';
import { Manifest } from '../../../src/workflows/manifest.ts';
import type { LoadedWorkflow } from '../../../src/workflows/registry.ts';
import { recordedObjectInfo, recordedWorkflow } from '../../support/recordings.ts';

/** The txt2img prompt the recordings submitted: KSampler is "3" (untitled), "Positive" and "Negative" are titled. */
export function recordedTxt2img(): ApiWorkflow {
  return ApiWorkflow.parse(recordedWorkflow('txt2img'));
}

export function realObjectInfo(): ObjectInfo {
  return ObjectInfo.parse(recordedObjectInfo());
}

/** A manifest for the recorded txt2img, with `extra` merged in. */
export function txt2imgManifest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'txt2img',
    options: [
      { name: 'prompt', type: 'text', required: true, maxLength: 4000, targets: [{ node: 'Positive', input: 'text' }] },
      { name: 'steps', type: 'integer', default: 20, min: 1, max: 150, targets: [{ node: '3', input: 'steps' }] },
      { name: 'seed', type: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, targets: [{ node: '3', input: 'seed' }] },
      { name: 'width', type: 'integer', min: 64, max: 2048, multipleOf: 8, targets: [{ node: '5', input: 'width' }] },
    ],
    seeds: ['3.seed'],
    outputs: ['9'],
    ...extra,
  };
}

/** A manifest's option list with one option added or replaced. */
export function withOption(option: Record<string, unknown>, base = txt2imgManifest()): Record<string, unknown> {
  const options = (base['options'] as Record<string, unknown>[]).filter((o) => o['name'] !== option['name']);
  return { ...base, options: [...options, option] };
}

export function loadedFrom(manifest: Record<string, unknown>, workflow: ApiWorkflow = recordedTxt2img()): LoadedWorkflow {
  const parsed = Manifest.parse(manifest);
  return {
    name: parsed.name,
    description: parsed.description,
    manifest: parsed,
    workflow,
    manifestFile: `workflows/${parsed.name}.manifest.json`,
    workflowFile: `workflows/${parsed.name}.json`,
  };
}
