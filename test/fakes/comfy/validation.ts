/**
 * ComfyUI's validate_prompt / validate_inputs (execution.py, 0.8), ported closely
 * enough that error bodies match the recordings field for field. Like the real
 * one, it converts widget values in place (steps "12" -> 12, cfg 7 -> 7.0), so the
 * queued prompt shows what the server actually runs.
 */
import type { NodeCatalog } from './object-info.ts';
import { keyError, PyError, toPyBool, toPyFloat, toPyInt, toPyString } from './py-convert.ts';
import { isNumeric, num, pyEquals, pyStr, pyTypeName, type Json, type JsonObject } from './py-json.ts';

export type ErrorBody = Record<string, Json | Record<string, Json>>;

export interface ValidationOutcome {
  ok: boolean;
  error: ErrorBody | null;
  goodOutputs: string[];
  nodeErrors: JsonObject;
}

/** (valid, reasons, node id): the tuple validate_inputs memoises per node. */
type Verdict = [boolean, ErrorBody[], Json];

/** Nodes with VALIDATE_INPUTS, and the inputs that function takes over from the generic checks. */
const CUSTOM_VALIDATORS: Record<string, string[]> = {
  LoadImage: ['image'],
  LoadImageMask: ['image'],
  // nodes_video.py / nodes_audio.py validate_inputs: the file must exist; the combo list is not checked.
  LoadVideo: ['file'],
  LoadAudio: ['audio'],
};

/** What each validator says of a file that does not exist ("Invalid image file: x.png"). */
const MISSING_FILE: Record<string, string> = { LoadVideo: 'Invalid video file', LoadAudio: 'Invalid audio file' };

const INNER_TRACEBACK = [
  '  File "ComfyUI/execution.py", line 847, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
  "  File \"ComfyUI/execution.py\", line 810, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n",
];
const OUTER_TRACEBACK = [
  '  File "ComfyUI/execution.py", line 1071, in validate_prompt\n    m = await validate_inputs(prompt_id, prompt, o, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
  "  File \"ComfyUI/execution.py\", line 810, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n",
];

function error(type: string, message: string, details: string, extra: Record<string, Json>): ErrorBody {
  return { type, message, details, extra_info: extra };
}

/** `container[key]` with the exception Python would raise. */
function getItem(container: Json | undefined, key: Json): Json {
  if (container instanceof Map) {
    if (Array.isArray(key) || key instanceof Map) throw new PyError('TypeError', `unhashable type: '${pyTypeName(key)}'`);
    if (typeof key === 'string' && container.has(key)) return container.get(key) ?? null;
    throw keyError(key);
  }
  if (Array.isArray(container)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) {
      throw new PyError('TypeError', `list indices must be integers or slices, not ${pyTypeName(key)}`);
    }
    const item = container[key < 0 ? container.length + key : key];
    if (item === undefined) throw new PyError('IndexError', 'list index out of range');
    return item;
  }
  if (typeof container === 'string') throw new PyError('TypeError', 'string indices must be integers, not \'str\'');
  throw new PyError('TypeError', `'${pyTypeName(container ?? null)}' object is not subscriptable`);
}

/** RETURN_TYPES is a tuple: `r[val[1]]`. */
function returnType(types: Json[], index: Json): Json {
  const i = typeof index === 'boolean' ? Number(index) : index;
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    throw new PyError('TypeError', `tuple indices must be integers or slices, not ${pyTypeName(index)}`);
  }
  const item = types[i < 0 ? types.length + i : i];
  if (item === undefined) throw new PyError('IndexError', 'tuple index out of range');
  return item;
}

function validateNodeInput(received: Json, expected: Json): boolean {
  if (pyEquals(received, expected)) return true;
  if (received === '*' || expected === '*') return true;
  if (received === 'COMFY_MATCHTYPE_V3' || expected === 'COMFY_MATCHTYPE_V3') return true;
  if (Array.isArray(received) && expected === 'COMBO') return true;
  if (typeof received !== 'string' || typeof expected !== 'string') return false;
  const wanted = new Set(expected.split(',').map((t) => t.trim()));
  return received.split(',').some((t) => wanted.has(t.trim()));
}

