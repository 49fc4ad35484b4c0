/**
 * The path checks ComfyUI does with os.path.normpath/abspath/commonpath, done on
 * relative paths inside one of its folders. `null` means "outside the folder":
 * absolute paths and `..` that climbs above the root.
 */
export function resolveInside(...parts: string[]): string | null {
  const segments: string[] = [];
  for (const part of parts) {
    if (part.startsWith('/')) return null;
    for (const segment of part.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (segments.length === 0) return null;
        segments.pop();
      } else segments.push(segment);
    }
  }
  return segments.join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** os.path.splitext: the extension of the last path component; leading dots are not one. */
export function splitExt(name: string): [string, string] {
  const base = name.lastIndexOf('/') + 1;
  let first = base;
  while (name[first] === '.') first++;
  const dot = name.lastIndexOf('.');
  return dot <= first ? [name, ''] : [name.slice(0, dot), name.slice(dot)];
}

export type FolderType = 'input' | 'output' | 'temp';

export function folderType(value: string | null | undefined): FolderType | null {
  return value === 'input' || value === 'output' || value === 'temp' ? value : null;
}

/** `folder_paths.annotated_filepath`: "x.png [output]" names a file in another folder. */
export function annotated(name: string): { name: string; folder: FolderType | null } {
  if (name.endsWith('[output]')) return { name: name.slice(0, -9), folder: 'output' };
  if (name.endsWith('[input]')) return { name: name.slice(0, -8), folder: 'input' };
  if (name.endsWith('[temp]')) return { name: name.slice(0, -7), folder: 'temp' };
  return { name, folder: null };
}

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.wav': 'audio/x-wav',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  // From the host's /etc/mime.types on the machine of shared/comfyui-media.md §2.
  '.opus': 'audio/ogg',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.glb': 'model/gltf-binary',
  '.svg': 'image/svg+xml',
};

/** Python's `mimetypes.guess_type(name)[0]`, for the names a ComfyUI user meets (`.latent`: None). */
export function guessMime(name: string): string | null {
  return MIME[splitExt(name)[1].toLowerCase()] ?? null;
}
