import type { FileStore } from './file-store.ts';
import { emptyReply } from './http-types.ts';
import type { Router } from './router.ts';
import { handleUpload, maskSaver } from './uploads.ts';
import { viewFile } from './view.ts';

/** Uploads above `max_upload_size` (GET /features) are refused by aiohttp. */
export const MAX_UPLOAD_SIZE = 104857600;

export function registerFileRoutes(router: Router, files: FileStore): void {
  router.on('POST', '/upload/image', (request) =>
    request.body.length > MAX_UPLOAD_SIZE ? emptyReply(413) : handleUpload(request.form, files),
  );
  router.on('POST', '/upload/mask', (request) =>
    request.body.length > MAX_UPLOAD_SIZE ? emptyReply(413) : handleUpload(request.form, files, maskSaver(files)),
  );
  router.on('GET', '/view', (request) => viewFile(request.query, files, request.headers.range));
}