class Validator {
  private readonly validated = new Map<Json, Verdict>();
  private readonly inProgress = new Set<Json>();

  constructor(
    private readonly prompt: JsonObject,
    private readonly catalog: NodeCatalog,
    private readonly imageExists: (name: string) => boolean,
  ) {}

  get verdicts(): Map<Json, Verdict> {
    return this.validated;
  }

  remember(id: Json, verdict: Verdict): void {
    this.validated.set(id, verdict);
  }

  validateInputs(uniqueId: Json): Verdict {
    const memo = this.validated.get(uniqueId);
    if (memo) return memo;
    // Python would recurse until RecursionError; a cycle fails the same way, one level up.
    if (this.inProgress.has(uniqueId)) {
      throw new PyError('RecursionError', 'maximum recursion depth exceeded');
    }
    this.inProgress.add(uniqueId);
    try {
      return this.validateNode(uniqueId);
    } finally {
      this.inProgress.delete(uniqueId);
    }
  }

  private validateNode(uniqueId: Json): Verdict {
    const node = getItem(this.prompt, uniqueId);
    const rawInputs = getItem(node, 'inputs');
    const inputs: JsonObject = rawInputs instanceof Map ? rawInputs : new Map<string, Json>();
    const classType = getItem(node, 'class_type') as string;
    const custom = CUSTOM_VALIDATORS[classType] ?? [];
    const errors: ErrorBody[] = [];
    let valid = true;

    for (const ref of this.catalog.inputs(classType)) {
      const { type: inputType, extra } = this.catalog.spec(classType, ref);
      const inputConfig: Json = [inputType, extra];
      const x = ref.name;
      if (!inputs.has(x)) {
        if (ref.category === 'required') {
          errors.push(error('required_input_missing', 'Required input is missing', x, { input_name: x }));
        }
        continue;
      }
      let val = inputs.get(x) ?? null;

      if (Array.isArray(val)) {
        const outcome = this.checkLink(x, val, inputType, inputConfig, custom);
        if (outcome === 'invalid') valid = false;
        else if (outcome) errors.push(outcome);
        continue;
      }

      try {
        if (val instanceof Map && val.has('__value__')) {
          val = val.get('__value__') ?? null;
          inputs.set(x, val);
        }
        if (inputType === 'INT') inputs.set(x, (val = toPyInt(val)));
        if (inputType === 'FLOAT') inputs.set(x, (val = toPyFloat(val)));
        if (inputType === 'STRING') inputs.set(x, (val = toPyString(val)));
        if (inputType === 'BOOLEAN') inputs.set(x, (val = toPyBool(val)));
      } catch (ex) {
        if (!(ex instanceof PyError)) throw ex;
        errors.push(
          error(
            'invalid_input_type',
            `Failed to convert an input value to a ${pyStr(inputType)} value`,
            `${x}, ${pyStr(val)}, ${ex.message}`,
            { input_name: x, input_config: inputConfig, received_value: val, exception_message: ex.message },
          ),
        );
        continue;
      }

      if (custom.includes(x)) continue;
      const rangeError = this.checkRange(x, val, extra, inputConfig);
      if (rangeError) {
        errors.push(rangeError);
        continue;
      }
      const listError = this.checkCombo(x, val, inputType, extra, inputConfig);
      if (listError) errors.push(listError);
    }

    for (const x of custom) {
      if (!inputs.has(x)) continue;
      const value = inputs.get(x) ?? null;
      if (Array.isArray(value)) continue;
      const name = typeof value === 'string' ? value : pyStr(value);
      if (!this.imageExists(name)) {
        errors.push(
          error('custom_validation_failed', 'Custom validation failed for node', `${x} - ${MISSING_FILE[classType] ?? 'Invalid image file'}: ${name}`, {
            input_name: x,
          }),
        );
      }
    }

    const verdict: Verdict = errors.length > 0 || !valid ? [false, errors, uniqueId] : [true, [], uniqueId];
    this.validated.set(uniqueId, verdict);
    return verdict;
  }

