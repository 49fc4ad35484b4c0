// Turns a user's option values into the workflow to queue: every value is
// checked against the manifest first, then set as a JSON value on a copy.
import { z } from 'zod';
import type { ApiWorkflow, UploadAnswer } from '../comfy/index.ts';
import { findNode, imageInputValue, MAX_SEED, randomSeed, seedInputs, setInput, splitNodeInput, type Random } from './edit.ts';
import type { ManifestOption, OptionOf } from './manifest.ts';
import { describeValue } from './problems.ts';
import type { LoadedWorkflow } from './registry.ts';

export interface ApplyOptions {
  /** Upload answers for image and mask options, by option name. */
  uploads?: Record<string, UploadAnswer>;
  random?: Random;
  /** Seeds to use instead of random ones, keyed as in the result's `seeds`: reruns a job exactly. */
  seeds?: Record<string, number>;
}

export interface AppliedWorkflow {
  workflow: ApiWorkflow;
  /** Every seed the workflow will use, by `<node>.<input>` (as written in the manifest's `seeds`). */
  seeds: Record<string, number>;
  /** The value of every option as run: given, default, random seed, or the workflow's own value. */
  params: Record<string, unknown>;
}

export interface OptionValueProblem {
  option: string;
  message: string;
}

/** Values a user gave that the workflow's manifest does not allow; the message is written for that user. */
export class OptionValueError extends Error {
  override name = 'OptionValueError';
  constructor(
    readonly workflow: string,
    readonly problems: OptionValueProblem[],
  ) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

export function applyOptions(loaded: LoadedWorkflow, values: Record<string, unknown>, options: ApplyOptions = {}): AppliedWorkflow {
  const { manifest } = loaded;
  const given = checkValues(loaded, values, options.uploads ?? {});
  const params: Record<string, unknown> = {};
  let workflow = loaded.workflow;
  const setTargets = (option: ManifestOption, value: unknown) => {
    for (const t of option.targets) workflow = setInput(workflow, t.node, t.input, value);
    params[option.name] = value;
  };

  for (const option of manifest.options) {
    if (option.type === 'image' || option.type === 'mask') continue;
    const value = given[option.name] ?? ('default' in option ? option.default : undefined);
    if (value !== undefined) setTargets(option, value);
  }
  // Masks after images: both may target the same LoadImage, and the mask upload is the image with its alpha.
  for (const type of ['image', 'mask'] as const) {
    for (const option of manifest.options.filter((o) => o.type === type)) {
      const upload = options.uploads?.[option.name];
      const value = upload ? imageInputValue(upload) : given[option.name];
      if (value !== undefined) setTargets(option, value);
    }
  }

  const seeds: Record<string, number> = {};
  for (const { key, node, input } of seedTargets(loaded)) {
    const id = findNode(workflow, node).id;
    const seedOptions = manifest.options.filter((o) => o.targets.some((t) => t.input === input && findNode(workflow, t.node).id === id));
    const setByOption = seedOptions.find((o) => params[o.name] !== undefined);
    if (setByOption) {
      seeds[key] = params[setByOption.name] as number;
      continue;
    }
    const bounds = seedOptions.find((o): o is OptionOf<'integer'> => o.type === 'integer');
    const seed = options.seeds?.[key] ?? randomSeed(options.random, Math.max(0, bounds?.min ?? 0), Math.min(MAX_SEED, bounds?.max ?? MAX_SEED));
    workflow = setInput(workflow, id, input, seed);
    seeds[key] = seed;
    for (const o of seedOptions) params[o.name] = seed;
  }

  // Options nobody set keep the workflow's value; record it so the job shows and reruns with what it used.
  // Not for images: the workflow's placeholder file is no picture the user chose.
  for (const option of manifest.options) {
    const first = option.targets[0];
    if (params[option.name] !== undefined || !first || option.type === 'image' || option.type === 'mask') continue;
    const value = findNode(workflow, first.node).node.inputs[first.input];
    if (value !== undefined) params[option.name] = value;
  }
  return { workflow: workflow === loaded.workflow ? structuredClone(workflow) : workflow, seeds, params };
}

/** The manifest's `seeds`, or every seed input of the workflow when it lists none. */
function seedTargets(loaded: LoadedWorkflow): { key: string; node: string; input: string }[] {
  if (loaded.manifest.seeds) {
    return loaded.manifest.seeds.flatMap((key) => {
      const ref = splitNodeInput(key);
      return ref ? [{ key, ...ref }] : [];
    });
  }
  return seedInputs(loaded.workflow).map(({ id, input }) => ({ key: `${id}.${input}`, node: id, input }));
}

/** Checks the values with a zod schema built from the manifest; returns them without empty entries. */
function checkValues(loaded: LoadedWorkflow, values: Record<string, unknown>, uploads: Record<string, UploadAnswer>): Record<string, unknown> {
  const { options } = loaded.manifest;
  // Discord and JSON both say "not given" with null as well as by leaving a key out.
  const present = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined));
  const result = valuesSchema(loaded, uploads).safeParse(present);
  const problems: OptionValueProblem[] = result.success
    ? []
    : result.error.issues.map((i) => ({ option: String(i.path[0] ?? ''), message: i.message }));

  for (const mask of options.filter((o): o is OptionOf<'mask'> => o.type === 'mask')) {
    if (uploads[mask.name] && !uploads[mask.image] && present[mask.image] === undefined) {
      problems.push({ option: mask.name, message: `${mask.name} belongs to the image "${mask.image}": attach that image too` });
    }
  }
  if (problems.length > 0) throw new OptionValueError(loaded.name, problems);
  return present;
}

