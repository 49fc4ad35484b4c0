import { num, pyStr, type Json, type JsonObject } from './py-json.ts';
import type { ImageSize } from './png.ts';

export interface ImageMeta {
  width: number;
  height: number;
  batch: number;
}

const DEFAULT: ImageMeta = { width: 512, height: 512, batch: 1 };

const positive = (value: Json | undefined): number | null => {
  const n = num(value);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : null;
};

/**
 * How big the images a node produces are, without running anything: sizes start at
 * EmptyLatentImage (or a loaded image) and flow along links, with the few nodes that
 * resize or re-batch applied on the way. Enough to give each output PNG the size the
 * real graph would have.
 */
export function imageMetaOf(
  prompt: JsonObject,
  nodeId: string,
  loadedImage: (name: string) => ImageSize | null,
  memo = new Map<string, ImageMeta>(),
): ImageMeta {
  const known = memo.get(nodeId);
  if (known) return known;
  // Marks the node while it is being resolved, so a cycle ends at the default.
  memo.set(nodeId, DEFAULT);
  const meta = resolve(prompt, nodeId, loadedImage, memo);
  memo.set(nodeId, meta);
  return meta;
}

function resolve(
  prompt: JsonObject,
  nodeId: string,
  loadedImage: (name: string) => ImageSize | null,
  memo: Map<string, ImageMeta>,
): ImageMeta {
  const node = prompt.get(nodeId);
  if (!(node instanceof Map)) return DEFAULT;
  const classType = pyStr(node.get('class_type'));
  const rawInputs = node.get('inputs');
  const inputs: JsonObject = rawInputs instanceof Map ? rawInputs : new Map<string, Json>();

  const upstream = (): ImageMeta => {
    for (const value of inputs.values()) {
      if (!Array.isArray(value) || typeof value[0] !== 'string') continue;
      const meta = imageMetaOf(prompt, value[0], loadedImage, memo);
      if (meta !== DEFAULT) return meta;
    }
    return DEFAULT;
  };

  if (classType === 'LoadImage' || classType === 'LoadImageMask' || classType === 'LoadImageOutput') {
    const size = typeof inputs.get('image') === 'string' ? loadedImage(inputs.get('image') as string) : null;
    return { width: size?.width ?? 512, height: size?.height ?? 512, batch: 1 };
  }
  const width = positive(inputs.get('width'));
  const height = positive(inputs.get('height'));
  if (classType.startsWith('Empty') && width && height) {
    return { width, height, batch: positive(inputs.get('batch_size')) ?? 1 };
  }
  const from = upstream();
  if (width !== null || height !== null) {
    // ImageScale / LatentUpscale: 0 keeps the aspect ratio of the other side.
    const w = width ?? Math.round((from.width * (height ?? from.height)) / from.height);
    const h = height ?? Math.round((from.height * (width ?? from.width)) / from.width);
    return { width: w, height: h, batch: from.batch };
  }
  const scale = num(inputs.get('scale_by'));
  if (Number.isFinite(scale) && scale > 0) {
    return { width: Math.max(1, Math.round(from.width * scale)), height: Math.max(1, Math.round(from.height * scale)), batch: from.batch };
  }
  if (classType === 'RepeatLatentBatch' || classType === 'RepeatImageBatch') {
    return { ...from, batch: from.batch * (positive(inputs.get('amount')) ?? 1) };
  }
  if (classType === 'LatentFromBatch' || classType === 'ImageFromBatch') {
    return { ...from, batch: positive(inputs.get('length')) ?? 1 };
  }
  return from;
}
