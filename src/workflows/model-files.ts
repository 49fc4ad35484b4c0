// Model files a workflow names itself (no option changes them): a video
// workflow's diffusion model, text encoder and VAE. A server without them
// cannot run the workflow, so jobs go only to servers that list them.
import type { ApiWorkflow } from '../comfy/index.ts';
import { findNode } from './edit.ts';
import type { Manifest } from './manifest.ts';

/** A model file in a model folder of the server. */
export interface ModelFile {
  folder: string;
  name: string;
}

/** The model folder (`GET /models/<folder>`) each core loader input reads. */
const MODEL_INPUTS: Record<string, string> = {
  'CheckpointLoaderSimple.ckpt_name': 'checkpoints',
  'CheckpointLoader.ckpt_name': 'checkpoints',
  'ImageOnlyCheckpointLoader.ckpt_name': 'checkpoints',
  'unCLIPCheckpointLoader.ckpt_name': 'checkpoints',
  'UNETLoader.unet_name': 'diffusion_models',
  'CLIPLoader.clip_name': 'text_encoders',
  'DualCLIPLoader.clip_name1': 'text_encoders',
  'DualCLIPLoader.clip_name2': 'text_encoders',
  'TripleCLIPLoader.clip_name1': 'text_encoders',
  'TripleCLIPLoader.clip_name2': 'text_encoders',
  'TripleCLIPLoader.clip_name3': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name1': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name2': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name3': 'text_encoders',
  'QuadrupleCLIPLoader.clip_name4': 'text_encoders',
  'VAELoader.vae_name': 'vae',
  'LoraLoader.lora_name': 'loras',
  'LoraLoaderModelOnly.lora_name': 'loras',
  'CLIPVisionLoader.clip_name': 'clip_vision',
  'ControlNetLoader.control_net_name': 'controlnet',
  'DiffControlNetLoader.control_net_name': 'controlnet',
  'UpscaleModelLoader.model_name': 'upscale_models',
  'StyleModelLoader.style_model_name': 'style_models',
  'AudioEncoderLoader.audio_encoder_name': 'audio_encoders',
};

const MODEL_FILE = /\.(safetensors|sft|ckpt|pt|pth|bin|gguf|onnx)$/i;

/** A combo value that names a model file (not `pixel_space`, `euler`, …). */
export function isModelFileName(value: string): boolean {
  return MODEL_FILE.test(value);
}

/** The models folder a loader input reads, when it is a core loader. */
export function modelFolderOf(classType: string, input: string): string | undefined {
  return MODEL_INPUTS[`${classType}.${input}`];
}

/** `<node id>.<input>` of every input an option of the manifest sets. */
export function optionTargets(workflow: ApiWorkflow, manifest: Pick<Manifest, 'options'>): Set<string> {
  const set = new Set<string>();
  for (const option of manifest.options) {
    for (const t of option.targets) {
      try {
        set.add(`${findNode(workflow, t.node).id}.${t.input}`);
      } catch {
        // Reported when the manifest is checked against its workflow.
      }
    }
  }
  return set;
}

/** Model files of core loaders that the workflow fixes (no option sets them). */
export function fixedModelNeeds(workflow: ApiWorkflow, manifest: Pick<Manifest, 'options'>): ModelFile[] {
  const targeted = optionTargets(workflow, manifest);
  const needs: ModelFile[] = [];
  for (const [id, node] of Object.entries(workflow)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      const folder = modelFolderOf(node.class_type, input);
      if (!folder || typeof value !== 'string' || !isModelFileName(value) || targeted.has(`${id}.${input}`)) continue;
      if (!needs.some((n) => n.folder === folder && n.name === value)) needs.push({ folder, name: value });
    }
  }
  return needs;
}
