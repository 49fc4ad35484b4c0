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
  /**
   * folder/dir -> prefix -> the highest counter of the names `prefix_NNNNN_…`
   * directly inside: kept as names arrive, so saving an image does not scan
   * every earlier output (nextCounter).
   */
  private readonly counters = new Map<string, Map<string, number>>();
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
    for (const key of [...this.counters.keys()]) if (key === folder || key.startsWith(`${folder}/`)) this.counters.delete(key);
  }

  /** folder_paths.get_save_image_path's counter: one past the highest `name_NNNNN_` in the folder. */
  nextCounter(folder: FolderType, subfolder: string, filename: string): number {
    const highest = this.counters.get(subfolder ? `${folder}/${subfolder}` : folder)?.get(filename);
    return highest === undefined ? 1 : highest + 1;
  }

  /**
   * Counts a new name of a folder for nextCounter: `a_b_00003_.png` is counter 0
   * ("b", not a number) for prefix "a" and 3 for prefix "a_b", as
   * get_save_image_path reads it for every prefix it may be asked about.
   */
  private countName(key: string, name: string): void {
    let counters = this.counters.get(key);
    if (!counters) this.counters.set(key, (counters = new Map<string, number>()));
    for (let at = name.indexOf('_'); at >= 0; at = name.indexOf('_', at + 1)) {
      const prefix = name.slice(0, at);
      const digitsText = name.slice(at + 1).split('_')[0] ?? '';
      const digits = /^\s*[+-]?\d+\s*$/.test(digitsText) ? Number.parseInt(digitsText, 10) : 0;
      counters.set(prefix, Math.max(counters.get(prefix) ?? -Infinity, digits));
    }
  }

  private set(folder: FolderType, relPath: string, entry: Entry): void {
    this.files.set(`${folder}/${relPath}`, entry);
    let path = relPath;
    for (;;) {
      const parent = dirname(path);
      const key = parent ? `${folder}/${parent}` : folder;
      let names = this.dirs.get(key);
      if (!names) this.dirs.set(key, (names = new Set()));
      const name = basename(path);
      if (!names.has(name)) {
        names.add(name);
        this.countName(key, name);
      }
      if (!parent) break;
      path = parent;
    }
  }
}
