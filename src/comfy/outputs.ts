// Every output of a prompt, typed: the files it saved, each with its kind, and
// the texts it showed. ComfyUI's output dicts (the `executed` message and
// /history's `outputs[node]`, the same dict) list files under many keys —
// `images` (with `animated`), `gifs` (VideoHelperSuite), `audio`, `3d`,
// `latents`, and whatever a custom node invents — and text under `text`.
// The kind of a file comes from its extension, never from the key it is listed
// under (`images` holds .mp4 and .webm too) nor from the Content-Type of /view
// (which depends on the server's mime table).
import { z } from 'zod';
import { ImageType } from './schemas.ts';

export const FILE_KINDS = ['image', 'animation', 'video', 'audio', 'model3d', 'file'] as const;
/** `image` is a still; `animation` an animated WebP/GIF; `model3d` a mesh; `file` anything else. */
export type FileKind = (typeof FILE_KINDS)[number];
export type OutputKind = FileKind | 'text';

const EXTENSION_KINDS: Record<string, FileKind> = {
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  jfif: 'image',
  webp: 'image',
  gif: 'image',
  avif: 'image',
  bmp: 'image',
  tif: 'image',
  tiff: 'image',
  mp4: 'video',
  m4v: 'video',
  webm: 'video',
  mov: 'video',
  qt: 'video',
  mkv: 'video',
  avi: 'video',
  flac: 'audio',
  mp3: 'audio',
  opus: 'audio',
  ogg: 'audio',
  oga: 'audio',
  wav: 'audio',
  m4a: 'audio',
  aac: 'audio',
  glb: 'model3d',
  gltf: 'model3d',
  obj: 'model3d',
  stl: 'model3d',
  fbx: 'model3d',
  ply: 'model3d',
  usdz: 'model3d',
};

/**
 * The media type of a file by its extension: what the bot declares when it
 * posts the file (ComfyUI's own Content-Type comes from its host's mime table,
 * and is `None`/octet-stream there for .flac, .glb, .ogg on many hosts).
 */
const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jfif: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  qt: 'video/quicktime',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  obj: 'model/obj',
  stl: 'model/stl',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

/** Still formats an embed can show through `attachment://` (Discord's list). */
const EMBEDDABLE = new Set(['png', 'jpg', 'jpeg', 'webp', 'gif']);

/** `mp4` for `video/ComfyUI_00001_.MP4`; '' without one. */
export function extensionOf(filename: string): string {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/**
 * A file's kind from its extension. `animated` (the output's `animated: [true]`,
 * or a VideoHelperSuite `format` of `image/…`) makes a WebP or GIF an animation;
 * an animated PNG stays a still, because Discord shows APNG as one.
 */
export function kindOf(filename: string, animated = false): FileKind {
  const ext = extensionOf(filename);
  const kind = EXTENSION_KINDS[ext] ?? 'file';
  if (kind === 'image' && animated && (ext === 'webp' || ext === 'gif')) return 'animation';
  return kind;
}

export function mediaTypeOf(filename: string): string {
  return EXTENSION_TYPES[extensionOf(filename)] ?? 'application/octet-stream';
}

/** A still ComfyUI can re-encode (`/view?preview=`): PIL opens it. Anything else gets a 500. */
export function isStillImage(filename: string): boolean {
  return EXTENSION_KINDS[extensionOf(filename)] === 'image';
}

/** A still an embed can show (png, jpg, webp, gif). */
export function isEmbeddable(filename: string): boolean {
  return EMBEDDABLE.has(extensionOf(filename));
}

// ---------------------------------------------------------------- the model

export const OutputFile = z.object({
  kind: z.enum(FILE_KINDS),
  nodeId: z.string(),
  filename: z.string(),
  subfolder: z.string().default(''),
  type: ImageType.default('output'),
  /** VideoHelperSuite's `format`: `image/gif`, `image/webp`, `video/h264-mp4` (not a MIME type). */
  format: z.string().optional(),
  /** VideoHelperSuite's `frame_rate`. */
  frameRate: z.number().optional(),
});
export type OutputFile = z.infer<typeof OutputFile>;

export const OutputText = z.object({
  kind: z.literal('text'),
  nodeId: z.string(),
  text: z.string(),
});
export type OutputText = z.infer<typeof OutputText>;

/** One output of a prompt: a file it saved, or a text it showed (PreviewAny). */
export const Output = z.discriminatedUnion('kind', [OutputFile, OutputText]);
export type Output = z.infer<typeof Output>;

export function isFile(o: Output): o is OutputFile {
  return o.kind !== 'text';
}

export function isText(o: Output): o is OutputText {
  return o.kind === 'text';
}

// ---------------------------------------------------------------- reading output dicts

/** An entry of a file list as ComfyUI (or a custom node) writes it; only `filename` is required. */
const FileEntry = z.looseObject({
  filename: z.string().min(1),
  subfolder: z.string().catch(''),
  type: ImageType.catch('output'),
  format: z.string().optional().catch(undefined),
  frame_rate: z.number().optional().catch(undefined),
});

/** Keys whose lists are not files: `animated` flags, `text`, VHS's `unfinished_batch`, Preview3D's `result`. */
const NOT_FILE_KEYS = new Set(['animated', 'text', 'unfinished_batch', 'result']);

function isFileList(value: unknown): value is unknown[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e) && typeof (e as { filename?: unknown }).filename === 'string')
  );
}

/**
 * Every output of one node's output dict: the files of every key that holds a
 * list of file entries (known keys and unknown ones alike), then its texts.
 */
export function outputsOf(nodeId: string, output: Record<string, unknown> | null | undefined): Output[] {
  if (!output) return [];
  const animatedFlags = output['animated'];
  const animated = Array.isArray(animatedFlags) && animatedFlags.some((f) => f === true);
  const outputs: Output[] = [];
  for (const [key, value] of Object.entries(output)) {
    if (NOT_FILE_KEYS.has(key) || !isFileList(value)) continue;
    for (const raw of value) {
      const parsed = FileEntry.safeParse(raw);
      if (!parsed.success) continue;
      const e = parsed.data;
      const vhsAnimation = typeof e.format === 'string' && e.format.startsWith('image/');
      outputs.push({
        kind: kindOf(e.filename, animated || vhsAnimation),
        nodeId,
        filename: e.filename,
        subfolder: e.subfolder,
        type: e.type,
        ...(e.format !== undefined ? { format: e.format } : {}),
        ...(e.frame_rate !== undefined ? { frameRate: e.frame_rate } : {}),
      });
    }
  }
  const texts = output['text'];
  if (Array.isArray(texts)) {
    for (const t of texts) outputs.push({ kind: 'text', nodeId, text: typeof t === 'string' ? t : JSON.stringify(t) });
  }
  return outputs;
}

/** Every output of a prompt, node by node in the order given (history's `outputs`). */
export function outputsOfAll(outputs: Record<string, Record<string, unknown>>): Output[] {
  return Object.entries(outputs).flatMap(([nodeId, output]) => outputsOf(nodeId, output));
}

/** `video/ComfyUI_00001_.mp4`: where a file is inside its folder. */
export function pathOf(file: Pick<OutputFile, 'filename' | 'subfolder'>): string {
  return file.subfolder ? `${file.subfolder}/${file.filename}` : file.filename;
}
