import { makeJpeg } from './jpeg.ts';
import { pyJson } from './py-json.ts';
import type { ImageMeta } from './image-meta.ts';

/** ComfyUI scales latent previews so the long side is at most this. */
const MAX_PREVIEW_RESOLUTION = 512;
const jpegCache = new Map<string, Buffer>();

/**
 * The JPEG for one sampler step: the latent's aspect ratio, a grey that moves with
 * the step so consecutive frames differ. Small on purpose (about 1 KB for 512x512):
 * bursts of prompts with previews stay cheap.
 */
export function previewJpeg(meta: ImageMeta, step: number, steps: number): Buffer {
  const scale = Math.min(1, MAX_PREVIEW_RESOLUTION / Math.max(meta.width, meta.height));
  const width = Math.max(8, Math.round(meta.width * scale));
  const height = Math.max(8, Math.round(meta.height * scale));
  const grey = Math.round(40 + (180 * step) / Math.max(1, steps));
  const key = `${width}x${height}:${grey}`;
  let jpeg = jpegCache.get(key);
  if (!jpeg) {
    jpeg = makeJpeg(width, height, grey);
    if (jpegCache.size > 256) jpegCache.clear();
    jpegCache.set(key, jpeg);
  }
  return jpeg;
}

/** Event 1 PREVIEW_IMAGE: [u32 BE 1][u32 BE 1 = JPEG][image]. No prompt id: the client has to guess. */
export function legacyPreviewFrame(jpeg: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(1, 0);
  head.writeUInt32BE(1, 4);
  return Buffer.concat([head, jpeg]);
}

export interface PreviewMetadata {
  node_id: string;
  prompt_id: string;
  display_node_id: string;
  parent_node_id: string | null;
  real_node_id: string;
  image_type: string;
}

/** Event 4 PREVIEW_IMAGE_WITH_METADATA: [u32 BE 4][u32 BE metadata length][metadata JSON][image]. */
export function metadataPreviewFrame(jpeg: Buffer, metadata: PreviewMetadata): Buffer {
  const json = Buffer.from(pyJson(metadata), 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(4, 0);
  head.writeUInt32BE(json.length, 4);
  return Buffer.concat([head, json, jpeg]);
}
