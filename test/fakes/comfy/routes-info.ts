/** Discovery routes: models, embeddings, object_info, system_stats, features, free. */
import { bodyText, emptyReply, jsonReply, jsonTextReply, serverError } from './http-types.ts';
import { listFolder, MODEL_FOLDERS, type ModelFolders } from './models.ts';
import type { NodeCatalog } from './object-info.ts';
import { splitExt } from './paths.ts';
import { parsePyJson } from './py-json.ts';
import { FEATURES, SYSTEM_STATS } from './recorded.ts';
import type { Router } from './router.ts';

export interface InfoRouteContext {
  catalog: NodeCatalog;
  models: () => ModelFolders;
}

export function registerInfoRoutes(router: Router, ctx: InfoRouteContext): void {
  const folders = (): string[] => [
    ...MODEL_FOLDERS,
    ...Object.keys(ctx.models()).filter((name) => !(MODEL_FOLDERS as readonly string[]).includes(name)),
  ];

  router.on('GET', '/', () => ({
    status: 200,
    body: '<!DOCTYPE html><html><head><title>ComfyUI</title></head><body></body></html>',
    contentType: 'text/html',
  }));
  router.on('GET', '/models', () => jsonReply(folders()));
  router.on('GET', '/models/:folder', (request) => {
    const folder = request.params['folder'] ?? '';
    return folders().includes(folder) ? jsonReply(listFolder(ctx.models(), folder)) : emptyReply(404);
  });
  router.on('GET', '/embeddings', () => jsonReply(listFolder(ctx.models(), 'embeddings').map((name) => splitExt(name)[0])));
  router.on('GET', '/object_info', () => jsonTextReply(ctx.catalog.renderAll()));
  router.on('GET', '/object_info/:class', (request) => jsonTextReply(ctx.catalog.renderOne(request.params['class'] ?? '')));
  router.on('GET', '/system_stats', () => jsonReply(SYSTEM_STATS));
  router.on('GET', '/features', () => jsonReply(FEATURES));
  router.on('POST', '/free', (request) => {
    try {
      parsePyJson(bodyText(request));
    } catch {
      return serverError();
    }
    return emptyReply();
  });
}
