import { Executor, type Execution, type ExecutorSettings } from './executor.ts';
import type { FileStore } from './file-store.ts';
import type { NodeFaults } from './node-faults.ts';
import { OutputCache } from './node-cache.ts';
import type { NodeCatalog } from './object-info.ts';
import { PromptQueue } from './prompt-queue.ts';
import type { WsHub } from './ws-hub.ts';

export interface SharedParts {
  hub: WsHub;
  catalog: NodeCatalog;
  files: FileStore;
  faults: NodeFaults;
  settings: ExecutorSettings;
  finished: (promptId: string) => void;
  record: (execution: Execution) => void;
  /** After every queue change, with running + pending. */
  queueChanged?: (remaining: number) => void;
}

/**
 * What a ComfyUI process keeps in memory and loses when it restarts: the queue,
 * the history, the output cache and the `number` counter. Files on disk (uploads,
 * outputs) and the model folders live outside it.
 */
export class ServerState {
  readonly queue: PromptQueue;
  readonly cache = new OutputCache();
  readonly executor: Executor;
  /** server.number: the next `number` for a prompt that does not bring its own. */
  counter = 0;

  constructor(parts: SharedParts) {
    this.queue = new PromptQueue(() => {
      parts.queueChanged?.(this.queue.remaining());
      parts.hub.sendJson('status', this.statusData(), null);
    });
    this.executor = new Executor({
      queue: this.queue,
      hub: parts.hub,
      catalog: parts.catalog,
      files: parts.files,
      cache: this.cache,
      faults: parts.faults,
      settings: parts.settings,
      finished: parts.finished,
      record: parts.record,
    });
  }

  queueInfo(): { exec_info: { queue_remaining: number } } {
    return { exec_info: { queue_remaining: this.queue.remaining() } };
  }

  statusData(sid?: string): Record<string, unknown> {
    return sid === undefined ? { status: this.queueInfo() } : { status: this.queueInfo(), sid };
  }
}
