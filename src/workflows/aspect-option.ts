// A manifest's `aspect` options (U5): which width and height each ratio gives,
// and how a job's values become sizes. The sizes themselves come from
// sizeForAspect; this knows the manifest (its width and height options, its base).
import type { ApiWorkflow } from '../comfy/index.ts';
import { ASPECTS, sizeForAspect, type Aspect } from './aspect.ts';
import { findNode, NodeRefError } from './edit.ts';
import type { Manifest, OptionOf } from './manifest.ts';
import type { Problem } from './problems.ts';

export type AspectOption = OptionOf<'aspect'>;

const STEP = 8;

/** The ratios an aspect option offers, in its order. */
export function aspectValues(option: AspectOption): readonly Aspect[] {
  return option.values ?? ASPECTS;
}

export function aspectOptions(manifest: Manifest): AspectOption[] {
  return manifest.options.filter((o): o is AspectOption => o.type === 'aspect');
}

/** The integer option an aspect option sets for one side (manifests are checked for it at load). */
function sideOption(manifest: Manifest, name: string): OptionOf<'integer'> | undefined {
  const o = manifest.options.find((x) => x.name === name);
  return o?.type === 'integer' ? o : undefined;
}

/** The value a side has when nobody sets it: the option's default, else what the workflow holds. */
function sideDefault(manifest: Manifest, workflow: ApiWorkflow, name: string): number | undefined {
  const o = sideOption(manifest, name);
  if (!o) return undefined;
  if (o.default !== undefined) return o.default;
  const target = o.targets[0];
  if (!target) return undefined;
  try {
    const value = findNode(workflow, target.node).node.inputs[target.input];
    return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  } catch (err) {
    if (err instanceof NodeRefError) return undefined;
    throw err;
  }
}

/** The size every ratio keeps the pixel count of: the declared `base`, else the sides' own defaults. */
export function aspectBase(manifest: Manifest, workflow: ApiWorkflow, option: AspectOption): { width: number; height: number } | undefined {
  if (option.base) return option.base;
  const width = sideDefault(manifest, workflow, option.width);
  const height = sideDefault(manifest, workflow, option.height);
  return width !== undefined && height !== undefined ? { width, height } : undefined;
}

const isAspect = (v: unknown): v is Aspect => typeof v === 'string' && (ASPECTS as readonly string[]).includes(v);
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const roundToStep = (n: number) => Math.max(STEP, Math.round(n / STEP) * STEP);

/**
 * The values with each given (or default) aspect turned into its width and
 * height. A side given explicitly wins; the other then follows the ratio. Both
 * given: the aspect changes nothing. Values that are not a ratio or a number are
 * left for the value check to refuse with its usual message.
 */
export function resolveAspects(manifest: Manifest, workflow: ApiWorkflow, values: Record<string, unknown>): Record<string, unknown> {
  const aspects = aspectOptions(manifest);
  if (aspects.length === 0) return values;
  const out = { ...values };
  for (const option of aspects) {
    const aspect = out[option.name] ?? option.default;
    if (!isAspect(aspect)) continue;
    const width = out[option.width];
    const height = out[option.height];
    const given = (v: unknown) => v !== undefined && v !== null;
    if (given(width) && given(height)) continue;
    const [rw, rh] = aspect.split(':').map(Number) as [number, number];
    if (given(width)) {
      if (isInteger(width)) out[option.height] = roundToStep((width * rh) / rw);
    } else if (given(height)) {
      if (isInteger(height)) out[option.width] = roundToStep((height * rw) / rh);
    } else {
      const base = aspectBase(manifest, workflow, option);
      if (!base) continue;
      const size = sizeForAspect(aspect, base);
      out[option.width] = size.width;
      out[option.height] = size.height;
    }
  }
  return out;
}

/**
 * At load: each aspect option has a base size, and every ratio it offers gives a
 * width and height its width and height options accept, so no user ever meets a
 * size the owner's own limits refuse.
 */
export function aspectProblems(manifest: Manifest, workflow: ApiWorkflow, file: string): Problem[] {
  const problems: Problem[] = [];
  for (const option of aspectOptions(manifest)) {
    const add = (message: string, fix: string) => problems.push({ file, option: option.name, message, fix });
    const width = sideOption(manifest, option.width);
    const height = sideOption(manifest, option.height);
    // A missing or non-integer side is the manifest's own problem, reported when it was parsed.
    if (!width || !height) continue;
    const base = aspectBase(manifest, workflow, option);
    if (!base) {
      add(
        `has no base size: the options "${width.name}" and "${height.name}" have no "default" and their targets hold no whole number`,
        'Add "base": {"width": 1024, "height": 1024} to the aspect option, or give the width and height options a default',
      );
      continue;
    }
    for (const aspect of aspectValues(option)) {
      const size = sizeForAspect(aspect, base);
      for (const [side, value] of [
        [width, size.width],
        [height, size.height],
      ] as const) {
        const outside = (side.min !== undefined && value < side.min) || (side.max !== undefined && value > side.max);
        const off = side.multipleOf !== undefined && value % side.multipleOf !== 0;
        if (outside || off) {
          add(
            `${aspect} at the base ${base.width}×${base.height} gives ${side.name} ${value}, which the option "${side.name}" does not allow (${side.min ?? '…'}–${side.max ?? '…'}${side.multipleOf !== undefined ? `, a multiple of ${side.multipleOf}` : ''})`,
            `Use a smaller or larger "base", widen "${side.name}"'s range, or leave ${aspect} out of "values"`,
          );
        }
      }
    }
  }
  return problems;
}
