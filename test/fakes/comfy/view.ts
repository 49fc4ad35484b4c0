/** GET /view, after server.py's view_image. */
import type { FileStore } from './file-store.ts';
import { emptyReply, serverError, type Reply } from './http-types.ts';
import { makeJpeg } from './jpeg.ts';
import { annotated, basename, folderType, guessMime, resolveInside } from './paths.ts';
import { makePng } from './png.ts';
import { makeWebp } from './webp.ts';

const FORCED_DOWNLOAD = new Set(['text/html', 'text/html-sandboxed', 'application/xhtml+xml', 'text/javascript', 'text/css']);

/**
 * A re-encoded preview can't be computed without an image codec, so its size is
 * modelled instead: a fraction of the original that grows with quality (the
 * recording: 5.8 MB PNG -> 1.27 MB at jpeg;85, 649 KB -> 85 KB at webp;50).
 */
function previewSize(originalBytes: number, quality: number): number {
  return Math.floor((originalBytes * Math.max(1, Math.min(100, quality))) / 400);
}

export function viewFile(query: Record<string, string>, files: FileStore, range?: string): Reply {
  if (!('filename' in query)) return emptyReply(404);
  const annotation = annotated(query['filename'] ?? '');
  let filename = annotation.name;
  if (!filename) return emptyReply(400);
  if (filename.startsWith('/') || filename.includes('..')) return emptyReply(400);
  const folder = annotation.folder ?? folderType(query['type'] ?? 'output');
  if (!folder) return emptyReply(400);
  let dir = '';
  if ('subfolder' in query) {
    const resolved = resolveInside(query['subfolder'] ?? '');
    if (resolved === null) return emptyReply(403);
    dir = resolved;
  }
  filename = basename(filename);
  const path = dir ? `${dir}/${filename}` : filename;
  if (!files.isFile(folder, path)) return emptyReply(404);
  const info = files.info(folder, path);
  const bytes = files.read(folder, path) ?? Buffer.alloc(0);
  const headers = { 'Content-Disposition': `filename="${filename}"` };
  const channel = query['channel'];

  if ('preview' in query) {
    // PIL cannot open it: the real server raises, aiohttp answers 500.
    if (!info?.isImage) return serverError();
    const parts = (query['preview'] ?? '').split(';');
    let format = parts[0] ?? '';
    if ((format !== 'webp' && format !== 'jpeg') || (channel ?? '').includes('a')) format = 'webp';
    const last = parts[parts.length - 1] ?? '';
    const quality = /^\d+$/.test(last) ? Number(last) : 90;
    const size = info.size ?? { width: 512, height: 512 };
    const target = previewSize(bytes.length, quality);
    const body =
      format === 'jpeg' ? makeJpeg(size.width, size.height, 128, target) : makeWebp(size.width, size.height, [255, 128, 128, 128], target);
    return { status: 200, body, contentType: `image/${format}`, headers };
  }

  if (channel === 'rgb' || channel === 'a') {
    if (!info?.isImage) return serverError();
    const size = info.size ?? { width: 512, height: 512 };
    const body =
      channel === 'rgb'
        ? makePng(size.width, size.height, [128, 128, 128])
        : makePng(size.width, size.height, [0, 0, 0], { alpha: 255 });
    return { status: 200, body, contentType: 'image/png', headers };
  }

  let contentType = guessMime(filename) ?? 'application/octet-stream';
  if (FORCED_DOWNLOAD.has(contentType)) contentType = 'application/octet-stream';
  return fileResponse(bytes, contentType, headers, range);
}

/**
 * aiohttp's FileResponse: `Accept-Ranges: bytes` always, one `Range: bytes=a-b`
 * (or `a-`, or `-n`) answered 206 with Content-Range, an unsatisfiable one 416.
 */
function fileResponse(bytes: Buffer, contentType: string, headers: Record<string, string>, range: string | undefined): Reply {
  const base = { ...headers, 'Accept-Ranges': 'bytes' };
  const m = range === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { status: 200, body: bytes, contentType, headers: base };
  const size = bytes.length;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  }
  if (start >= size || start > end) return { status: 416, contentType, headers: { ...base, 'Content-Range': `bytes */${size}` } };
  return { status: 206, body: bytes.subarray(start, end + 1), contentType, headers: { ...base, 'Content-Range': `bytes ${start}-${end}/${size}` } };
}
