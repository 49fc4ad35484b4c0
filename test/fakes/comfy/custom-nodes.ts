/**
 * Custom node packs a fake can have installed: their object_info entries, as
 * the real packs declare them. Not in the recording (a core-only server).
 */
import { parsePyJson, type JsonObject } from './py-json.ts';

export type CustomNodePack = 'VideoHelperSuite';

/** The ffmpeg formats VideoHelperSuite lists after image/gif and image/webp (from its video_formats folder). */
export const VHS_FORMATS = ['image/gif', 'image/webp', 'video/h264-mp4', 'video/h265-mp4', 'video/webm', 'video/av1-webm', 'video/ProRes'];

/** Kosinkadink/ComfyUI-VideoHelperSuite videohelpersuite/nodes.py, VideoCombine.INPUT_TYPES. */
const VIDEO_HELPER_SUITE = {
  VHS_VideoCombine: {
    input: {
      required: {
        images: ['IMAGE'],
        frame_rate: ['FLOAT', { default: 8, min: 1, step: 1 }],
        loop_count: ['INT', { default: 0, min: 0, max: 100, step: 1 }],
        filename_prefix: ['STRING', { default: 'AnimateDiff' }],
        format: [VHS_FORMATS, {}],
        pingpong: ['BOOLEAN', { default: false }],
        save_output: ['BOOLEAN', { default: true }],
      },
      optional: { audio: ['AUDIO'], meta_batch: ['VHS_BatchManager'], vae: ['VAE'] },
      hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO', unique_id: 'UNIQUE_ID' },
    },
    input_order: {
      required: ['images', 'frame_rate', 'loop_count', 'filename_prefix', 'format', 'pingpong', 'save_output'],
      optional: ['audio', 'meta_batch', 'vae'],
      hidden: ['prompt', 'extra_pnginfo', 'unique_id'],
    },
    output: ['VHS_FILENAMES'],
    output_is_list: [false],
    output_name: ['Filenames'],
    name: 'VHS_VideoCombine',
    display_name: 'Video Combine 🎥🅥🅗🅢',
    description: '',
    python_module: 'custom_nodes.ComfyUI-VideoHelperSuite',
    category: 'Video Helper Suite 🎥🅥🅗🅢',
    output_node: true,
  },
};

const PACKS: Record<CustomNodePack, unknown> = { VideoHelperSuite: VIDEO_HELPER_SUITE };

/** The object_info entries of the given packs, node class → info. */
export function customNodeInfo(packs: CustomNodePack[]): JsonObject {
  const out: JsonObject = new Map();
  for (const pack of packs) {
    for (const [name, info] of parsePyJson(JSON.stringify(PACKS[pack])) as JsonObject) out.set(name, info);
  }
  return out;
}
