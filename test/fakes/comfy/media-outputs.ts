/**
 * The output nodes beyond SaveImage/PreviewImage, with the UI dicts, file names
 * and subfolders ComfyUI 0.8.0's source gives them (shared/comfyui-media.md §1):
 * videos, animations, sound, text, a 3D mesh, a latent, and VideoHelperSuite's
 * Video Combine. Every file is real (data/media), served by /view like any other.
 */
import type { FileStore } from './file-store.ts';
import type { ImageMeta } from './image-meta.ts';
import { makeGlb, makeLatent, mediaFixture, padMp4 } from './media.ts';
import { savePath, tempPrefix } from './outputs.ts';
import { annotated, resolveInside } from './paths.ts';
import { isNumeric, num, pyJson, pyStr, type Json, type JsonObject } from './py-json.ts';

export interface MediaRequest {
  files: FileStore;
  prompt: JsonObject;
  nodeId: string;
  inputs: JsonObject;
  /** Size and batch of the images flowing into the node. */
  meta: ImageMeta;
  /** Grows every mp4 saved (a `free` box), like outputPadBytes grows PNGs. */
  padBytes: number;
}

type Saver = (request: MediaRequest) => JsonObject;

interface Entry {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp';
}

const entryJson = (e: Entry): Json => new Map<string, Json>([['filename', e.filename], ['subfolder', e.subfolder], ['type', e.type]]);

function stringInput(inputs: JsonObject, name: string, fallback: string): string {
  const v = inputs.get(name);
  return typeof v === 'string' ? v : fallback;
}

/**
 * Saves one file the way the core savers name it, `{prefix}_{counter:05}_.{ext}`
 * (get_save_image_path's counter), or VideoHelperSuite's `{prefix}_{counter:05}.{ext}`.
 */
function save(
  r: MediaRequest,
  folder: 'output' | 'temp',
  prefix: string,
  ext: string,
  bytes: () => Buffer,
  options: { vhs?: boolean; count?: number } = {},
): Entry[] {
  const { subfolder, filename } = savePath(folder, prefix, r.meta);
  let counter = options.vhs ? vhsCounter(r.files, folder, subfolder, filename) : r.files.nextCounter(folder, subfolder, filename);
  const saved: Entry[] = [];
  for (let i = 0; i < (options.count ?? 1); i++) {
    const base = filename.replaceAll('%batch_num%', String(i));
    const name = options.vhs ? `${base}_${String(counter).padStart(5, '0')}.${ext}` : `${base}_${String(counter).padStart(5, '0')}_.${ext}`;
    const path = subfolder ? `${subfolder}/${name}` : name;
    r.files.put(folder, path, bytes());
    saved.push({ filename: name, subfolder, type: folder });
    counter++;
  }
  return saved;
}

/** VideoHelperSuite counts `{prefix}_(\d+)\D*\..+` in the folder itself. */
function vhsCounter(files: FileStore, folder: 'output' | 'temp', subfolder: string, filename: string): number {
  const escaped = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const matcher = new RegExp(`^${escaped}_(\\d+)\\D*\\..+$`, 'i');
  let max = 0;
  for (const name of files.list(folder, subfolder)) {
    const m = matcher.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

/** The node a link input comes from, with its inputs. */
function source(r: MediaRequest, value: Json | undefined): { classType: string; inputs: JsonObject; id: string } | null {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return null;
  const node = r.prompt.get(value[0]);
  if (!(node instanceof Map)) return null;
  const inputs = node.get('inputs');
  return { classType: pyStr(node.get('class_type')), inputs: inputs instanceof Map ? inputs : new Map(), id: value[0] };
}

/** SaveVideo of a LoadVideo copies its streams (VideoFromFile); of CreateVideo it encodes H.264 (the fixture). */
function videoBytes(r: MediaRequest): Buffer {
  const from = source(r, r.inputs.get('video'));
  if (from?.classType === 'LoadVideo') {
    const file = from.inputs.get('file');
    const { name, folder } = annotated(typeof file === 'string' ? file : '');
    const path = resolveInside(name);
    const loaded = path === null ? undefined : r.files.read(folder ?? 'input', path);
    if (loaded) return loaded;
  }
  return padMp4(mediaFixture('video.mp4'), r.padBytes);
}

/** The value a linked input carries, for PreviewAny: strings and numbers from the nodes that make them. */
function valueOf(r: MediaRequest, value: Json | undefined, depth = 0): Json {
  const from = depth < 50 ? source(r, value) : null;
  if (!from) return value ?? null;
  const input = (name: string): Json => valueOf(r, from.inputs.get(name), depth + 1);
  const text = (name: string): string => {
    const v = input(name);
    return typeof v === 'string' ? v : pyStr(v);
  };
  switch (from.classType) {
    case 'PrimitiveString':
    case 'PrimitiveStringMultiline':
    case 'PrimitiveInt':
    case 'PrimitiveFloat':
    case 'PrimitiveBoolean':
      return input('value');
    case 'StringConcatenate':
      return `${text('string_a')}${text('delimiter')}${text('string_b')}`;
    case 'StringReplace':
      return text('string').replaceAll(text('find'), text('replace'));
    case 'StringTrim': {
      const mode = text('mode');
      const s = text('string');
      return mode === 'Left' ? s.trimStart() : mode === 'Right' ? s.trimEnd() : s.trim();
    }
    case 'StringLength':
      return [...text('string')].length;
    default:
      // A tensor, a model, a latent: json.dumps fails, so PreviewAny shows str(value).
      return `<${from.classType} output ${pyStr(Array.isArray(value) ? (value[1] ?? 0) : 0)} of node ${from.id}>`;
  }
}

/** nodes_preview_any.py: a str as is; int, float, bool through str(); None as 'None'. */
function previewText(value: Json): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'boolean' || isNumeric(value)) return pyStr(value);
  return pyJson(value);
}

