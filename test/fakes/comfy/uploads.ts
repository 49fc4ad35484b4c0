/** POST /upload/image and /upload/mask, after server.py's image_upload. */
import type { FileStore } from './file-store.ts';
import { emptyReply, jsonReply, serverError, type Reply } from './http-types.ts';
import { annotated, folderType, resolveInside, splitExt, type FolderType } from './paths.ts';
import { makePng } from './png.ts';

export interface UploadedFile {
  name: string;
  bytes: Buffer;
}

type SaveFunction = (bytes: Buffer, form: FormData, folder: FolderType, path: string) => void;

class ServerFault extends Error {}

async function fileField(form: FormData, name: string): Promise<UploadedFile | null | 'not-a-file'> {
  const value = form.get(name);
  if (value === null || value === '') return null;
  if (typeof value === 'string') return 'not-a-file';
  return { name: value.name, bytes: Buffer.from(await value.arrayBuffer()) };
}

function text(form: FormData, name: string): string | null {
  const value = form.get(name);
  return typeof value === 'string' ? value : null;
}

export async function handleUpload(form: FormData | null, files: FileStore, save?: SaveFunction): Promise<Reply> {
  // aiohttp's request.post() on a body that is not a form is an empty form.
  const post = form ?? new FormData();
  try {
    const image = await fileField(post, 'image');
    if (image === 'not-a-file') return serverError();
    const rawType = text(post, 'type');
    const folder = rawType === null ? 'input' : folderType(rawType);
    // get_dir_by_type leaves its variable unset for other types: an UnboundLocalError, so a 500.
    if (!folder) return serverError();
    if (!image) return emptyReply(400);
    let filename = image.name;
    if (!filename) return emptyReply(400);
    const subfolder = text(post, 'subfolder') ?? '';
    const dir = resolveInside(subfolder);
    let path = dir === null ? null : resolveInside(dir, filename);
    if (dir === null || path === null || path === '') return emptyReply(400);

    const overwrite = text(post, 'overwrite');
    let duplicate = false;
    if (overwrite !== 'true' && overwrite !== '1') {
      const [stem, ext] = splitExt(filename);
      for (let i = 1; files.exists(folder, path); i++) {
        // Same bytes under the same name: keep the name, write nothing (ComfyUI #3465).
        if (files.read(folder, path)?.equals(image.bytes)) {
          duplicate = true;
          break;
        }
        filename = `${stem} (${i})${ext}`;
        path = resolveInside(dir, filename) ?? filename;
      }
    }
    if (!duplicate) {
      if (save) save(image.bytes, post, folder, path);
      else files.put(folder, path, image.bytes);
    }
    return jsonReply({ name: filename, subfolder, type: folder });
  } catch (error) {
    if (error instanceof ServerFault) return serverError();
    throw error;
  }
}

/**
 * The mask's save function: the original image with the mask as alpha, stored under
 * the mask's name. As in ComfyUI, a bad `original_ref` that parses still answers 200
 * (the handler ignores its own early returns) but stores nothing.
 */
export function maskSaver(files: FileStore): SaveFunction {
  return (_bytes, form, folder, path) => {
    let ref: unknown;
    try {
      ref = JSON.parse(text(form, 'original_ref') ?? '');
    } catch {
      throw new ServerFault();
    }
    if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) throw new ServerFault();
    const original = ref as Record<string, unknown>;
    if (!('filename' in original)) throw new ServerFault();
    const { name, folder: annotatedFolder } = annotated(String(original['filename']));
    if (!name || name.startsWith('/') || name.includes('..')) return;
    // get_directory_by_type() knows only the folder names; anything else is None, a 400.
    const type = original['type'] ?? 'output';
    const sourceFolder = annotatedFolder ?? (typeof type === 'string' ? folderType(type) : undefined);
    if (!sourceFolder) return;
    const sub = 'subfolder' in original ? original['subfolder'] : '';
    // os.path.join() raises TypeError on anything but a string: a 500.
    if (typeof sub !== 'string') throw new ServerFault();
    const source = resolveInside(sub, name);
    if (source === null || !files.isFile(sourceFolder, source)) return;
    const size = files.info(sourceFolder, source)?.size ?? { width: 512, height: 512 };
    files.put(folder, path, makePng(size.width, size.height, [128, 128, 128], { alpha: 255 }));
  };
}
