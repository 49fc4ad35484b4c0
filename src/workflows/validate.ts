// Checks a manifest against its workflow (at load time) and against a
// server's node definitions (when a server is known), so a mistake is found
// when the bot starts instead of when a user's job fails.
import {
  type ApiWorkflow,
  findInputSpec,
  type NodeInfo,
  NodeLink,
  type ObjectInfo,
  readInputSpec,
  type WorkflowNode,
} from '../comfy/index.ts';
import { aspectProblems } from './aspect-option.ts';
import { describeNode, findNode, NodeRefError, splitNodeInput, type NodeInputRef } from './edit.ts';
import { isModelFileName, modelFolderOf, optionTargets } from './model-files.ts';
import type { Manifest, ManifestOption, OptionType } from './manifest.ts';
import { describeValue, type Problem } from './problems.ts';

/** Which files problems point at. A LoadedWorkflow fits. */
export interface WorkflowFiles {
  manifestFile: string;
  workflowFile: string;
}

function defaultFiles(manifest: Manifest): WorkflowFiles {
  return { manifestFile: `${manifest.name}.manifest.json`, workflowFile: manifest.workflow ?? `${manifest.name}.json` };
}

/** What a workflow value must be for an option of each type to replace it. */
const VALUE_FITS: Record<OptionType, { fits: (v: unknown) => boolean; kind: string }> = {
  text: { fits: (v) => typeof v === 'string', kind: 'text' },
  integer: { fits: (v) => Number.isInteger(v), kind: 'a whole number' },
  number: { fits: (v) => typeof v === 'number', kind: 'a number' },
  boolean: { fits: (v) => typeof v === 'boolean', kind: 'true or false' },
  choice: { fits: (v) => typeof v === 'string', kind: 'text' },
  image: { fits: (v) => typeof v === 'string', kind: 'an image file name' },
  mask: { fits: (v) => typeof v === 'string', kind: 'an image file name' },
  // Targets nothing: it sets its width and height options.
  aspect: { fits: () => false, kind: 'nothing' },
  video: { fits: (v) => typeof v === 'string', kind: 'a video file name' },
  audio: { fits: (v) => typeof v === 'string', kind: 'an audio file name' },
};

/** The option type that fits a value, to suggest in a fix. */
function typeFor(value: unknown): string {
  if (Number.isInteger(value)) return 'integer';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'text';
}

/** The server input types each option type may set. */
const SERVER_TYPES: Record<OptionType, string[]> = {
  text: ['STRING'],
  integer: ['INT', 'FLOAT'],
  number: ['FLOAT'],
  boolean: ['BOOLEAN'],
  choice: ['COMBO', 'STRING'],
  image: ['COMBO', 'STRING'],
  mask: ['COMBO', 'STRING'],
  aspect: [],
  video: ['COMBO', 'STRING'],
  audio: ['COMBO', 'STRING'],
};

/**
 * Combos whose node checks the file exists itself (`VALIDATE_INPUTS`), so ComfyUI
 * skips the list check: LoadImage, LoadVideo, LoadAudio and their kin, marked in
 * object_info by these upload flags.
 */
const UPLOAD_FLAGS = ['image_upload', 'video_upload', 'audio_upload'];

const isLink = (value: unknown): boolean => NodeLink.safeParse(value).success;

interface ResolvedTarget {
  id: string;
  node: WorkflowNode;
}

/** Finds a referenced node, or records why it cannot be found. */
function resolve(workflow: ApiWorkflow, ref: NodeInputRef, onError: (message: string, fix: string) => void): ResolvedTarget | undefined {
  try {
    return findNode(workflow, ref.node);
  } catch (err) {
    if (!(err instanceof NodeRefError)) throw err;
    const fix =
      err.reason === 'ambiguous'
        ? 'Use the node id instead, or give the nodes different titles in ComfyUI and export again'
        : 'Use one of these ids or titles (a title is the node\'s name in ComfyUI, matched exactly)';
    onError(`node "${ref.node}" not found: ${err.message}`, fix);
    return undefined;
  }
}

