import { heapify, heapPop, heapPush } from './heap.ts';
import { num, type Json, type JsonObject, type PyNum } from './py-json.ts';

export interface QueueItem {
  /** A given number is kept as Python's float (5.0); the counter's are ints. */
  number: number | PyNum;
  promptId: string;
  prompt: JsonObject;
  extraData: JsonObject;
  outputsToExecute: string[];
}

export interface ExecutionStatus {
  status_str: 'success' | 'error';
  completed: boolean;
  messages: [string, Json | Record<string, Json>][];
}

export interface HistoryResult {
  outputs: JsonObject;
  meta: JsonObject;
}

export interface HistoryEntry {
  prompt: Json[];
  outputs: JsonObject;
  status: ExecutionStatus;
  meta: JsonObject;
}

const MAXIMUM_HISTORY_SIZE = 10000;

/** Python compares the queue tuples: number first, then prompt_id. */
const runsBefore = (a: QueueItem, b: QueueItem): boolean => {
  const na = num(a.number);
  const nb = num(b.number);
  return na !== nb ? na < nb : a.promptId < b.promptId;
};

export function queueTuple(item: QueueItem): Json[] {
  return [item.number, item.promptId, item.prompt, item.extraData, item.outputsToExecute];
}

/** ComfyUI's PromptQueue: a heap of pending items, the running ones, and the in-memory history. */
export class PromptQueue {
  private pending: QueueItem[] = [];
  private readonly running = new Map<number, QueueItem>();
  private taskCounter = 0;
  private readonly history = new Map<string, HistoryEntry>();

  /** Called on every change, where ComfyUI calls server.queue_updated() (a `status` to everyone). */
  constructor(private readonly changed: () => void) {}

  put(item: QueueItem): void {
    heapPush(this.pending, item, runsBefore);
    this.changed();
  }

  get(): { item: QueueItem; taskId: number } | null {
    const item = heapPop(this.pending, runsBefore);
    if (!item) return null;
    const taskId = this.taskCounter++;
    this.running.set(taskId, item);
    this.changed();
    return { item, taskId };
  }

  taskDone(taskId: number, result: HistoryResult, status: ExecutionStatus): void {
    const item = this.running.get(taskId);
    if (!item) return;
    this.running.delete(taskId);
    if (this.history.size > MAXIMUM_HISTORY_SIZE) {
      const oldest = this.history.keys().next();
      if (!oldest.done) this.history.delete(oldest.value);
    }
    this.history.set(item.promptId, { prompt: queueTuple(item), outputs: result.outputs, status, meta: result.meta });
    this.changed();
  }

  remaining(): number {
    return this.pending.length + this.running.size;
  }

  runningItems(): QueueItem[] {
    return [...this.running.values()];
  }

  /** The heap array itself: NOT run order. */
  pendingItems(): QueueItem[] {
    return [...this.pending];
  }

  wipe(): void {
    this.pending = [];
    this.changed();
  }

  /** delete_queue_item: the first match only, and (as in ComfyUI) two updates when it empties the queue. */
  deleteWhere(match: (item: QueueItem) => boolean): boolean {
    const index = this.pending.findIndex(match);
    if (index < 0) return false;
    if (this.pending.length === 1) this.wipe();
    else {
      this.pending.splice(index, 1);
      heapify(this.pending, runsBefore);
    }
    this.changed();
    return true;
  }

  /** get_history: the last `maxItems` by default, or `maxItems` from `offset` in completion order. */
  historySlice(maxItems: number | null, offset: number): Map<string, HistoryEntry> {
    const out = new Map<string, HistoryEntry>();
    let start = offset;
    if (start < 0 && maxItems !== null) start = this.history.size - maxItems;
    let i = 0;
    for (const [id, entry] of this.history) {
      if (i >= start) {
        out.set(id, entry);
        if (maxItems !== null && out.size >= maxItems) break;
      }
      i++;
    }
    return out;
  }

  historyEntry(promptId: string): HistoryEntry | undefined {
    return this.history.get(promptId);
  }

  deleteHistory(promptId: string): void {
    this.history.delete(promptId);
  }

  wipeHistory(): void {
    this.history.clear();
  }
}
