import { hash } from 'node:crypto';
import type { FileStore } from './file-store.ts';
import type { ImageMeta } from './image-meta.ts';
import { basename, dirname, resolveInside } from './paths.ts';
import { makePng, type Rgb } from './png.ts';
import { PyError } from './py-convert.ts';

export interface SavedImage {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp';
}

export interface SaveRequest {
  folder: 'output' | 'temp';
  prefix: string;
  meta: ImageMeta;
  padBytes: number;
  /** Makes each image's colour differ between prompts and batch entries. */
  seed: string;
  /** Embedded as a `prompt` tEXt chunk, as SaveImage does. */
  promptJson: string;
}

const TEMP_LETTERS = 'abcdefghijklmnopqrstupvxyz';

/** PreviewImage's prefix: "ComfyUI_temp_" and five random letters (ComfyUI's alphabet, typo included). */
export function tempPrefix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += TEMP_LETTERS[Math.floor(Math.random() * TEMP_LETTERS.length)];
  return `ComfyUI_temp_${suffix}`;
}

function computeVars(prefix: string, meta: ImageMeta): string {
  const now = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return prefix
    .replaceAll('%width%', String(meta.width))
    .replaceAll('%height%', String(meta.height))
    .replaceAll('%year%', String(now.getFullYear()))
    .replaceAll('%month%', two(now.getMonth() + 1))
    .replaceAll('%day%', two(now.getDate()))
    .replaceAll('%hour%', two(now.getHours()))
    .replaceAll('%minute%', two(now.getMinutes()))
    .replaceAll('%second%', two(now.getSeconds()));
}

function colourFor(seed: string): Rgb {
  const digest = hash('sha1', seed, 'buffer');
  return [digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0];
}

/**
 * folder_paths.get_save_image_path: the prefix's `%width%`-style variables filled
 * in, its directory part as the subfolder; a prefix that climbs out of the folder
 * raises as ComfyUI does.
 */
export function savePath(folder: 'output' | 'temp', rawPrefix: string, meta: ImageMeta): { subfolder: string; filename: string } {
  const prefix = rawPrefix.includes('%') ? computeVars(rawPrefix, meta) : rawPrefix;
  const normalized = resolveInside(prefix);
  if (normalized === null) {
    const root = `ComfyUI/${folder}`;
    throw new PyError(
      'Exception',
      '**** ERROR: Saving image outside the output folder is not allowed.' +
        `\n full_output_folder: ${root}/${dirname(prefix)}` +
        `\n         output_dir: ${root}` +
        '\n         commonpath: ComfyUI',
    );
  }
  return { subfolder: dirname(normalized), filename: basename(normalized) };
}

/**
 * SaveImage / PreviewImage: get_save_image_path's naming (`prefix_00001_.png`,
 * counting on from the files already in the folder), one file per batch entry.
 * The PNGs are real and sized like the graph's images, rendered when first read.
 */
export function saveImages(files: FileStore, request: SaveRequest): SavedImage[] {
  const { subfolder, filename } = savePath(request.folder, request.prefix, request.meta);
  let counter = files.nextCounter(request.folder, subfolder, filename);
  const saved: SavedImage[] = [];
  for (let batch = 0; batch < request.meta.batch; batch++) {
    const name = `${filename.replaceAll('%batch_num%', String(batch))}_${String(counter).padStart(5, '0')}_.png`;
    const path = subfolder ? `${subfolder}/${name}` : name;
    const { width, height } = request.meta;
    const colour = colourFor(`${request.seed}/${batch}`);
    const padBytes = request.padBytes;
    const promptJson = request.promptJson;
    files.putGenerated(request.folder, path, { width, height }, () =>
      makePng(width, height, colour, { padBytes, text: { prompt: promptJson } }),
    );
    saved.push({ filename: name, subfolder, type: request.folder });
    counter++;
  }
  return saved;
}