  /** A linked input: an error to record, 'invalid' when the upstream node failed, or null. */
  private checkLink(x: string, val: Json[], inputType: Json, inputConfig: Json, custom: string[]): ErrorBody | 'invalid' | null {
    if (val.length !== 2) {
      return error('bad_linked_input', 'Bad linked input, must be a length-2 list of [node_id, slot_index]', x, {
        input_name: x,
        input_config: inputConfig,
        received_value: val,
      });
    }
    const [oId = null, slot = null] = val;
    const oClassType = getItem(getItem(this.prompt, oId), 'class_type') as string;
    const receivedType = returnType(this.catalog.outputTypes(oClassType), slot);
    if (!custom.includes('input_types') && !validateNodeInput(receivedType, inputType)) {
      return error(
        'return_type_mismatch',
        'Return type mismatch between linked nodes',
        `${x}, received_type(${pyStr(receivedType)}) mismatch input_type(${pyStr(inputType)})`,
        { input_name: x, input_config: inputConfig, received_type: receivedType, linked_node: val },
      );
    }
    try {
      const upstream = this.validateInputs(oId);
      return upstream[0] ? null : 'invalid';
    } catch (ex) {
      if (!(ex instanceof PyError)) throw ex;
      const reasons = [
        error('exception_during_inner_validation', 'Exception when validating inner node', ex.message, {
          input_name: x,
          input_config: inputConfig,
          exception_message: ex.message,
          exception_type: ex.pyType,
          traceback: INNER_TRACEBACK,
          linked_node: val,
        }),
      ];
      this.validated.set(oId, [false, reasons, oId]);
      return 'invalid';
    }
  }

  private checkRange(x: string, val: Json, extra: JsonObject, inputConfig: Json): ErrorBody | null {
    if (!isNumeric(val)) return null;
    const min = extra.get('min');
    const max = extra.get('max');
    if (min !== undefined && isNumeric(min) && num(val) < num(min)) {
      return error('value_smaller_than_min', `Value ${pyStr(val)} smaller than min of ${pyStr(min)}`, x, {
        input_name: x,
        input_config: inputConfig,
        received_value: val,
      });
    }
    if (max !== undefined && isNumeric(max) && num(val) > num(max)) {
      return error('value_bigger_than_max', `Value ${pyStr(val)} bigger than max of ${pyStr(max)}`, x, {
        input_name: x,
        input_config: inputConfig,
        received_value: val,
      });
    }
    return null;
  }

  private checkCombo(x: string, val: Json, inputType: Json, extra: JsonObject, inputConfig: Json): ErrorBody | null {
    if (!Array.isArray(inputType) && inputType !== 'COMBO') return null;
    const optionsValue = inputType === 'COMBO' ? extra.get('options') : inputType;
    const options = Array.isArray(optionsValue) ? optionsValue : [];
    const multiselect = extra.get('multiselect') === true;
    const candidates = multiselect && Array.isArray(val) ? val : [val];
    const invalid = candidates.filter((v) => !options.some((o) => pyEquals(v, o)));
    if (invalid.length === 0) return null;
    // Like ComfyUI: long model lists are summarised, not echoed back.
    const long = options.length > 20;
    const listInfo = long ? `(list of length ${options.length})` : pyStr(options);
    return error('value_not_in_list', 'Value not in list', `${x}: '${pyStr(val)}' not in ${listInfo}`, {
      input_name: x,
      input_config: long ? null : inputConfig,
      received_value: val,
    });
  }
}

function invalidPrompt(message: string, id: string): ValidationOutcome {
  return {
    ok: false,
    error: error('invalid_prompt', message, `Node ID '#${id}'`, {}),
    goodOutputs: [],
    nodeErrors: new Map(),
  };
}

