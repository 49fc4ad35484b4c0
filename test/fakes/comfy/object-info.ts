import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/recordings.ts';
import { inputAudioNames, inputImageNames, inputVideoNames, listFolder, type ModelFolders } from './models.ts';
import { parsePyJson, pyJson, type Json, type JsonObject } from './py-json.ts';

let recorded: JsonObject | undefined;

/** The recorded GET /object_info, parsed once per process (it is shared, see NodeCatalog.refresh). */
function recordedTree(): JsonObject {
  if (!recorded) {
    // From the checkout, so that the bench's compiled copy in dist/ finds it too.
    const text = readFileSync(join(REPO_ROOT, 'test/fakes/comfy/data/object_info.json'), 'utf8');
    recorded = parsePyJson(text) as JsonObject;
  }
  return recorded;
}

export interface InputRef {
  name: string;
  category: 'required' | 'optional';
}

export interface InputSpec {
  /** A type name ("INT", "COMBO", "MODEL"), or the list of allowed values of an old-style combo. */
  type: Json;
  /** The options dict; `{}` when the spec has none, as get_input_info returns. */
  extra: JsonObject;
}

type ValueSource = (models: ModelFolders, inputFiles: string[]) => string[];

interface Binding {
  spec: Json[];
  /** Old-style combos hold the list at spec[0]; "COMBO" ones in spec[1].options. */
  form: 'list' | 'combo';
  values: ValueSource;
}

const folder =
  (name: string, ...extra: string[]): ValueSource =>
  (models) => [...listFolder(models, name), ...extra];

/** Loaders whose lists were empty in the recording, so they can only be found by name. */
const NAMED_BINDINGS: Record<string, ValueSource> = {
  'VAELoader.vae_name': folder('vae', 'pixel_space'),
  'CheckpointLoader.config_name': folder('configs'),
  'CLIPLoader.clip_name': folder('text_encoders'),
  'DualCLIPLoader.clip_name1': folder('text_encoders'),
  'DualCLIPLoader.clip_name2': folder('text_encoders'),
  'TripleCLIPLoader.clip_name1': folder('text_encoders'),
  'TripleCLIPLoader.clip_name2': folder('text_encoders'),
  'TripleCLIPLoader.clip_name3': folder('text_encoders'),
  'QuadrupleCLIPLoader.clip_name1': folder('text_encoders'),
  'QuadrupleCLIPLoader.clip_name2': folder('text_encoders'),
  'QuadrupleCLIPLoader.clip_name3': folder('text_encoders'),
  'QuadrupleCLIPLoader.clip_name4': folder('text_encoders'),
  'LTXAVTextEncoderLoader.text_encoder': folder('text_encoders'),
  'UNETLoader.unet_name': folder('diffusion_models'),
  'ControlNetLoader.control_net_name': folder('controlnet'),
  'DiffControlNetLoader.control_net_name': folder('controlnet'),
  'StyleModelLoader.style_model_name': folder('style_models'),
  'CLIPVisionLoader.clip_name': folder('clip_vision'),
  'GLIGENLoader.gligen_name': folder('gligen'),
  'UpscaleModelLoader.model_name': folder('upscale_models'),
  'LatentUpscaleModelLoader.model_name': folder('latent_upscale_models'),
  'HypernetworkLoader.hypernetwork_name': folder('hypernetworks'),
  'PhotoMakerLoader.photomaker_model_name': folder('photomaker'),
  'ModelPatchLoader.name': folder('model_patches'),
  'AudioEncoderLoader.audio_encoder_name': folder('audio_encoders'),
  'DiffusersLoader.model_path': folder('diffusers'),
};

const sameList = (values: Json, expected: string[]): boolean =>
  Array.isArray(values) && values.length === expected.length && values.every((v, i) => v === expected[i]);