/**
 * Targets, seeds and outputs name nodes and inputs that exist in the
 * workflow, and each option's type fits the value it replaces.
 */
export function validateAgainstWorkflow(manifest: Manifest, workflow: ApiWorkflow, files: WorkflowFiles = defaultFiles(manifest)): Problem[] {
  const problems: Problem[] = [];
  const file = files.manifestFile;
  const wf = files.workflowFile;
  const setBy = new Map<string, ManifestOption>();

  for (const option of manifest.options) {
    const add = (message: string, fix: string) => problems.push({ file, option: option.name, message, fix });
    for (const ref of option.targets) {
      const target = resolve(workflow, ref, (m, f) => add(`target ${m} in ${wf}`, f));
      if (!target) continue;
      const where = `target ${describeNode(target.id, target.node)} "${ref.input}"`;
      if (!Object.hasOwn(target.node.inputs, ref.input)) {
        add(
          `${where}: the node has no input "${ref.input}" in ${wf}; its inputs are ${Object.keys(target.node.inputs).join(', ') || 'none'}`,
          'Use one of these input names',
        );
        continue;
      }
      const value = target.node.inputs[ref.input];
      if (isLink(value)) {
        add(
          `${where} is connected to node "${(value as [string, number])[0]}" in ${wf}, so an option cannot set it`,
          'Target the input of the node the link comes from, or turn the input back into a widget in ComfyUI and export again',
        );
        continue;
      }
      const { fits, kind } = VALUE_FITS[option.type];
      if (!fits(value)) {
        add(
          `${where} holds ${describeValue(value)} in ${wf}, but a "${option.type}" option sets ${kind}`,
          `Target an input that holds ${kind}, or make the option "type": "${typeFor(value)}"`,
        );
        continue;
      }
      const key = `${target.id}.${ref.input}`;
      const other = setBy.get(key);
      const pairedMask = other && ((option.type === 'mask' && option.image === other.name) || (other.type === 'mask' && other.image === option.name));
      if (other && other !== option && !pairedMask) {
        add(`${where} is also set by option "${other.name}"`, 'Let only one option set each input');
      }
      setBy.set(key, option);
    }
  }

  for (const seed of manifest.seeds ?? []) {
    const ref = splitNodeInput(seed);
    if (!ref) continue;
    const add = (message: string, fix: string) => problems.push({ file, message: `"seeds" entry "${seed}": ${message}`, fix });
    const target = resolve(workflow, ref, (m, f) => add(`${m} in ${wf}`, f));
    if (!target) continue;
    const value = target.node.inputs[ref.input];
    if (!Object.hasOwn(target.node.inputs, ref.input)) {
      add(`node ${describeNode(target.id, target.node)} has no input "${ref.input}"`, `Use one of ${Object.keys(target.node.inputs).join(', ')}`);
    } else if (typeof value !== 'number') {
      add(`holds ${describeValue(value)}, not a number`, 'List only seed inputs that hold a number (not a link)');
    }
  }

  for (const output of manifest.outputs) {
    resolve(workflow, { node: output, input: '' }, (m, f) => problems.push({ file, message: `"outputs" entry ${m} in ${wf}`, fix: f }));
  }
  problems.push(...aspectProblems(manifest, workflow, file));
  return problems;
}

/**
 * Everything the server must provide: each node class, each targeted input
 * with a type that fits its option, bounds and fixed values the server
 * accepts, combos that choice options read, and real output nodes.
 * Targets validateAgainstWorkflow rejects are skipped here.
 */
