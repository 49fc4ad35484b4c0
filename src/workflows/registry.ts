// Reads the workflows folder. One broken workflow is reported and skipped;
// the others still load, so a typo never takes the whole bot down.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ApiWorkflow } from '../comfy/index.ts';
import { checkActions } from './actions.ts';
import { loadWorkflowFile, WorkflowFileError } from './load.ts';
import { ManifestError, parseManifest, type Manifest } from './manifest.ts';
import type { Problem } from './problems.ts';
import { validateAgainstWorkflow, type WorkflowFiles } from './validate.ts';

const MANIFEST_SUFFIX = '.manifest.json';

export interface LoadedWorkflow extends WorkflowFiles {
  name: string;
  description: string;
  manifest: Manifest;
  workflow: ApiWorkflow;
}

export interface LoadResult {
  /** Sorted by name. */
  workflows: LoadedWorkflow[];
  problems: Problem[];
}

/** Loads every `<name>.manifest.json` in `dir` with the workflow it names. */
export async function loadWorkflows(dir: string): Promise<LoadResult> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      workflows: [],
      problems: [
        {
          file: dir,
          message: code === 'ENOENT' ? 'the workflows folder does not exist' : `the workflows folder cannot be read (${code ?? String(err)})`,
          fix: 'Create it and put each workflow there as <name>.json with a <name>.manifest.json (see workflows/README.md)',
        },
      ],
    };
  }

  const workflows: LoadedWorkflow[] = [];
  const problems: Problem[] = [];
  const usedWorkflowFiles = new Set<string>();
  const byName = new Map<string, LoadedWorkflow>();

  for (const entry of entries.filter((e) => e.endsWith(MANIFEST_SUFFIX)).sort()) {
    const manifestFile = join(dir, entry);
    const result = await loadOne(manifestFile);
    if (result.workflowFile) usedWorkflowFiles.add(resolve(result.workflowFile));
    if ('problems' in result) {
      problems.push(...result.problems);
      continue;
    }
    const { loaded } = result;
    const clash = byName.get(loaded.name);
    if (clash) {
      problems.push({
        file: manifestFile,
        message: `the workflow name "${loaded.name}" is already used by ${clash.manifestFile}; this one was skipped`,
        fix: 'Give each manifest a different "name"',
      });
      continue;
    }
    byName.set(loaded.name, loaded);
    workflows.push(loaded);
  }

  for (const entry of entries) {
    if (!entry.endsWith('.json') || entry.endsWith(MANIFEST_SUFFIX) || usedWorkflowFiles.has(resolve(join(dir, entry)))) continue;
    const name = entry.slice(0, -'.json'.length);
    problems.push({
      file: join(dir, entry),
      message: 'this workflow has no manifest, so the bot does not offer it',
      fix: `Add ${name}${MANIFEST_SUFFIX} next to it describing its options (see workflows/README.md)`,
    });
  }

  // Actions name other workflows: checked once all of them are known.
  problems.push(...checkActions(workflows, (name) => byName.get(name)));
  workflows.sort((a, b) => a.name.localeCompare(b.name));
  return { workflows, problems };
}

type LoadOne = ({ loaded: LoadedWorkflow } | { problems: Problem[] }) & { workflowFile?: string };

async function loadOne(manifestFile: string): Promise<LoadOne> {
  const defaultWorkflow = `${basename(manifestFile).slice(0, -MANIFEST_SUFFIX.length)}.json`;
  let manifest: Manifest;
  try {
    manifest = parseManifest(await readFile(manifestFile, 'utf8'), manifestFile);
  } catch (err) {
    // The workflow next to a broken manifest is not "without a manifest": say only what is wrong.
    return { problems: asProblems(err, manifestFile), workflowFile: join(manifestFile, '..', defaultWorkflow) };
  }
  const workflowFile = join(manifestFile, '..', manifest.workflow ?? defaultWorkflow);
  let workflow: ApiWorkflow;
  try {
    workflow = await loadWorkflowFile(workflowFile);
  } catch (err) {
    const problems = asProblems(err, workflowFile);
    if (!manifest.workflow && err instanceof WorkflowFileError && problems[0]?.message === 'does not exist') {
      problems[0] = {
        file: manifestFile,
        message: `names no "workflow" file and ${defaultWorkflow} does not exist`,
        fix: `Put the exported workflow at ${workflowFile}, or set "workflow" to its file name`,
      };
    }
    return { problems, workflowFile };
  }
  const files = { manifestFile, workflowFile };
  const problems = validateAgainstWorkflow(manifest, workflow, files);
  if (problems.length > 0) return { problems, workflowFile };
  return { loaded: { name: manifest.name, description: manifest.description, manifest, workflow, ...files }, workflowFile };
}

function asProblems(err: unknown, file: string): Problem[] {
  if (err instanceof ManifestError) return err.problems;
  if (err instanceof WorkflowFileError) return [{ file: err.file, message: err.reason, fix: err.fix }];
  const code = (err as NodeJS.ErrnoException).code;
  return [{ file, message: `cannot be read (${code ?? (err as Error).message})`, fix: 'Check that the file exists and the bot may read it' }];
}
