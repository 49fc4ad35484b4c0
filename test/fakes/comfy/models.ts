/** The folders `GET /models` lists, in the recorded order. */
export const MODEL_FOLDERS = [
  'checkpoints',
  'configs',
  'loras',
  'vae',
  'text_encoders',
  'diffusion_models',
  'clip_vision',
  'style_models',
  'embeddings',
  'diffusers',
  'vae_approx',
  'controlnet',
  'gligen',
  'upscale_models',
  'latent_upscale_models',
  'custom_nodes',
  'hypernetworks',
  'photomaker',
  'classifiers',
  'model_patches',
  'audio_encoders',
] as const;

export type ModelFolderName = (typeof MODEL_FOLDERS)[number];

/** File names per model folder; tests edit these and object_info follows. */
export type ModelFolders = Record<ModelFolderName, string[]> & Record<string, string[]>;

const RECORDED_CONFIGS = [
  'anything_v3.yaml',
  'v1-inference.yaml',
  'v1-inference_clip_skip_2.yaml',
  'v1-inference_clip_skip_2_fp16.yaml',
  'v1-inference_fp16.yaml',
  'v1-inpainting-inference.yaml',
  'v2-inference-v.yaml',
  'v2-inference-v_fp32.yaml',
  'v2-inference.yaml',
  'v2-inference_fp32.yaml',
  'v2-inpainting-inference.yaml',
];

export function defaultModels(checkpoints: string[], loras: string[]): ModelFolders {
  const models = Object.fromEntries(MODEL_FOLDERS.map((name) => [name, [] as string[]])) as ModelFolders;
  models.checkpoints = [...checkpoints];
  models.loras = [...loras];
  models.configs = [...RECORDED_CONFIGS];
  models.embeddings = ['easynegative.safetensors'];
  return models;
}

/** folder_paths.get_filename_list sorts its answer. */
export function listFolder(models: ModelFolders, folder: string): string[] {
  return [...(models[folder] ?? [])].sort();
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.jfif']);

/** LoadImage's list: files directly in input/ that look like images by name. */
export function inputImageNames(names: string[]): string[] {
  return names
    .filter((name) => {
      const dot = name.lastIndexOf('.');
      return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
    })
    .sort();
}

const VIDEO_EXTENSIONS = new Set(['.mp4', '.webm', '.mov', '.mkv', '.avi', '.m4v']);
const AUDIO_EXTENSIONS = new Set(['.flac', '.mp3', '.ogg', '.opus', '.wav', '.m4a', '.aac']);

function byExtension(names: string[], extensions: Set<string>): string[] {
  return names
    .filter((name) => {
      const dot = name.lastIndexOf('.');
      return dot > 0 && extensions.has(name.slice(dot).toLowerCase());
    })
    .sort();
}

/** LoadVideo's list: files directly in input/ whose mime type is video/* (filter_files_content_types). */
export function inputVideoNames(names: string[]): string[] {
  return byExtension(names, VIDEO_EXTENSIONS);
}

/** LoadAudio's list: input/ files whose mime type is audio/* or video/*. */
export function inputAudioNames(names: string[]): string[] {
  return byExtension(names, new Set([...AUDIO_EXTENSIONS, ...VIDEO_EXTENSIONS]));
}