export function validateAgainstObjectInfo(
  manifest: Manifest,
  workflow: ApiWorkflow,
  objectInfo: ObjectInfo,
  files: WorkflowFiles = defaultFiles(manifest),
): Problem[] {
  const problems: Problem[] = [];
  const file = files.manifestFile;
  const ignore = () => {};

  for (const [id, node] of Object.entries(workflow)) {
    if (!Object.hasOwn(objectInfo, node.class_type)) {
      problems.push({
        file: files.workflowFile,
        message: `node ${describeNode(id, node)} uses the node class "${node.class_type}", which this ComfyUI server does not have`,
        fix: 'Install the custom nodes that provide it on the server and restart ComfyUI, or remove the node from the workflow',
      });
    }
  }
  const classOf = (node: WorkflowNode): NodeInfo | undefined => (Object.hasOwn(objectInfo, node.class_type) ? objectInfo[node.class_type] : undefined);
  problems.push(...checkFixedChoices(workflow, manifest, classOf, files.workflowFile));

  for (const option of manifest.options) {
    const add = (message: string, fix: string) => problems.push({ file, option: option.name, message, fix });
    if (option.type === 'choice' && option.choices.from === 'node_input') {
      checkChoiceSource(option.choices, objectInfo, add);
    }
    for (const ref of option.targets) {
      const target = resolve(workflow, ref, ignore);
      const info = target && classOf(target.node);
      if (!target || !info || !Object.hasOwn(target.node.inputs, ref.input)) continue;
      const where = `target ${describeNode(target.id, target.node)} "${ref.input}"`;
      const spec = findInputSpec(info, ref.input);
      if (!spec) {
        add(
          `${where}: the server's ${target.node.class_type} has no input "${ref.input}"; it has ${inputNames(info).join(', ') || 'none'}`,
          'Use one of these input names, or update the node on the server',
        );
        continue;
      }
      const { type, options, choices } = readInputSpec(spec);
      if (!SERVER_TYPES[option.type].includes(type)) {
        add(
          `${where} is a ${type} input on the server, which a "${option.type}" option cannot set`,
          `Use an option of type ${suggestType(type)}, or target another input`,
        );
        continue;
      }
      if (option.type === 'integer' || option.type === 'number') {
        checkBounds(option, options, where, add);
      }
      if (option.type === 'choice' && type === 'COMBO' && choices) {
        checkChoiceValues(option, choices, where, add);
      }
    }
  }

  for (const seed of manifest.seeds ?? []) {
    const ref = splitNodeInput(seed);
    const target = ref && resolve(workflow, ref, ignore);
    const info = target && classOf(target.node);
    if (!ref || !target || !info) continue;
    const spec = findInputSpec(info, ref.input);
    const type = spec && readInputSpec(spec).type;
    if (type !== 'INT') {
      problems.push({
        file,
        message: `"seeds" entry "${seed}" is ${spec ? `a ${type} input` : 'not an input'} of the server's ${target.node.class_type}, not a whole-number seed`,
        fix: 'List only seed inputs, e.g. "KSampler.seed" or "KSamplerAdvanced.noise_seed"',
      });
    }
  }

  for (const output of manifest.outputs) {
    const target = resolve(workflow, { node: output, input: '' }, ignore);
    const info = target && classOf(target.node);
    if (target && info && !info.output_node) {
      problems.push({
        file,
        message: `"outputs" entry "${output}" is ${describeNode(target.id, target.node)}, which is not an output node`,
        fix: 'List the nodes that save or preview images, such as SaveImage',
      });
    }
  }
  return problems;
}

/**
 * Values the workflow fixes in list inputs (no option sets them) must be in the
 * server's list, or ComfyUI refuses every job ("value_not_in_list"): a model file
 * the server lacks, a sampler an older server does not know. A missing model file
 * is marked (`model`), so a check without the server's models can set it aside.
 */
function checkFixedChoices(
  workflow: ApiWorkflow,
  manifest: Manifest,
  classOf: (node: WorkflowNode) => NodeInfo | undefined,
  file: string,
): Problem[] {
  const problems: Problem[] = [];
  const targeted = optionTargets(workflow, manifest);
  for (const [id, node] of Object.entries(workflow)) {
    const info = classOf(node);
    if (!info) continue;
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string' || targeted.has(`${id}.${input}`)) continue;
      const spec = findInputSpec(info, input);
      if (!spec) continue;
      const { type, options, choices } = readInputSpec(spec);
      if (type !== 'COMBO' || !choices || UPLOAD_FLAGS.some((f) => options[f] === true) || choices.includes(value)) continue;
      const where = `node ${describeNode(id, node)} "${input}" is ${describeValue(value)}`;
      if (isModelFileName(value)) {
        const folder = modelFolderOf(node.class_type, input);
        problems.push({
          file,
          model: value,
          message: `${where}, a model file this ComfyUI server does not have`,
          fix: `Put ${value} in ComfyUI/models/${folder ?? '<the folder of that loader>'} on the server (then restart ComfyUI or refresh its node list), or use a model it has`,
        });
      } else {
        problems.push({ file, message: `${where}, which this ComfyUI server does not offer`, fix: `Use one of: ${preview(choices)}` });
      }
    }
  }
  return problems;
}

