/** /prompt, /queue, /interrupt and /history, following server.py's handlers. */
import { randomUUID } from 'node:crypto';
import type { FileStore } from './file-store.ts';
import { bodyText, emptyReply, jsonReply, serverError, type ComfyRequest, type Reply } from './http-types.ts';
import type { NodeCatalog } from './object-info.ts';
import { annotated, resolveInside } from './paths.ts';
import { queueTuple, type HistoryEntry, type QueueItem } from './prompt-queue.ts';
import { PyError, toPyFloat, toPyInt } from './py-convert.ts';
import { parsePyJson, pyEquals, pyStr, pyTruthy, pyTypeName, settle, type Json, type JsonObject, type PyNum } from './py-json.ts';
import type { Router } from './router.ts';
import type { ServerState } from './server-state.ts';
import { validatePrompt } from './validation.ts';

export interface PromptRouteContext {
  state(): ServerState;
  catalog: NodeCatalog;
  files: FileStore;
}

const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org'];

/** Python's `key in container` for whatever JSON a client sent. */
function contains(container: Json, key: string): boolean {
  if (container instanceof Map) return container.has(key);
  if (Array.isArray(container)) return container.some((v) => pyEquals(v, key));
  if (typeof container === 'string') return container.includes(key);
  throw new PyError('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

/** `json_data[key]` after a successful `in` check: only dicts get this far in practice. */
function field(container: Json, key: string): Json {
  if (container instanceof Map) return container.get(key) ?? null;
  throw new PyError('TypeError', `${pyTypeName(container)} indices must be integers`);
}

function iterate(value: Json): Json[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Map) return [...value.keys()];
  if (typeof value === 'string') return [...value];
  throw new PyError('TypeError', `'${pyTypeName(value)}' object is not iterable`);
}

/** Runs a handler the way aiohttp does: any exception is a plain-text 500. */
function guarded(handler: (request: ComfyRequest) => Reply): (request: ComfyRequest) => Reply {
  return (request) => {
    try {
      return handler(request);
    } catch (error) {
      if (error instanceof PyError || error instanceof SyntaxError) return serverError();
      throw error;
    }
  };
}

function historyJson(entry: HistoryEntry): Record<string, Json | object> {
  return { prompt: entry.prompt, outputs: entry.outputs, status: entry.status, meta: entry.meta };
}

export function registerPromptRoutes(router: Router, ctx: PromptRouteContext): void {
  const imageExists = (name: string): boolean => {
    const { name: bare, folder } = annotated(name);
    const path = resolveInside(bare);
    return path !== null && ctx.files.exists(folder ?? 'input', path);
  };

  router.on('GET', '/prompt', () => jsonReply(ctx.state().queueInfo()));

  router.on(
    'POST',
    '/prompt',
    guarded((request) => {
      const data = parsePyJson(bodyText(request));
      const state = ctx.state();
      let number: number | PyNum;
      if (contains(data, 'number')) number = toPyFloat(field(data, 'number'));
      else {
        number = state.counter;
        if (contains(data, 'front') && pyTruthy(field(data, 'front'))) number = -number || 0;
        state.counter++;
      }

      if (!contains(data, 'prompt')) {
        const error = { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} };
        return jsonReply({ error, node_errors: {} }, 400);
      }
      const json = data as JsonObject;
      const prompt = json.get('prompt') ?? null;
      const promptId = json.has('prompt_id') ? pyStr(json.get('prompt_id')) : randomUUID();
      const valid = validatePrompt(prompt, ctx.catalog, imageExists, json.get('partial_execution_targets'));
      const extraData: Json = json.has('extra_data') ? (json.get('extra_data') ?? null) : new Map();
      if (json.has('client_id')) {
        if (!(extraData instanceof Map)) throw new PyError('TypeError', `'${pyTypeName(extraData)}' object does not support item assignment`);
        extraData.set('client_id', json.get('client_id') ?? null);
      }
      if (!valid.ok) return jsonReply({ error: valid.error, node_errors: valid.nodeErrors }, 400);
      if (!(extraData instanceof Map)) throw new PyError('TypeError', `'${pyTypeName(extraData)}' object does not support item assignment`);
      for (const key of SENSITIVE_EXTRA_DATA_KEYS) extraData.delete(key);
      extraData.set('create_time', Date.now());
      const item: QueueItem = {
        number,
        promptId,
        prompt: settle(prompt as JsonObject),
        extraData,
        outputsToExecute: valid.goodOutputs,
      };
      state.queue.put(item);
      state.executor.kick();
      return jsonReply({ prompt_id: promptId, number, node_errors: valid.nodeErrors });
    }),
  );

  router.on('GET', '/queue', () => {
    const { queue } = ctx.state();
    return jsonReply({
      queue_running: queue.runningItems().map(queueTuple),
      queue_pending: queue.pendingItems().map(queueTuple),
    });
  });

  router.on(
    'POST',
    '/queue',
    guarded((request) => {
      const data = parsePyJson(bodyText(request));
      const { queue } = ctx.state();
      if (contains(data, 'clear') && pyTruthy(field(data, 'clear'))) queue.wipe();
      if (contains(data, 'delete')) {
        for (const id of iterate(field(data, 'delete'))) queue.deleteWhere((item) => pyEquals(item.promptId, id));
      }
      return emptyReply();
    }),
  );

  router.on(
    'POST',
    '/interrupt',
    guarded((request) => {
      let data: Json;
      try {
        data = parsePyJson(bodyText(request));
      } catch {
        data = new Map();
      }
      if (!(data instanceof Map)) throw new PyError('AttributeError', `'${pyTypeName(data)}' object has no attribute 'get'`);
      const promptId = data.get('prompt_id') ?? null;
      const { executor } = ctx.state();
      if (pyTruthy(promptId)) executor.interrupt(pyStr(promptId));
      else executor.interrupt();
      return emptyReply();
    }),
  );

  router.on(
    'GET',
    '/history',
    guarded((request) => {
      const maxItems = request.query['max_items'] === undefined ? null : toPyInt(request.query['max_items']);
      const offset = request.query['offset'] === undefined ? -1 : toPyInt(request.query['offset']);
      const slice = ctx.state().queue.historySlice(maxItems, offset);
      return jsonReply(new Map([...slice].map(([id, entry]) => [id, historyJson(entry)])));
    }),
  );

  router.on('GET', '/history/:id', (request) => {
    const id = request.params['id'] ?? '';
    const entry = ctx.state().queue.historyEntry(id);
    return jsonReply(entry ? new Map([[id, historyJson(entry)]]) : {});
  });

  router.on(
    'POST',
    '/history',
    guarded((request) => {
      const data = parsePyJson(bodyText(request));
      const { queue } = ctx.state();
      if (contains(data, 'clear') && pyTruthy(field(data, 'clear'))) queue.wipeHistory();
      if (contains(data, 'delete')) {
        for (const id of iterate(field(data, 'delete'))) if (typeof id === 'string') queue.deleteHistory(id);
      }
      return emptyReply();
    }),
  );
}
