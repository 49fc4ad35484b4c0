// Turns a user's option values into the workflow to queue: every value is
// checked against the manifest first, then set as a JSON value on a copy.
import { z } from 'zod';
import type { ApiWorkflow, UploadAnswer } from '../comfy/index.ts';
import { aspectValues, resolveAspects } from './aspect-option.ts';
import { findNode, imageInputValue, MAX_SEED, randomSeed, seedInputs, setInput, splitNodeInput, type Random } from './edit.ts';
import { isUploadOption, type ManifestOption, type OptionOf } from './manifest.ts';
import type { LoadedWorkflow } from './registry.ts';

export interface ApplyOptions {
  /** Upload answers for attachment options (image, mask, video, audio), by option name. */
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

/**
 * What can be wrong with a value a user gave, as a code and its data; the Discord
 * layer words it in the user's language (catalogue keys `option.<code>`). Values
 * are echoed as the user typed them (strings), limits as the manifest wrote them.
 */
export const OPTION_PROBLEM_CODES = [
  'required', // { option }
  'image_required', // { option }: attach an image
  'not_image', // { option }
  'file_required', // { option }: attach a video or sound file (video and audio options)
  'not_file', // { option }: not the name of an uploaded file
  'not_text', // { option, got }
  'not_integer', // { option, got }
  'not_number', // { option, got }
  'not_boolean', // { option, got }
  'not_choice', // { option, got }
  'too_long', // { option, length, max }
  'too_short', // { option, length, min }
  'range', // { option, min, max, got }
  'at_least', // { option, min, got }
  'at_most', // { option, max, got }
  'multiple_of', // { option, step, got, below, above }
  'not_listed', // { option, choices, got }
  'mask_without_image', // { option, image }
  'unknown_options', // { workflow, options, known } (names quoted and joined)
] as const;
export type OptionProblemCode = (typeof OPTION_PROBLEM_CODES)[number];

export interface OptionValueProblem {
  option: string;
  code: OptionProblemCode;
  data: Record<string, string | number>;
}

/** Values a user gave that the workflow's manifest does not allow, each problem as a code and its data. */
export class OptionValueError extends Error {
  override name = 'OptionValueError';
  constructor(
    readonly workflow: string,
    readonly problems: OptionValueProblem[],
  ) {
    // For logs; users read the catalogue's words.
    super(problems.map((p) => `${p.option || workflow}: ${p.code} ${JSON.stringify(p.data)}`).join('\n'));
  }
}

export function applyOptions(loaded: LoadedWorkflow, values: Record<string, unknown>, options: ApplyOptions = {}): AppliedWorkflow {
  const { manifest } = loaded;
  // An aspect becomes the width and height it stands for, checked like values the user gave.
  const given = checkValues(loaded, resolveAspects(manifest, loaded.workflow, values), options.uploads ?? {});
  const params: Record<string, unknown> = {};
  let workflow = loaded.workflow;
  const setTargets = (option: ManifestOption, value: unknown) => {
    for (const t of option.targets) workflow = setInput(workflow, t.node, t.input, value);
    params[option.name] = value;
  };

  for (const option of manifest.options) {
    if (isUploadOption(option)) continue;
    const value = given[option.name] ?? ('default' in option ? option.default : undefined);
    if (value !== undefined) setTargets(option, value);
  }
  // Masks after images: both may target the same LoadImage, and the mask upload is the image with its alpha.
  for (const type of ['image', 'video', 'audio', 'mask'] as const) {
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
  // Not for attachments: the workflow's placeholder file is no file the user chose.
  for (const option of manifest.options) {
    const first = option.targets[0];
    if (params[option.name] !== undefined || !first || isUploadOption(option)) continue;
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
  const result = valuesSchema(loaded, uploads).safeParse(present, { reportInput: true });
  const problems: OptionValueProblem[] = result.success ? [] : result.error.issues.map((i) => problemOf(i, loaded));

  for (const mask of options.filter((o): o is OptionOf<'mask'> => o.type === 'mask')) {
    if (uploads[mask.name] && !uploads[mask.image] && present[mask.image] === undefined) {
      problems.push({ option: mask.name, code: 'mask_without_image', data: { option: mask.name, image: mask.image } });
    }
  }
  if (problems.length > 0) throw new OptionValueError(loaded.name, problems);
  return present;
}

/**
 * Checks one value for one option exactly as the option is checked when a job
 * starts (the same rules and messages), without the job's other values: for a
 * value saved ahead of time, such as a user's default (/settings). Throws
 * OptionValueError; an option the workflow lacks is the caller's business.
 */
export function checkOptionValue(loaded: LoadedWorkflow, name: string, value: unknown): void {
  if (!loaded.manifest.options.some((o) => o.name === name)) return;
  const mask: Record<string, true> = { [name]: true };
  const result = (valuesSchema(loaded, {}) as z.ZodObject).pick(mask).safeParse({ [name]: value }, { reportInput: true });
  if (!result.success) throw new OptionValueError(loaded.name, result.error.issues.map((i) => problemOf(i, loaded)));
}

/** Built once per workflow and set of uploaded images: building a zod schema costs far more than using it. */
const schemas = new WeakMap<LoadedWorkflow, Map<string, z.ZodType>>();

function valuesSchema(loaded: LoadedWorkflow, uploads: Record<string, UploadAnswer>): z.ZodType {
  const { options } = loaded.manifest;
  const uploaded = (o: ManifestOption) => isUploadOption(o) && uploads[o.name] !== undefined;
  const key = options.filter(uploaded).map((o) => o.name).join('\0');
  let byUploads = schemas.get(loaded);
  if (!byUploads) schemas.set(loaded, (byUploads = new Map<string, z.ZodType>()));
  const cached = byUploads.get(key);
  if (cached) return cached;
  const shape = Object.fromEntries(
    options.map((o) => {
      const schema = valueSchema(o);
      return [o.name, o.required && !uploaded(o) ? schema : schema.optional()];
    }),
  );
  const schema = z.strictObject(shape);
  byUploads.set(key, schema);
  return schema;
}

/** A problem travels through zod as a custom issue whose params hold its code and data. */
function problem(ctx: z.RefinementCtx, code: OptionProblemCode, data: Record<string, string | number>): void {
  ctx.addIssue({ code: 'custom', message: code, params: { problem: { code, data } } });
}

/** One zod issue as a problem: custom ones carry theirs; type errors and unknown keys are read here. */
function problemOf(issue: z.core.$ZodIssue, loaded: LoadedWorkflow): OptionValueProblem {
  const option = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') {
    const known = loaded.manifest.options.map((o) => `"${o.name}"`).join(', ');
    return { option: '', code: 'unknown_options', data: { workflow: loaded.name, options: issue.keys.map((k) => `"${k}"`).join(', '), known } };
  }
  const carried = issue.code === 'custom' ? (issue.params?.['problem'] as Omit<OptionValueProblem, 'option'> | undefined) : undefined;
  if (carried) return { option, ...carried };
  const manifestOption = loaded.manifest.options.find((o) => o.name === option);
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) {
    const type = manifestOption?.type;
    const code = type === 'image' || type === 'mask' ? 'image_required' : type === 'video' || type === 'audio' ? 'file_required' : 'required';
    return { option, code, data: { option } };
  }
  const code: OptionProblemCode = manifestOption ? TYPE_PROBLEM[manifestOption.type] : 'not_text';
  return { option, code, data: { option, got: shown(input) } };
}

const TYPE_PROBLEM: Record<ManifestOption['type'], OptionProblemCode> = {
  text: 'not_text',
  integer: 'not_integer',
  number: 'not_number',
  boolean: 'not_boolean',
  choice: 'not_choice',
  image: 'not_image',
  mask: 'not_image',
  aspect: 'not_choice',
  video: 'not_file',
  audio: 'not_file',
};

/** A value as the user sent it, in no language: numbers as digits, anything else as JSON. */
function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 59)}…` : json;
}

function valueSchema(option: ManifestOption): z.ZodType {
  const { name } = option;
  // Type errors and missing values are worded by problemOf (zod's issue has the input).
  const typed = { error: () => name };
  switch (option.type) {
    case 'text':
      return z.string(typed).superRefine((s, ctx) => {
        if (option.maxLength !== undefined && s.length > option.maxLength) {
          problem(ctx, 'too_long', { option: name, length: String(s.length), max: String(option.maxLength) });
        }
        if (option.minLength !== undefined && s.length < option.minLength) {
          problem(ctx, 'too_short', { option: name, length: String(s.length), min: String(option.minLength) });
        }
      });
    case 'integer':
    case 'number': {
      const integer = option.type === 'integer';
      return z.number(typed).superRefine((n, ctx) => {
        const got = String(n);
        if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) return problem(ctx, integer ? 'not_integer' : 'not_number', { option: name, got });
        const { min, max } = option;
        if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
          if (min !== undefined && max !== undefined) return problem(ctx, 'range', { option: name, min: String(min), max: String(max), got });
          if (min !== undefined) return problem(ctx, 'at_least', { option: name, min: String(min), got });
          return problem(ctx, 'at_most', { option: name, max: String(max), got });
        }
        if (integer && !Number.isSafeInteger(n)) return problem(ctx, 'range', { option: name, min: String(-MAX_SEED), max: String(MAX_SEED), got });
        if (option.type === 'integer' && option.multipleOf !== undefined && n % option.multipleOf !== 0) {
          const below = n - (n % option.multipleOf);
          problem(ctx, 'multiple_of', { option: name, step: String(option.multipleOf), got, below: String(below), above: String(below + option.multipleOf) });
        }
      });
    }
    case 'boolean':
      return z.boolean(typed);
    case 'choice': {
      const listed = option.choices.from === 'list' ? option.choices.values : undefined;
      return z.string(typed).superRefine((s, ctx) => {
        if (listed && !listed.includes(s)) problem(ctx, 'not_listed', { option: name, choices: listed.join(', '), got: shown(s) });
      });
    }
    case 'aspect': {
      const offered = aspectValues(option);
      return z.string(typed).superRefine((s, ctx) => {
        if (!(offered as readonly string[]).includes(s)) problem(ctx, 'not_listed', { option: name, choices: offered.join(', '), got: shown(s) });
      });
    }
    case 'image':
    case 'mask':
      // An already uploaded file, by the name ComfyUI knows it under (e.g. a previous result reused as a source).
      return z.string(typed).min(1, { error: () => name });
    case 'video':
    case 'audio':
      // As for images: the name of an uploaded file (the attachment itself is checked in the Discord layer).
      return z.string(typed).min(1, { error: () => name });
  }
}