const withAnimated = (entries: Entry[], animated: boolean): JsonObject => {
  const ui = new Map<string, Json>([['images', entries.map(entryJson)]]);
  if (animated) ui.set('animated', [true]);
  return ui;
};

const audioSaver =
  (ext: 'flac' | 'mp3' | 'opus', preview = false): Saver =>
  (r) => {
    const fixture = ext === 'flac' ? 'audio.flac' : ext === 'mp3' ? 'audio.mp3' : 'audio.opus';
    const entries = preview
      ? save(r, 'temp', tempPrefix(), ext, () => mediaFixture(fixture))
      : save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'audio/ComfyUI'), ext, () => mediaFixture(fixture));
    return new Map([['audio', entries.map(entryJson)]]);
  };

const SAVERS: Record<string, Saver> = {
  // nodes_video.py SaveVideo → ui.PreviewVideo: images + animated [true]; default prefix video/ComfyUI.
  SaveVideo: (r) => withAnimated(save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'video/ComfyUI'), 'mp4', () => videoBytes(r)), true),
  SaveWEBM: (r) => withAnimated(save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'ComfyUI'), 'webm', () => mediaFixture('video.webm')), true),
  // _ui.py: one file for the whole batch; `animated` only when it had more than one frame.
  SaveAnimatedWEBP: (r) => withAnimated(save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'ComfyUI'), 'webp', () => mediaFixture('animated.webp')), r.meta.batch > 1),
  SaveAnimatedPNG: (r) => withAnimated(save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'ComfyUI'), 'png', () => mediaFixture('animated.png')), r.meta.batch > 1),
  SaveAudio: audioSaver('flac'),
  SaveAudioMP3: audioSaver('mp3'),
  SaveAudioOpus: audioSaver('opus'),
  PreviewAudio: audioSaver('flac', true),
  PreviewAny: (r) => new Map([['text', [previewText(valueOf(r, r.inputs.get('source')))]]]),
  SaveGLB: (r) => new Map([['3d', save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'mesh/ComfyUI'), 'glb', makeGlb).map(entryJson)]]),
  SaveLatent: (r) =>
    new Map([
      ['latents', save(r, 'output', stringInput(r.inputs, 'filename_prefix', 'latents/ComfyUI'), 'latent', () => makeLatent(r.meta.width, r.meta.height)).map(entryJson)],
    ]),
  VHS_VideoCombine: (r) => {
    const format = stringInput(r.inputs, 'format', 'image/gif');
    const type = r.inputs.get('save_output') === false ? 'temp' : 'output';
    const prefix = stringInput(r.inputs, 'filename_prefix', 'AnimateDiff');
    const [ext, bytes]: [string, () => Buffer] =
      format === 'image/gif'
        ? ['gif', () => mediaFixture('animated.gif')]
        : format === 'image/webp'
          ? ['webp', () => mediaFixture('animated.webp')]
          : format.endsWith('webm')
            ? ['webm', () => mediaFixture('video.webm')]
            : ['mp4', () => padMp4(mediaFixture('video.mp4'), r.padBytes)];
    // The first frame as a PNG next to it (the `workflow` field), then the video.
    const [first] = save(r, type, prefix, 'png', () => mediaFixture('animated.png'), { vhs: true });
    const [video] = save(r, type, prefix, ext, bytes, { vhs: true });
    const entry = new Map<string, Json>([
      ['filename', video!.filename],
      ['subfolder', video!.subfolder],
      ['type', type],
      ['format', format],
      ['frame_rate', num(r.inputs.get('frame_rate')) || 8],
      ['workflow', first!.filename],
      ['fullpath', `/ComfyUI/${type}/${video!.subfolder ? `${video!.subfolder}/` : ''}${video!.filename}`],
    ]);
    return new Map([['gifs', [entry]]]);
  },
};

/** The output nodes this module runs. */
export function isMediaOutputNode(classType: string): boolean {
  return Object.hasOwn(SAVERS, classType);
}

/** Runs a media output node: saves its files and returns its UI dict. */
export function runMediaOutput(classType: string, request: MediaRequest): JsonObject {
  const saver = SAVERS[classType];
  if (!saver) throw new Error(`not a media output node: ${classType}`);
  return saver(request);
}
