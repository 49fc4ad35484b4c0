import { createHash } from 'node:crypto';
import { basename, dirname, type FolderType } from './paths.ts';
import { imageFormat, readImageSize, type ImageSize } from './png.ts';

interface Entry {
  bytes?: Buffer;
  render?: () => Buffer;
  /** Changes whenever the content does: LoadImage's cache key is a hash of its file. */
  version: string;
  size: ImageSize | null;
  isImage: boolean;
}

export interface FileInfo {
  version: string;
  size: ImageSize | null;
  isImage: boolean;
}

/**
 * ComfyUI's input, output and temp folders, in memory. Generated outputs are
 * rendered on first read, so a burst of prompts costs nothing until someone
 * downloads the images.
 */
export class FileStore {
  private readonly files = new Map<string, Entry>();
  /** folder/dir -> names directly inside, for listdir-style lookups. */
  private readonly dirs = new Map<string, Set<string>>();
  private generation = 0;

  put(folder: FolderType, relPath: string, bytes: Buffer): void {
    this.set(folder, relPath, {
      bytes,
      version: createHash('sha1').update(bytes).digest('hex'),
      size: readImageSize(bytes),
      isImage: imageFormat(bytes) !== null,
    });
  }

  putGenerated(folder: FolderType, relPath: string, size: ImageSize, render: () => Buffer): void {
    this.set(folder, relPath, { render, version: `generated-${++this.generation}`, size, isImage: true });
  }

  read(folder: FolderType, relPath: string): Buffer | undefined {
    const entry = this.files.get(`${folder}/${relPath}`);
    if (!entry) return undefined;
    if (!entry.bytes && entry.render) {
      entry.bytes = entry.render();
      entry.render = undefined;
    }
    return entry.bytes;
  }

  info(folder: FolderType, relPath: string): FileInfo | undefined {
    const entry = this.files.get(`${folder}/${relPath}`);
    return entry && { version: entry.version, size: entry.size, isImage: entry.isImage };
  }

  isFile(folder: FolderType, relPath: string): boolean {
    return this.files.has(`${folder}/${relPath}`);
  }

  /** os.path.exists: files and the folders that hold them. */
  exists(folder: FolderType, relPath: string): boolean {
    return relPath === '' || this.isFile(folder, relPath) || this.dirs.has(`${folder}/${relPath}`);
  }

  /** Names directly inside a folder (files and sub-folders), like os.listdir. */
  list(folder: FolderType, dir: string): string[] {
    return [...(this.dirs.get(dir ? `${folder}/${dir}` : folder) ?? [])];
  }

  /** Files directly inside a folder, without sub-folders. */
  listFiles(folder: FolderType, dir = ''): string[] {
    return this.list(folder, dir).filter((name) => this.isFile(folder, dir ? `${dir}/${name}` : name));
  }

  clear(folder: FolderType): void {
    for (const key of [...this.files.keys()]) if (key.startsWith(`${folder}/`)) this.files.delete(key);
    for (const key of [...this.dirs.keys()]) if (key === folder || key.startsWith(`${folder}/`)) this.dirs.delete(key);
  }

  /** folder_paths.get_save_image_path's counter: one past the highest `name_NNNNN_` in the folder. */
  nextCounter(folder: FolderType, subfolder: string, filename: string): number {
    let highest = 0;
    let found = false;
    const prefixLength = filename.length;
    for (const name of this.list(folder, subfolder)) {
      const prefix = name.slice(0, prefixLength + 1);
      if (prefix.slice(0, -1) !== filename || !prefix.endsWith('_')) continue;
      const digitsText = name.slice(prefixLength + 1).split('_')[0] ?? '';
      const digits = /^\s*[+-]?\d+\s*$/.test(digitsText) ? Number.parseInt(digitsText, 10) : 0;
      highest = found ? Math.max(highest, digits) : digits;
      found = true;
    }
    return found ? highest + 1 : 1;
  }

  private set(folder: FolderType, relPath: string, entry: Entry): void {
    this.files.set(`${folder}/${relPath}`, entry);
    let path = relPath;
    for (;;) {
      const parent = dirname(path);
      const key = parent ? `${folder}/${parent}` : folder;
      let names = this.dirs.get(key);
      if (!names) this.dirs.set(key, (names = new Set()));
      names.add(basename(path));
      if (!parent) break;
      path = parent;
    }
  }
}
