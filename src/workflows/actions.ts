// A manifest's `actions`: per-image buttons on a workflow's results (Upscale n,
// Vary n, or an owner's own) that run another workflow on that image. Checked
// against their target workflows once every workflow has loaded, so a broken
// action is a load problem that names it, not a failure when someone presses it.
import { checkOptionValue, OptionValueError } from './apply.ts';
import { isUploadOption, type Action, type ManifestOption } from './manifest.ts';
import type { Problem } from './problems.ts';
import type { LoadedWorkflow } from './registry.ts';

/** Inputs a seed option sets: never carried from the parent job, so every action draws a new seed. */
const SEED_INPUTS = new Set(['seed', 'noise_seed']);

export function isSeedOption(option: ManifestOption): boolean {
  return option.targets.some((t) => SEED_INPUTS.has(t.input));
}

/**
 * Checks every action of every workflow against its target and drops the broken
 * ones (the workflow itself stays). Returns a problem for each, naming the action.
 */
export function checkActions(workflows: Iterable<LoadedWorkflow>, byName: (name: string) => LoadedWorkflow | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const source of workflows) {
    const kept: Record<string, Action> = {};
    for (const [name, action] of Object.entries(source.manifest.actions)) {
      const found = actionProblems(source, name, action, byName);
      if (found.length === 0) kept[name] = action;
      problems.push(...found);
    }
    if (Object.keys(kept).length !== Object.keys(source.manifest.actions).length) source.manifest = { ...source.manifest, actions: kept };
  }
  return problems;
}

function actionProblems(source: LoadedWorkflow, name: string, action: Action, byName: (name: string) => LoadedWorkflow | undefined): Problem[] {
  const file = source.manifestFile;
  const problem = (message: string, fix: string): Problem => ({ file, action: name, message, fix });
  const target = byName(action.workflow);
  if (!target) {
    return [
      problem(
        `runs the workflow "${action.workflow}", which is not loaded (missing, broken, or skipped because the ComfyUI server cannot run it)`,
        `Add workflows/${action.workflow}.json with its manifest, fix the problems logged for it, or name a loaded workflow in "workflow"`,
      ),
    ];
  }
  const problems: Problem[] = [];
  const image = target.manifest.options.find((o) => o.name === action.image);
  const imageFits = image?.type === 'image';
  if (!imageFits) {
    const images = target.manifest.options.filter((o) => o.type === 'image').map((o) => `"${o.name}"`);
    problems.push(
      problem(
        `"image" names "${action.image}", which is not an image option of ${target.name}`,
        images.length > 0 ? `Use ${images.join(' or ')}` : `Pick a workflow that takes an image (${target.name} has no option of type "image")`,
      ),
    );
  }
  for (const [option, value] of Object.entries(action.set)) {
    const known = target.manifest.options.find((o) => o.name === option);
    if (!known || isUploadOption(known)) {
      const names = target.manifest.options.filter((o) => !isUploadOption(o)).map((o) => `"${o.name}"`);
      problems.push(problem(`"set" gives "${option}", which is not an option of ${target.name} it can set`, `Use one of ${names.join(', ') || '(none)'}`));
      continue;
    }
    try {
      checkOptionValue(target, option, value);
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      const why = err.problems.map((p) => `${p.code} ${JSON.stringify(p.data)}`).join('; ');
      problems.push(problem(`"set" gives "${option}" ${JSON.stringify(value)}, which ${target.name} refuses (${why})`, `Give a value ${target.name}'s option "${option}" accepts`));
    }
  }
  // Every option the target requires must get a value: the image, "set", or the source job's option of that name.
  for (const option of target.manifest.options) {
    if (!option.required || option.name === action.image || Object.hasOwn(action.set, option.name)) continue;
    // The picture's own option: already said above when "image" names another one.
    if (option.type === 'image' && !imageFits) continue;
    if (source.manifest.options.some((o) => o.name === option.name && !isUploadOption(o))) continue;
    problems.push(
      problem(
        `${target.name} requires "${option.name}", which neither "set" nor ${source.name} (no option of that name) gives`,
        `Add "${option.name}" to "set"`,
      ),
    );
  }
  return problems;
}

/**
 * The values an action's job starts with: the parent job's values for every option of
 * the target with the same name (prompt, negative, checkpoint, steps…; a value the
 * target would refuse is left out), never its seeds or files, then the action's `set`.
 */
export function actionValues(target: LoadedWorkflow, action: Action, parentParams: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const option of target.manifest.options) {
    if (isUploadOption(option) || isSeedOption(option) || option.type === 'aspect') continue;
    const value = parentParams[option.name];
    if (value === undefined || value === null) continue;
    try {
      checkOptionValue(target, option.name, value);
      values[option.name] = value;
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
    }
  }
  return { ...values, ...action.set };
}
