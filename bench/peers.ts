// The three ComfyUI clients behind one small interface, each used through its
// own public API as its README shows: connect, run one prompt to the point where
// its output images are known, count the events it emits, close.
import { CallWrapper, ComfyApi, PromptBuilder, type NodeData } from '@saintno/comfyui-sdk';
import { Client as StableCanvasClient } from '@stable-canvas/comfyui-client';
import WebSocket from 'ws';
import { type ApiWorkflow, ComfyClient } from '../src/comfy/index.ts';

export const CLIENT_NAMES = ['comfycord', 'comfycord-noPositions', '@saintno/comfyui-sdk', '@stable-canvas/comfyui-client'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export interface ClientAdapter {
  connect(): Promise<void>;
  /** Submits the workflow and resolves with the number of output images once they are known. */
  run(workflow: ApiWorkflow): Promise<number>;
  /** Counts every message event the client emits (one per decoded frame, as far as its API shows them). */
  countEvents(onEvent: () => void): void;
  close(): void;
}

export function makeClient(name: ClientName, url: string): ClientAdapter {
  switch (name) {
    case 'comfycord':
      return ours(url, true);
    case 'comfycord-noPositions':
      return ours(url, false);
    case '@saintno/comfyui-sdk':
      return saintno(url);
    case '@stable-canvas/comfyui-client':
      return stableCanvas(url);
  }
}

/** Ours as the bot uses it (queue positions on) or without the shared GET /queue. */
function ours(url: string, trackPositions: boolean): ClientAdapter {
  const client = new ComfyClient({ url, trackPositions });
  return {
    connect: () => client.connect(),
    async run(workflow) {
      const job = await client.submit(workflow);
      const result = await job.done;
      if (result.status !== 'success') throw new Error(`job ended ${result.status}`);
      return result.outputs.length;
    },
    countEvents(onEvent) {
      client.on('message', onEvent);
      client.on('binary', onEvent);
    },
    close: () => client.close(),
  };
}

/**
 * @saintno/comfyui-sdk: `new ComfyApi(host).init()`, then per prompt a
 * PromptBuilder with its output node and `new CallWrapper(api, builder).run()`,
 * which resolves with the mapped outputs (or false on failure).
 */
function saintno(url: string): ClientAdapter {
  const api = new ComfyApi(url);
  return {
    async connect() {
      const connected = new Promise<void>((resolve) => api.on('connected', () => resolve()));
      api.init();
      await api.waitForReady();
      await connected;
    },
    async run(workflow) {
      const seed = workflow['3']!.inputs['seed'] as number;
      // Our workflow type allows nodes without `_meta`; the SDK's NodeData does not (it never reads it here).
      const builder = new PromptBuilder(workflow as unknown as NodeData, ['seed'], ['images'])
        .setInputNode('seed', '3.inputs.seed')
        .setOutputNode('images', '9')
        .input('seed', seed);
      let failure: Error | undefined;
      const out = await new CallWrapper(api, builder)
        .onFailed((e) => {
          failure = e;
        })
        .run();
      if (!out) throw failure ?? new Error('CallWrapper.run returned no output');
      return ((out.images as { images?: unknown[] } | undefined)?.images ?? []).length;
    },
    countEvents(onEvent) {
      // 'all' fires once per decoded JSON frame; binary frames surface as b_preview (type 1 only).
      api.on('all', onEvent);
      api.on('b_preview', onEvent);
    },
    close: () => api.destroy(),
  };
}

/**
 * @stable-canvas/comfyui-client: `new Client({ api_host, WebSocket })`,
 * `await client.connect()`, then `client.enqueue(prompt)` which resolves with
 * the output images once the prompt's `executed` message arrives.
 */
function stableCanvas(url: string): ClientAdapter {
  const host = new URL(url).host;
  // Node 20 has no global WebSocket; the README says to pass `ws` in Node.
  const client = new StableCanvasClient({ api_host: host, WebSocket });
  return {
    async connect() {
      await client.connect();
    },
    async run(workflow) {
      const out = await client.enqueue(workflow, { timeout_ms: 10_000 });
      return out.images.length;
    },
    countEvents(onEvent) {
      // `message` fires once per raw frame before it is decoded; count the decoded events instead.
      for (const type of [
        'status',
        'progress',
        'executing',
        'executed',
        'execution_start',
        'execution_success',
        'execution_error',
        'execution_cached',
        'execution_interrupted',
        'progress_state',
        'feature_flags',
        'b_preview',
        'progress_text',
      ]) {
        client.on(type as 'status', onEvent);
      }
    },
    close: () => client.close(),
  };
}