/** Built once per workflow and set of uploaded images: building a zod schema costs far more than using it. */
const schemas = new WeakMap<LoadedWorkflow, Map<string, z.ZodType>>();

function valuesSchema(loaded: LoadedWorkflow, uploads: Record<string, UploadAnswer>): z.ZodType {
  const { options } = loaded.manifest;
  const uploaded = (o: ManifestOption) => (o.type === 'image' || o.type === 'mask') && uploads[o.name] !== undefined;
  const key = options.filter(uploaded).map((o) => o.name).join('\0');
  let byUploads = schemas.get(loaded);
  if (!byUploads) schemas.set(loaded, (byUploads = new Map()));
  const cached = byUploads.get(key);
  if (cached) return cached;
  const shape = Object.fromEntries(
    options.map((o) => {
      const schema = valueSchema(o);
      return [o.name, o.required && !uploaded(o) ? schema : schema.optional()];
    }),
  );
  const names = options.map((o) => `"${o.name}"`).join(', ');
  const schema = z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `${loaded.name} has no option ${iss.keys.map((k) => `"${k}"`).join(', ')}; its options are ${names || 'none'}`
        : undefined,
  });
  byUploads.set(key, schema);
  return schema;
}

function valueSchema(option: ManifestOption): z.ZodType {
  const { name } = option;
  const typeError = (kind: string) => (iss: { input: unknown }) =>
    iss.input === undefined ? `${name} is required` : `${name} must be ${kind} (got ${describeValue(iss.input)})`;
  switch (option.type) {
    case 'text':
      return z.string({ error: typeError('text') }).superRefine((s, ctx) => {
        if (option.maxLength !== undefined && s.length > option.maxLength) {
          ctx.addIssue({ code: 'custom', message: `${name} is too long: ${s.length} characters, at most ${option.maxLength}` });
        }
        if (option.minLength !== undefined && s.length < option.minLength) {
          ctx.addIssue({ code: 'custom', message: `${name} is too short: ${s.length} characters, at least ${option.minLength}` });
        }
      });
    case 'integer':
    case 'number': {
      const integer = option.type === 'integer';
      return z.number({ error: typeError(integer ? 'a whole number' : 'a number') }).superRefine((n, ctx) => {
        const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
        if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) return fail(`${name} must be a ${integer ? 'whole ' : ''}number (got ${n})`);
        const { min, max } = option;
        if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
          return fail(
            min !== undefined && max !== undefined
              ? `${name} must be between ${min} and ${max} (got ${n})`
              : min !== undefined
                ? `${name} must be at least ${min} (got ${n})`
                : `${name} must be at most ${max} (got ${n})`,
          );
        }
        if (integer && !Number.isSafeInteger(n)) return fail(`${name} must be between ${-MAX_SEED} and ${MAX_SEED} (got ${n})`);
        if (option.type === 'integer' && option.multipleOf !== undefined && n % option.multipleOf !== 0) {
          const below = n - (n % option.multipleOf);
          fail(`${name} must be a multiple of ${option.multipleOf} (got ${n}; try ${below} or ${below + option.multipleOf})`);
        }
      });
    }
    case 'boolean':
      return z.boolean({ error: typeError('true or false') });
    case 'choice': {
      const listed = option.choices.from === 'list' ? option.choices.values : undefined;
      return z.string({ error: typeError('one of the offered choices') }).superRefine((s, ctx) => {
        if (listed && !listed.includes(s)) ctx.addIssue({ code: 'custom', message: `${name} must be one of ${listed.join(', ')} (got ${describeValue(s)})` });
      });
    }
    case 'image':
    case 'mask':
      // An already uploaded file, by the name ComfyUI knows it under (e.g. a previous result reused as a source).
      return z.string({ error: (iss) => (iss.input === undefined ? `${name} is required: attach an image` : `${name} must be an image`) }).min(1);
  }
}
