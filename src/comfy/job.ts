// One submitted prompt, as its owner sees it: typed events and one final result.
import { TypedEmitter } from './emitter.ts';
import { outputsOf, type Output } from './outputs.ts';
import type { ApiWorkflow, HistoryEntry, NodeOutput } from './schemas.ts';

export type JobResult =
  | {
      status: 'success';
      promptId: string;
      /** Every file (with its kind) and text the prompt's output nodes produced, node by node. */
      outputs: Output[];
      /** The output dicts as ComfyUI sent them, by node id. */
      nodeOutputs: Record<string, NodeOutput>;
      cached: boolean;
    }
  | {
      status: 'error';
      promptId: string;
      nodeId: string | undefined;
      nodeType: string | undefined;
      exceptionType: string;
      message: string;
      traceback: string[];
    }
  | { status: 'interrupted'; promptId: string; nodeId: string | undefined; wasPending: boolean }
  /** The server no longer knows the prompt (it restarted, or its history was cleared). */
  | { status: 'lost'; promptId: string; reason: string };

export interface JobEvents extends Record<string, unknown> {
  /** Waiting; `position` 1 = runs next. */
  queued: { position: number; total: number };
  started: void;
  cached: { nodes: string[] };
  executing: { nodeId: string; title: string };
  progress: { value: number; max: number; nodeId: string | undefined; title: string | undefined };
  preview: { image: Buffer; mime: string; nodeId: string | undefined };
  /** A node's files and texts, once per node (from `executed`, or from history if the socket missed it). */
  output: { nodeId: string; outputs: Output[] };
  /** Exactly once, whatever happened. */
  done: JobResult;
}

export type JobPhase = 'submitting' | 'pending' | 'running' | 'done';

/** What the client needs to cancel a job; kept as an interface so Job stays free of HTTP. */
export interface JobController {
  cancel(job: Job): Promise<JobResult>;
}

export class Job extends TypedEmitter<JobEvents> {
  phase: JobPhase = 'submitting';
  position: number | undefined;
  number: number | undefined;
  result: JobResult | undefined;
  readonly done: Promise<JobResult>;
  readonly createdAt = Date.now();
  startedAt: number | undefined;
  private resolveDone!: (r: JobResult) => void;
  private readonly outputs = new Map<string, { outputs: Output[]; raw: NodeOutput }>();
  private cachedNodes = new Set<string>();
  private cancelling: Promise<JobResult> | undefined;
  /** Set when we learned of the job by reconnecting after a restart (no socket history). */
  lastNewsAt = Date.now();

  constructor(
    readonly promptId: string,
    readonly workflow: ApiWorkflow | undefined,
    private readonly controller: JobController,
  ) {
    super();
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get finished(): boolean {
    return this.phase === 'done';
  }

  /** Node title from `_meta.title`, else its class. */
  titleOf(nodeId: string | null | undefined): string | undefined {
    if (!nodeId) return undefined;
    const node = this.workflow?.[nodeId];
    return node?._meta?.title ?? node?.class_type;
  }

  /** Deletes the job if it waits, interrupts it if it runs; resolves with the final result the server confirms. */
  cancel(): Promise<JobResult> {
    if (this.result) return Promise.resolve(this.result);
    this.cancelling ??= this.controller.cancel(this);
    return this.cancelling;
  }

  // ---- called by the client's router, never by users

  /** @internal */
  markPending(position: number | undefined, total: number): void {
    if (this.phase === 'done' || this.phase === 'running') return;
    this.phase = 'pending';
    this.lastNewsAt = Date.now();
    if (position !== undefined && position !== this.position) {
      this.position = position;
      this.emit('queued', { position, total });
    }
  }

  /** @internal */
  markStarted(): void {
    if (this.phase === 'done' || this.phase === 'running') return;
    this.phase = 'running';
    this.position = undefined;
    this.startedAt = Date.now();
    this.lastNewsAt = this.startedAt;
    this.emit('started');
  }

  /** @internal */
  markCached(nodes: string[]): void {
    this.markStarted();
    for (const n of nodes) this.cachedNodes.add(n);
    if (nodes.length > 0) this.emit('cached', { nodes });
  }

  /** @internal */
  markExecuting(nodeId: string): void {
    this.markStarted();
    this.lastNewsAt = Date.now();
    this.emit('executing', { nodeId, title: this.titleOf(nodeId) ?? nodeId });
  }

  /** @internal */
  markProgress(value: number, max: number, nodeId: string | undefined): void {
    if (this.phase === 'done') return;
    this.markStarted();
    this.lastNewsAt = Date.now();
    this.emit('progress', { value, max, nodeId, title: this.titleOf(nodeId) });
  }

  /** @internal */
  markPreview(image: Buffer, mime: string, nodeId: string | undefined): void {
    if (this.phase === 'done') return;
    this.emit('preview', { image, mime, nodeId });
  }

  /**
   * @internal Outputs are announced once per node, however often the server repeats them.
   * An empty dict (a cached node's `executed` with `output: null`) announces nothing, so
   * history can still fill that node in.
   */
  markOutput(nodeId: string, output: NodeOutput): void {
    if (this.phase === 'done' || this.outputs.has(nodeId) || Object.keys(output).length === 0) return;
    const outputs = outputsOf(nodeId, output);
    this.outputs.set(nodeId, { outputs, raw: output });
    this.emit('output', { nodeId, outputs });
  }

  /** @internal Builds the success result from history when we have it, else from what `executed` told us. */
  succeed(entry: HistoryEntry | undefined): void {
    if (entry) {
      for (const [nodeId, output] of Object.entries(entry.outputs)) this.markOutput(nodeId, output);
    }
    const nodeOutputs: Record<string, NodeOutput> = entry ? { ...entry.outputs } : {};
    if (!entry) for (const [nodeId, { raw }] of this.outputs) nodeOutputs[nodeId] = raw;
    const outputs = [...this.outputs.values()].flatMap((o) => o.outputs);
    const cached = this.workflow ? Object.keys(this.workflow).every((id) => this.cachedNodes.has(id)) : false;
    this.finish({ status: 'success', promptId: this.promptId, outputs, nodeOutputs, cached });
  }

  /** @internal */
  finish(result: JobResult): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.result = result;
    this.emit('done', result);
    this.resolveDone(result);
  }
}

/** Reads the final result of a prompt from its history entry. */
export function resultFromHistory(promptId: string, entry: HistoryEntry): JobResult | 'success' {
  const status = entry.status;
  if (!status || status.status_str === 'success') return 'success';
  for (const [type, data] of status.messages) {
    if (type === 'execution_error') {
      return {
        status: 'error',
        promptId,
        nodeId: asString(data['node_id']),
        nodeType: asString(data['node_type']),
        exceptionType: asString(data['exception_type']) ?? 'Error',
        message: asString(data['exception_message'])?.trim() ?? 'ComfyUI reported an error',
        traceback: Array.isArray(data['traceback']) ? data['traceback'].map(String) : [],
      };
    }
    if (type === 'execution_interrupted') {
      return { status: 'interrupted', promptId, nodeId: asString(data['node_id']), wasPending: false };
    }
  }
  return {
    status: 'error',
    promptId,
    nodeId: undefined,
    nodeType: undefined,
    exceptionType: status.status_str,
    message: `ComfyUI ended the prompt with status "${status.status_str}"`,
    traceback: [],
  };
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