/**
 * Throws PyError where the real server would fail with a 500 (a prompt that is not
 * a dict, an unhashable class_type...).
 */
export function validatePrompt(
  prompt: Json,
  catalog: NodeCatalog,
  imageExists: (name: string) => boolean,
  partialTargets: Json | undefined,
): ValidationOutcome {
  if (!(prompt instanceof Map)) {
    throw new PyError('TypeError', `'${pyTypeName(prompt)}' object is not a mapping`);
  }
  catalog.refresh();
  const outputs: string[] = [];
  for (const [id, node] of prompt) {
    if (!(node instanceof Map)) throw new PyError('TypeError', `'${pyTypeName(node)}' object is not subscriptable`);
    if (!node.has('class_type')) {
      return invalidPrompt('Cannot execute because a node is missing the class_type property.', id);
    }
    const classType = node.get('class_type') ?? null;
    if (Array.isArray(classType) || classType instanceof Map) {
      throw new PyError('TypeError', `unhashable type: '${pyTypeName(classType)}'`);
    }
    if (!catalog.has(classType)) {
      return invalidPrompt(`Cannot execute because node ${pyStr(classType)} does not exist.`, id);
    }
    const targeted = partialTargets === undefined || partialTargets === null || isTargeted(partialTargets, id);
    if (catalog.isOutputNode(classType) && targeted) outputs.push(id);
  }

  if (outputs.length === 0) {
    return {
      ok: false,
      error: error('prompt_no_outputs', 'Prompt has no outputs', '', {}),
      goodOutputs: [],
      nodeErrors: new Map(),
    };
  }

  const validator = new Validator(prompt, catalog, imageExists);
  const goodOutputs: string[] = [];
  const failed: [string, ErrorBody[]][] = [];
  const nodeErrors: JsonObject = new Map();
  for (const o of outputs) {
    let valid: boolean;
    let reasons: ErrorBody[];
    try {
      [valid, reasons] = validator.validateInputs(o);
    } catch (ex) {
      if (!(ex instanceof PyError)) throw ex;
      valid = false;
      reasons = [
        error('exception_during_validation', 'Exception when validating node', ex.message, {
          exception_type: ex.pyType,
          traceback: OUTER_TRACEBACK,
        }),
      ];
      validator.remember(o, [false, reasons, o]);
    }
    if (valid) {
      goodOutputs.push(o);
      continue;
    }
    failed.push([o, reasons]);
    // As in ComfyUI, every failing node seen so far is charged to this output.
    for (const [nodeId, [ok, nodeReasons]] of validator.verdicts) {
      if (ok || nodeReasons.length === 0) continue;
      let entry = nodeErrors.get(nodeId as string) as JsonObject | undefined;
      if (!entry) {
        const classType = getItem(getItem(prompt, nodeId), 'class_type');
        entry = new Map<string, Json>([
          ['errors', nodeReasons as unknown as Json[]],
          ['dependent_outputs', []],
          ['class_type', classType],
        ]);
        nodeErrors.set(nodeId as string, entry);
      }
      (entry.get('dependent_outputs') as Json[]).push(o);
    }
  }

  if (goodOutputs.length === 0) {
    const lines = failed.flatMap(([, reasons]) => reasons.map((r) => `${pyStr(r.message)}: ${pyStr(r.details)}`));
    return {
      ok: false,
      error: error('prompt_outputs_failed_validation', 'Prompt outputs failed validation', lines.join('\n'), {}),
      goodOutputs,
      nodeErrors,
    };
  }
  return { ok: true, error: null, goodOutputs, nodeErrors };
}

function isTargeted(targets: Json, id: string): boolean {
  if (Array.isArray(targets)) return targets.some((t) => t === id);
  if (typeof targets === 'string') return targets.includes(id);
  if (targets instanceof Map) return targets.has(id);
  throw new PyError('TypeError', `argument of type '${pyTypeName(targets)}' is not iterable`);
}

