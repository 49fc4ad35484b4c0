// Pure edits of an API-format workflow. Each returns a changed deep copy and
// sets inputs as JSON values, never by editing JSON text, so any string (quotes,
// backslashes, newlines) reaches ComfyUI exactly as given.
import type { ApiWorkflow, UploadAnswer, WorkflowNode } from '../comfy/index.ts';

/** A node named by its id (`"3"`) or its exact title (`"KSampler"`, `"Positive"`). */
export type NodeRef = string;

export interface FoundNode {
  id: string;
  node: WorkflowNode;
}

/** A node reference that matches no node, or several. */
export class NodeRefError extends Error {
  override name = 'NodeRefError';
  constructor(
    message: string,
    readonly ref: NodeRef,
    readonly reason: 'missing' | 'ambiguous' | 'no_input',
  ) {
    super(message);
  }
}

/** `#6 "Positive" (CLIPTextEncode)`: how messages name a node. */
export function describeNode(id: string, node: WorkflowNode): string {
  const title = node._meta?.title;
  return title === undefined || title === '' ? `#${id} (${node.class_type})` : `#${id} "${title}" (${node.class_type})`;
}

export function describeNodes(workflow: ApiWorkflow): string {
  return Object.entries(workflow)
    .map(([id, node]) => describeNode(id, node))
    .join(', ');
}

/**
 * Finds a node by id, else by exact `_meta.title`, else — for workflows exported
 * without titles, where the UI shows the class name — by class type. Throws
 * NodeRefError if there is none or the name is shared.
 */
export function findNode(workflow: ApiWorkflow, ref: NodeRef): FoundNode {
  const byId = Object.hasOwn(workflow, ref) ? workflow[ref] : undefined;
  if (byId) return { id: ref, node: byId };
  const byTitle = Object.entries(workflow).filter(([, node]) => node._meta?.title === ref);
  const matches = byTitle.length > 0 ? byTitle : Object.entries(workflow).filter(([, node]) => !node._meta?.title && node.class_type === ref);
  const [first, ...others] = matches;
  if (first && others.length === 0) return { id: first[0], node: first[1] };
  if (first) {
    const ids = matches.map(([id]) => id).join(', ');
    throw new NodeRefError(`several nodes are titled "${ref}" (ids ${ids}); use one of these ids instead`, ref, 'ambiguous');
  }
  throw new NodeRefError(`no node has the id or title "${ref}"; the nodes are ${describeNodes(workflow)}`, ref, 'missing');
}

/** Sets one input of one node. The input must already exist on the node, so a misspelt name fails instead of being ignored by ComfyUI. */
export function setInput(workflow: ApiWorkflow, nodeRef: NodeRef, inputName: string, value: unknown): ApiWorkflow {
  const { id, node } = findNode(workflow, nodeRef);
  if (!Object.hasOwn(node.inputs, inputName)) {
    throw new NodeRefError(
      `node ${describeNode(id, node)} has no input "${inputName}"; its inputs are ${Object.keys(node.inputs).join(', ') || 'none'}`,
      nodeRef,
      'no_input',
    );
  }
  const copy = structuredClone(workflow);
  (copy[id] as WorkflowNode).inputs[inputName] = structuredClone(value);
  return copy;
}

export interface NodeInputRef {
  node: NodeRef;
  input: string;
}

/**
 * Splits `"<node>.<input>"` at the last dot, so a title may itself contain
 * dots and spaces (`"Upscale x1.5.scale_by"`). Returns undefined when either
 * side is empty.
 */
export function splitNodeInput(text: string): NodeInputRef | undefined {
  const dot = text.lastIndexOf('.');
  if (dot <= 0 || dot === text.length - 1) return undefined;
  return { node: text.slice(0, dot), input: text.slice(dot + 1) };
}

export interface SetArgument extends NodeInputRef {
  value: unknown;
}

/**
 * Reads the CLI's `--set <node>.<input>=<value>`. The value is JSON when it
 * parses as JSON (`30`, `true`, `"quoted"`, `[1,2]`), otherwise the text as is.
 */
export function parseSetArgument(argument: string): SetArgument {
  const example = 'expected <node>.<input>=<value>, e.g. --set KSampler.steps=30 or --set "Positive.text=a red fox"';
  const eq = argument.indexOf('=');
  if (eq < 0) throw new Error(`--set "${argument}": no "=" found; ${example}`);
  const ref = splitNodeInput(argument.slice(0, eq));
  if (!ref) throw new Error(`--set "${argument}": "${argument.slice(0, eq)}" is not <node>.<input>; ${example}`);
  const raw = argument.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: a bare word such as euler or a sentence is meant as text.
  }
  return { ...ref, value };
}

/** Replaces every occurrence of each key by its value in every string input, in one pass (a replacement is never replaced again). */
export function replaceStrings(workflow: ApiWorkflow, replacements: Record<string, string>): ApiWorkflow {
  const keys = Object.keys(replacements).sort((a, b) => b.length - a.length);
  if (keys.includes('')) throw new Error('replaceStrings: an empty string cannot be replaced');
  const copy = structuredClone(workflow);
  if (keys.length === 0) return copy;
  const pattern = new RegExp(keys.map(escapeRegExp).join('|'), 'g');
  for (const node of Object.values(copy)) {
    for (const [name, value] of Object.entries(node.inputs)) {
      if (typeof value === 'string') node.inputs[name] = value.replace(pattern, (m) => replacements[m] as string);
    }
  }
  return copy;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A source of numbers in [0, 1), like Math.random. */
export type Random = () => number;

/** The largest seed: JSON numbers, JavaScript and Discord's integer options are exact up to 2^53 - 1. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A random integer in [min, max] (defaults: the full safe seed range). */
export function randomSeed(random: Random = Math.random, min = 0, max = MAX_SEED): number {
  return min + Math.floor(random() * (max - min + 1));
}

const SEED_INPUTS = new Set(['seed', 'noise_seed']);

/** Every `seed`/`noise_seed` input that holds a number (a linked seed comes from another node and is left alone). */
export function seedInputs(workflow: ApiWorkflow): { id: string; input: string }[] {
  const found: { id: string; input: string }[] = [];
  for (const [id, node] of Object.entries(workflow)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (SEED_INPUTS.has(input) && typeof value === 'number') found.push({ id, input });
    }
  }
  return found;
}

/** Gives every seed input a new random seed; `seeds` maps node id to the seed it got. */
export function randomiseSeeds(workflow: ApiWorkflow, random: Random = Math.random): { workflow: ApiWorkflow; seeds: Record<string, number> } {
  let result = workflow;
  const seeds: Record<string, number> = {};
  for (const { id, input } of seedInputs(workflow)) {
    const seed = randomSeed(random);
    result = setInput(result, id, input, seed);
    seeds[id] = seed;
  }
  return { workflow: result === workflow ? structuredClone(workflow) : result, seeds };
}

/**
 * The value a LoadImage `image` input needs for an uploaded file: `name`, or
 * `subfolder/name`; files outside the input folder carry ComfyUI's
 * ` [output]` / ` [temp]` annotation.
 */
export function imageInputValue(upload: UploadAnswer): string {
  const path = upload.subfolder ? `${upload.subfolder}/${upload.name}` : upload.name;
  return upload.type === 'input' ? path : `${path} [${upload.type}]`;
}

/** Points a LoadImage (or any node with an `image` input) at an uploaded file. */
export function useImage(workflow: ApiWorkflow, nodeRef: NodeRef, upload: UploadAnswer): ApiWorkflow {
  return setInput(workflow, nodeRef, 'image', imageInputValue(upload));
}