/** Which recorded combos are really model or upload listings, so they can follow `fake.models`. */
function findBindings(tree: JsonObject): Binding[] {
  const bindings: Binding[] = [];
  for (const [classType, info] of tree) {
    const input = (info as JsonObject).get('input') as JsonObject | undefined;
    for (const category of ['required', 'optional'] as const) {
      const section = input?.get(category) as JsonObject | undefined;
      for (const [name, raw] of section ?? []) {
        if (!Array.isArray(raw)) continue;
        const options = raw[1] instanceof Map ? raw[1] : undefined;
        const form = raw[0] === 'COMBO' ? 'combo' : Array.isArray(raw[0]) ? 'list' : null;
        if (!form) continue;
        const values = form === 'combo' ? (options?.get('options') ?? null) : (raw[0] ?? null);
        if (values === null) continue;
        const named = NAMED_BINDINGS[`${classType}.${name}`];
        let source: ValueSource | undefined = named;
        if (!source && sameList(values, ['random-sd15.safetensors'])) source = folder('checkpoints');
        else if (!source && sameList(values, ['detail-tweaker.safetensors'])) source = folder('loras');
        else if (!source && sameList(values, ['detail-tweaker.safetensors', '[None]'])) source = folder('loras', '[None]');
        else if (!source && options?.get('image_upload') === true && !options.has('image_folder')) {
          source = (_models, files) => inputImageNames(files);
        } else if (!source && options?.get('video_upload') === true) {
          source = (_models, files) => inputVideoNames(files);
        } else if (!source && options?.get('audio_upload') === true) {
          source = (_models, files) => inputAudioNames(files);
        }
        if (source) bindings.push({ spec: raw, form, values: source });
      }
    }
  }
  return bindings;
}

let sharedBindings: Binding[] | undefined;

/**
 * This fake's view of object_info: the recorded node classes, with the model and
 * upload combos showing this fake's current `models` and input files. The parsed
 * tree is shared by every fake in the process (it is 400 KB); `refresh()` writes
 * this fake's lists into it, always right before a synchronous read.
 */
export class NodeCatalog {
  private readonly tree = recordedTree();
  private readonly bindings = (sharedBindings ??= findBindings(this.tree));
  private rendered: { signature: string; text: string } | undefined;
  /** Node classes of custom node packs this fake has installed (not in the recording); never shared. */
  private readonly extra: JsonObject;

  constructor(
    private readonly models: () => ModelFolders,
    private readonly inputFiles: () => string[],
    customNodes: JsonObject = new Map(),
  ) {
    this.extra = customNodes;
  }

  /** Writes this fake's lists into the shared tree; returns them. */
  refresh(): string[][] {
    const files = this.inputFiles();
    const models = this.models();
    const lists = this.bindings.map((b) => b.values(models, files));
    for (const [i, binding] of this.bindings.entries()) {
      const values = lists[i] ?? [];
      if (binding.form === 'list') binding.spec[0] = values;
      else (binding.spec[1] as JsonObject).set('options', values);
    }
    return lists;
  }

  has(classType: unknown): classType is string {
    return typeof classType === 'string' && (this.tree.has(classType) || this.extra.has(classType));
  }

  info(classType: string): JsonObject | undefined {
    return (this.tree.get(classType) ?? this.extra.get(classType)) as JsonObject | undefined;
  }

  isOutputNode(classType: string): boolean {
    return this.info(classType)?.get('output_node') === true;
  }

  outputTypes(classType: string): Json[] {
    const output = this.info(classType)?.get('output');
    return Array.isArray(output) ? output : [];
  }

  /** Required then optional inputs, in input_order (the order the UI and the real validation show). */
  inputs(classType: string): InputRef[] {
    const info = this.info(classType);
    const input = info?.get('input') as JsonObject | undefined;
    const order = info?.get('input_order') as JsonObject | undefined;
    const refs: InputRef[] = [];
    for (const category of ['required', 'optional'] as const) {
      const section = input?.get(category) as JsonObject | undefined;
      if (!section) continue;
      const ordered = order?.get(category);
      const names = Array.isArray(ordered) ? ordered.filter((n): n is string => typeof n === 'string') : [...section.keys()];
      for (const name of names) if (section.has(name)) refs.push({ name, category });
    }
    return refs;
  }

  spec(classType: string, ref: InputRef): InputSpec {
    const input = this.info(classType)?.get('input') as JsonObject | undefined;
    const raw = (input?.get(ref.category) as JsonObject | undefined)?.get(ref.name);
    const list = Array.isArray(raw) ? raw : [raw ?? null];
    const extra = list[1];
    return { type: list[0] ?? null, extra: extra instanceof Map ? extra : new Map<string, Json>() };
  }

  renderAll(): string {
    const signature = JSON.stringify(this.refresh());
    if (this.rendered?.signature !== signature) {
      const all = this.extra.size > 0 ? new Map([...this.tree, ...this.extra]) : this.tree;
      this.rendered = { signature, text: pyJson(all) };
    }
    return this.rendered.text;
  }

  renderOne(classType: string): string {
    this.refresh();
    const info = this.info(classType);
    return info === undefined ? '{}' : pyJson(new Map([[classType, info]]));
  }
}
