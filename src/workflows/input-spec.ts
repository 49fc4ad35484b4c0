// Reading object_info input specs. ComfyUI writes them in several shapes:
// `"INT"`, `["INT", {min, max}]`, `[[values…], {opts}]` and, in newer nodes,
// `["COMBO", {options: [values…]}]`.
import type { InputSpec, NodeInfo } from '../comfy/schemas.ts';

/** The input's type: `INT`, `FLOAT`, `STRING`, `BOOLEAN`, `COMBO`, or a link type such as `MODEL`. */
export function inputType(spec: InputSpec): string {
  if (typeof spec === 'string') return spec;
  return Array.isArray(spec[0]) ? 'COMBO' : spec[0];
}

/** The options object (`{default, min, max, …}`), or an empty object. */
export function inputOptions(spec: InputSpec): Record<string, unknown> {
  if (typeof spec === 'string') return {};
  const options = spec[1];
  return typeof options === 'object' && options !== null && !Array.isArray(options) ? (options as Record<string, unknown>) : {};
}

/** A combo's allowed values (both forms), or undefined when the input is not a combo. */
export function comboValues(spec: InputSpec): string[] | undefined {
  if (typeof spec === 'string') return undefined;
  const first = spec[0];
  const values = Array.isArray(first) ? first : first === 'COMBO' ? inputOptions(spec)['options'] : undefined;
  if (!Array.isArray(values)) return first === 'COMBO' ? [] : undefined;
  return values.map(String);
}

/** A node class's required or optional input (hidden inputs are filled by the server, not by workflows). */
export function findInputSpec(info: NodeInfo, input: string): InputSpec | undefined {
  const { required, optional } = info.input;
  if (required && Object.hasOwn(required, input)) return required[input];
  if (optional && Object.hasOwn(optional, input)) return optional[input];
  return undefined;
}

/** Names of a class's required and optional inputs, for messages. */
export function inputNames(info: NodeInfo): string[] {
  return [...Object.keys(info.input.required ?? {}), ...Object.keys(info.input.optional ?? {})];
}

/** The numeric bounds the server enforces, when it declares them. */
export function inputBounds(spec: InputSpec): { min?: number; max?: number } {
  const options = inputOptions(spec);
  const bounds: { min?: number; max?: number } = {};
  if (typeof options['min'] === 'number') bounds.min = options['min'];
  if (typeof options['max'] === 'number') bounds.max = options['max'];
  return bounds;
}
