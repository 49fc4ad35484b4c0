// Reading object_info input specs, in both forms ComfyUI uses for combos.
import type { InputSpec, NodeInfo } from './schemas.ts';

export interface InputConfig {
  /** INT, FLOAT, STRING, BOOLEAN, COMBO, or a link type such as MODEL. */
  type: string;
  options: Record<string, unknown>;
  /** Allowed values of a combo input. */
  choices: string[] | undefined;
}

export function readInputSpec(spec: InputSpec): InputConfig {
  if (typeof spec === 'string') return { type: spec, options: {}, choices: undefined };
  const [head, rawOptions] = spec;
  const options = isRecord(rawOptions) ? rawOptions : {};
  if (Array.isArray(head)) return { type: 'COMBO', options, choices: head.map(String) };
  if (head === 'COMBO') {
    const list = options['options'];
    return { type: 'COMBO', options, choices: Array.isArray(list) ? list.map(String) : [] };
  }
  return { type: head, options, choices: undefined };
}

/** The allowed values of a combo input (`[[a, b], {}]` or `["COMBO", {options: [a, b]}]`), else undefined. */
export function comboValues(spec: InputSpec): string[] | undefined {
  return readInputSpec(spec).choices;
}

/** A range's end as ComfyUI gave it (a number; anything else as JSON), or … when it has none. */
const bound = (v: unknown): string => (v === undefined ? '…' : typeof v === 'number' ? String(v) : JSON.stringify(v));

/** `INT (default 20, 1…10000)` */
export function describeInput(spec: InputSpec): string {
  const { type, options, choices } = readInputSpec(spec);
  if (choices) return `one of ${choices.join(', ') || '(none available)'}`;
  const parts: string[] = [];
  if ('default' in options) parts.push(`default ${JSON.stringify(options['default'])}`);
  if ('min' in options || 'max' in options) parts.push(`${bound(options['min'])}…${bound(options['max'])}`);
  if (options['multiline']) parts.push('multiline');
  return parts.length ? `${type} (${parts.join(', ')})` : type;
}

/** An input's spec from the required or optional section. */
export function findInputSpec(info: NodeInfo, input: string): InputSpec | undefined {
  return info.input.required?.[input] ?? info.input.optional?.[input];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