function inputNames(info: NodeInfo): string[] {
  return [...Object.keys(info.input.required ?? {}), ...Object.keys(info.input.optional ?? {})];
}

function suggestType(serverType: string): string {
  const fitting = (Object.keys(SERVER_TYPES) as OptionType[]).filter((t) => SERVER_TYPES[t].includes(serverType) && t !== 'mask');
  return fitting.length > 0 ? fitting.map((t) => `"${t}"`).join(' or ') : `that fits ${serverType} (links cannot be set by options)`;
}

type Add = (message: string, fix: string) => void;

function checkBounds(
  option: Extract<ManifestOption, { type: 'integer' | 'number' }>,
  serverOptions: Record<string, unknown>,
  where: string,
  add: Add,
): void {
  const min = typeof serverOptions['min'] === 'number' ? serverOptions['min'] : undefined;
  const max = typeof serverOptions['max'] === 'number' ? serverOptions['max'] : undefined;
  const range = `${min ?? '…'}–${max ?? '…'}`;
  for (const field of ['default', 'min', 'max'] as const) {
    const value = option[field];
    if (value === undefined) continue;
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      add(`"${field}" ${value} is outside what the server accepts for ${where} (${range})`, `Use a "${field}" between ${min ?? '…'} and ${max ?? '…'}`);
    }
  }
}

function checkChoiceValues(option: Extract<ManifestOption, { type: 'choice' }>, allowed: string[], where: string, add: Add): void {
  const listed = option.choices.from === 'list' ? option.choices.values : [];
  const missing = listed.filter((v) => !allowed.includes(v));
  if (missing.length > 0) {
    add(
      `values ${missing.map((v) => `"${v}"`).join(', ')} are not allowed by ${where} on the server`,
      `Use values the server lists: ${preview(allowed)}`,
    );
  }
  if (option.default !== undefined && !listed.includes(option.default) && !allowed.includes(option.default)) {
    add(
      `"default" "${option.default}" is not available for ${where} on the server`,
      option.choices.from === 'models'
        ? 'Remove "default" so the workflow\'s own value is used and users pick from the server\'s list'
        : `Use one of: ${preview(allowed)}`,
    );
  }
}

function checkChoiceSource(source: { node: string; input: string }, objectInfo: ObjectInfo, add: Add): void {
  const info = Object.hasOwn(objectInfo, source.node) ? objectInfo[source.node] : undefined;
  const at = `"choices" reads ${source.node}.${source.input}`;
  if (!info) {
    add(`${at}, but the server has no node class "${source.node}"`, '"node" in "choices" is a node class (class_type) such as "KSampler", not a title');
    return;
  }
  const spec = findInputSpec(info, source.input);
  if (!spec) {
    add(`${at}, but ${source.node} has no input "${source.input}"; it has ${inputNames(info).join(', ')}`, 'Use one of these input names');
    return;
  }
  const { type } = readInputSpec(spec);
  if (type !== 'COMBO') {
    add(`${at}, which is a ${type} input, not a list of choices`, 'Point "choices" at a combo input, such as KSampler.sampler_name');
  }
}

function preview(values: string[]): string {
  if (values.length === 0) return '(the server lists none)';
  const shown = values.slice(0, 12).map((v) => `"${v}"`).join(', ');
  return values.length > 12 ? `${shown}, … (${values.length} in all)` : shown;
}
