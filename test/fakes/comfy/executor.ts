/**
 * The prompt worker: one prompt at a time, lowest number first, emitting the
 * recorded message sequence. Per prompt: execution_start, execution_cached, then
 * per node progress_state + executing (+ progress and a preview per sampler step,
 * + executed for output nodes), then execution_success / _error / _interrupted,
 * the history entry, `status` to everyone and `executing {node: null}`.
 */
import { ExecutionList } from './execution-order.ts';
import type { FileStore } from './file-store.ts';
import { imageMetaOf } from './image-meta.ts';
import type { NodeFaults } from './node-faults.ts';
import { computeSignatures, type OutputCache } from './node-cache.ts';
import type { NodeCatalog } from './object-info.ts';
import { looksLikeMedia } from './media.ts';
import { isMediaOutputNode, runMediaOutput } from './media-outputs.ts';
import { saveImages, tempPrefix } from './outputs.ts';
import { annotated, resolveInside, type FolderType } from './paths.ts';
import { legacyPreviewFrame, metadataPreviewFrame, previewJpeg } from './previews.ts';
import { ProgressState } from './progress-state.ts';
import type { ExecutionStatus, PromptQueue, QueueItem } from './prompt-queue.ts';
import { PyError } from './py-convert.ts';
import { num, pyJson, pyStr, toPlain, type Json, type JsonObject } from './py-json.ts';
import { EXECUTE_TRACEBACK, LOAD_IMAGE_TRACEBACK } from './recorded.ts';
import type { WsHub } from './ws-hub.ts';

export interface ExecutorSettings {
  stepMs: number;
  previews: boolean;
  outputPadBytes: number;
  /** Extra time a checkpoint loader takes when it loads another checkpoint than the one in memory (a model switch). */
  switchMs: number;
}

/** One prompt as the executor ran it (for measuring schedules: busy time, gaps, model switches). */
export interface Execution {
  promptId: string;
  /** The checkpoint its loader named (null: none). */
  checkpoint: string | null;
  /** Wall-clock ms (Date.now() with sub-millisecond precision). */
  startedAt: number;
  endedAt: number;
  /** It loaded another checkpoint than the previous prompt had (the first load is not a switch). */
  switched: boolean;
  status: 'success' | 'error';
  extraData: unknown;
}

export interface ExecutorDeps {
  queue: PromptQueue;
  hub: WsHub;
  catalog: NodeCatalog;
  files: FileStore;
  cache: OutputCache;
  faults: NodeFaults;
  settings: ExecutorSettings;
  /** After the history entry is written. */
  finished: (promptId: string) => void;
  /** Every prompt run, once it ended. */
  record?: (execution: Execution) => void;
}

/** The fake was restarted or stopped while this prompt ran: drop it silently. */
class Abandoned extends Error {}
class Interrupted extends Error {}

class NodeFailure extends Error {
  constructor(
    readonly exceptionType: string,
    readonly exceptionMessage: string,
    readonly traceback: string[],
  ) {
    super(exceptionMessage);
  }
}

const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced']);
const CHECKPOINT_LOADERS = new Set(['CheckpointLoaderSimple', 'CheckpointLoader', 'ImageOnlyCheckpointLoader']);
const wallClock = (): number => performance.timeOrigin + performance.now();
const IMAGE_LOADERS = new Set(['LoadImage', 'LoadImageMask']);
/** Loaders whose cache key follows their file (IS_CHANGED / fingerprint_inputs), by the input naming it. */
const FILE_INPUTS: Record<string, string> = { LoadImage: 'image', LoadImageMask: 'image', LoadVideo: 'file', LoadAudio: 'audio' };

function inputsOf(node: Json | undefined): JsonObject {
  const inputs = node instanceof Map ? node.get('inputs') : undefined;
  return inputs instanceof Map ? inputs : new Map<string, Json>();
}

function samplerSteps(classType: string, inputs: JsonObject): number | null {
  if (!SAMPLERS.has(classType)) return null;
  const steps = Math.max(1, Math.trunc(num(inputs.get('steps'))) || 1);
  if (classType === 'KSampler') return steps;
  // KSamplerAdvanced samples from start_at_step to min(end_at_step, steps).
  const start = Math.max(0, Math.trunc(num(inputs.get('start_at_step'))) || 0);
  const end = Math.trunc(num(inputs.get('end_at_step')));
  const last = Number.isFinite(end) ? Math.min(end, steps) : steps;
  return Math.max(1, last - start);
}

/** The checkpoint a prompt's loader names (execution logs). */
function checkpointOf(prompt: JsonObject): string | null {
  for (const node of prompt.values()) {
    if (!(node instanceof Map) || !CHECKPOINT_LOADERS.has(pyStr(node.get('class_type')))) continue;
    const name = inputsOf(node).get('ckpt_name');
    if (typeof name === 'string') return name;
  }
  return null;
}

/** Where a LoadImage name points: "x.png", "sub/x.png" or "x.png [output]". */
function imageLocation(name: string): { folder: FolderType; path: string } | null {
  const { name: bare, folder } = annotated(name);
  const path = resolveInside(bare);
  return path === null ? null : { folder: folder ?? 'input', path };
}

export class Executor {
  private generation = 0;
  private looping = false;
  private held = false;
  private interruptRequested = false;
  private runningPromptId: string | null = null;
  private readonly pendingTicks = new Set<() => void>();
  /** server.client_id and server.last_node_id: what a reconnecting socket is told. */
  private clientId: string | null = null;
  private lastNodeId: string | null = null;
  /** The checkpoint in (fake) VRAM: the last one a loader loaded. Lost with the process. */
  private loadedCheckpoint: string | null = null;
  private switchedThisPrompt = false;

  constructor(private readonly deps: ExecutorDeps) {}

  /** Start working on the queue if idle (deferred: the HTTP answer to POST /prompt goes out first). */
  kick(): void {
    if (this.looping || this.held) return;
    this.looping = true;
    const generation = this.generation;
    setImmediate(() => void this.loop(generation));
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.kick();
  }

  /** POST /interrupt: with a prompt id, only if that prompt is the one running. */
  interrupt(promptId?: string): void {
    if (promptId !== undefined && promptId !== this.runningPromptId) return;
    if (this.runningPromptId !== null) this.interruptRequested = true;
  }

  runningNodeFor(sid: string): string | null {
    return this.clientId === sid ? this.lastNodeId : null;
  }

  /** Stops everything at once (restart, kill, stop): the running prompt is forgotten mid-flight. */
  abandon(): void {
    this.generation++;
    this.looping = false;
    this.runningPromptId = null;
    this.lastNodeId = null;
    for (const cancel of [...this.pendingTicks]) cancel();
    this.pendingTicks.clear();
  }

  private async loop(generation: number): Promise<void> {
    try {
      while (generation === this.generation && !this.held) {
        const next = this.deps.queue.get();
        if (!next) break;
        await this.runPrompt(next.item, next.taskId, generation);
      }
    } catch (error) {
      if (!(error instanceof Abandoned)) throw error;
    } finally {
      if (generation === this.generation) this.looping = false;
    }
  }

  /** A loader that loads another checkpoint than the one in memory takes `switchMs` more. */
  private async loadCheckpoint(inputs: JsonObject, generation: number): Promise<void> {
    const name = inputs.get('ckpt_name');
    const wanted = typeof name === 'string' ? name : null;
    if (wanted === this.loadedCheckpoint) return;
    if (this.loadedCheckpoint !== null) this.switchedThisPrompt = true;
    this.loadedCheckpoint = wanted;
    if (this.deps.settings.switchMs > 0) await this.tick(generation, this.deps.settings.switchMs);
  }

  /** A node's or a step's duration; 0 still yields so a burst never blocks the event loop. */
  private tick(generation: number, duration?: number): Promise<void> {
    const ms = duration ?? this.deps.settings.stepMs;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.pendingTicks.delete(cancel);
        if (generation === this.generation) resolve();
        else reject(new Abandoned());
      };
      const handle = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
      const cancel = (): void => {
        if (ms > 0) clearTimeout(handle as NodeJS.Timeout);
        else clearImmediate(handle as NodeJS.Immediate);
        reject(new Abandoned());
      };
      this.pendingTicks.add(cancel);
    });
  }

  private async runPrompt(item: QueueItem, taskId: number, generation: number): Promise<void> {
    const { hub, cache, catalog } = this.deps;
    const { promptId, prompt } = item;
    const rawClient = item.extraData.get('client_id');
    const clientId = rawClient === undefined || rawClient === null ? null : typeof rawClient === 'string' ? rawClient : pyStr(rawClient);
    this.clientId = clientId;
    this.runningPromptId = promptId;
    this.interruptRequested = false;
    this.switchedThisPrompt = false;
    const startedAt = wallClock();

    const messages: ExecutionStatus['messages'] = [];
    // A prompt without client_id: these reach nobody, unless marked broadcast.
    const addMessage = (event: string, data: Record<string, Json>, broadcast: boolean): void => {
      const withTime = { ...data, timestamp: Date.now() };
      messages.push([event, withTime]);
      if (clientId !== null || broadcast) hub.sendJson(event, withTime, clientId);
    };
    const toClient = (type: string, data: Record<string, Json>): void => {
      if (clientId !== null) hub.sendJson(type, data, clientId);
    };

    addMessage('execution_start', { prompt_id: promptId }, false);
    const keys = computeSignatures(prompt, (classType, inputs) => this.isChanged(classType, inputs));
    cache.startPrompt(keys.values());
    const cachedNodes = [...prompt.keys()].filter((id) => cache.get(keys.get(id)) !== undefined);
    addMessage('execution_cached', { nodes: cachedNodes, prompt_id: promptId }, false);

    const classOf = (id: string): string => pyStr((prompt.get(id) as JsonObject | undefined)?.get('class_type'));
    const list = new ExecutionList(
      prompt,
      (id) => cache.get(keys.get(id)) !== undefined,
      (id) => catalog.isOutputNode(classOf(id)),
    );
    for (const output of item.outputsToExecute) list.addNode(output);

    const progress = new ProgressState(promptId);
    const outputs: JsonObject = new Map();
    const meta: JsonObject = new Map();
    const executed: string[] = [];
    const nodeMeta = (id: string): Json => new Map<string, Json>([
      ['node_id', id],
      ['display_node', id],
      ['parent_node', null],
      ['real_node_id', id],
    ]);
    let failed = false;

    while (!list.isEmpty()) {
      const id = list.next();
      if (id === null) {
        addMessage('execution_error', this.errorData(promptId, '', '', executed, prompt, new NodeFailure(
          'comfy_execution.graph.DependencyCycleError', 'Dependency cycle detected', EXECUTE_TRACEBACK.slice(0, 1),
        )), false);
        failed = true;
        break;
      }
      const classType = classOf(id);
      const key = keys.get(id) as string;
      const hit = cache.get(key);
      if (hit) {
        toClient('executed', { node: id, display_node: id, output: hit.ui, prompt_id: promptId });
        hub.sendText(progress.finish(id), clientId);
        if (hit.ui) {
          outputs.set(id, hit.ui);
          meta.set(id, nodeMeta(id));
        }
        list.complete(id);
        continue;
      }

      hub.sendText(progress.start(id), clientId);
      if (clientId !== null) {
        this.lastNodeId = id;
        hub.sendJson('executing', { node: id, display_node: id, prompt_id: promptId }, clientId);
      }
      try {
        const ui = await this.executeNode(id, classType, item, clientId, progress, generation);
        if (ui) {
          toClient('executed', { node: id, display_node: id, output: ui, prompt_id: promptId });
          outputs.set(id, ui);
          meta.set(id, nodeMeta(id));
        }
        hub.sendText(progress.finish(id), clientId);
        cache.set(key, { ui });
        executed.push(id);
        list.complete(id);
      } catch (error) {
        if (error instanceof Abandoned) throw error;
        failed = true;
        if (error instanceof Interrupted) {
          addMessage(
            'execution_interrupted',
            { prompt_id: promptId, node_id: id, node_type: classType, executed: [...executed] },
            true,
          );
        } else {
          const failure =
            error instanceof NodeFailure
              ? error
              : error instanceof PyError
                ? new NodeFailure(error.pyType, error.message, EXECUTE_TRACEBACK)
                : new NodeFailure('Exception', String(error), EXECUTE_TRACEBACK);
          addMessage('execution_error', this.errorData(promptId, id, classType, executed, prompt, failure), false);
        }
        break;
      }
    }
    if (!failed) addMessage('execution_success', { prompt_id: promptId }, false);

    this.lastNodeId = null;
    this.runningPromptId = null;
    const status: ExecutionStatus = { status_str: failed ? 'error' : 'success', completed: !failed, messages };
    this.deps.queue.taskDone(taskId, { outputs, meta }, status);
    this.deps.record?.({
      promptId,
      checkpoint: checkpointOf(prompt),
      startedAt,
      endedAt: wallClock(),
      switched: this.switchedThisPrompt,
      status: status.status_str,
      extraData: toPlain(item.extraData),
    });
    if (clientId !== null) hub.sendJson('executing', { node: null, prompt_id: promptId }, clientId);
    this.deps.finished(promptId);
  }

  private errorData(
    promptId: string,
    nodeId: string,
    classType: string,
    executed: string[],
    prompt: JsonObject,
    failure: NodeFailure,
  ): Record<string, Json> {
    return {
      prompt_id: promptId,
      node_id: nodeId,
      node_type: classType,
      executed: [...executed],
      exception_message: failure.exceptionMessage,
      exception_type: failure.exceptionType,
      traceback: failure.traceback,
      current_inputs: nodeId ? this.currentInputs(prompt, nodeId) : new Map(),
      current_outputs: [...prompt.keys()],
    };
  }

  /** Widget values as given; linked values (tensors, models) become their str(), here a stand-in. */
  private currentInputs(prompt: JsonObject, nodeId: string): JsonObject {
    const out: JsonObject = new Map();
    for (const [name, value] of inputsOf(prompt.get(nodeId))) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string') {
        const from = prompt.get(value[0]) as JsonObject | undefined;
        const types = this.deps.catalog.outputTypes(pyStr(from?.get('class_type')));
        out.set(name, [`<${pyStr(types[num(value[1])] ?? 'object')} from node ${value[0]}>`]);
      } else out.set(name, [value]);
    }
    return out;
  }

  private isChanged(classType: string, inputs: JsonObject): string | null {
    const input = FILE_INPUTS[classType];
    if (!input) return null;
    const name = inputs.get(input);
    const where = typeof name === 'string' ? imageLocation(name) : null;
    return where ? (this.deps.files.info(where.folder, where.path)?.version ?? null) : null;
  }

  private async executeNode(
    id: string,
    classType: string,
    item: QueueItem,
    clientId: string | null,
    progress: ProgressState,
    generation: number,
  ): Promise<JsonObject | null> {
    const { hub, settings, files, catalog } = this.deps;
    const inputs = inputsOf(item.prompt.get(id));
    if (this.interruptRequested) throw new Interrupted();
    const fault = this.deps.faults.take(classType);
    if (fault) {
      throw new NodeFailure(fault.exception_type, fault.exception_message, fault.traceback ?? EXECUTE_TRACEBACK);
    }
    if (IMAGE_LOADERS.has(classType)) this.checkLoadedImage(inputs);
    if (classType === 'LoadVideo' || classType === 'LoadAudio') this.checkLoadedMedia(inputs.get(FILE_INPUTS[classType]!));

    if (CHECKPOINT_LOADERS.has(classType)) await this.loadCheckpoint(inputs, generation);
    const steps = samplerSteps(classType, inputs);
    if (steps === null) await this.tick(generation);
    for (let step = 1; steps !== null && step <= steps; step++) {
      await this.tick(generation);
      if (this.interruptRequested) throw new Interrupted();
      hub.sendText(progress.update(id, step, steps), clientId);
      const message = { value: step, max: steps, prompt_id: item.promptId, node: id };
      const wantsPreview = settings.previews && hub.hasListener(clientId);
      if (wantsPreview && hub.supportsPreviewMetadata(clientId)) {
        const jpeg = previewJpeg(this.metaFor(item, id), step, steps);
        hub.sendBinary(
          metadataPreviewFrame(jpeg, {
            node_id: id,
            prompt_id: item.promptId,
            display_node_id: id,
            parent_node_id: null,
            real_node_id: id,
            image_type: 'image/jpeg',
          }),
          clientId,
        );
        hub.sendJson('progress', message, clientId);
      } else {
        hub.sendJson('progress', message, clientId);
        if (wantsPreview) hub.sendBinary(legacyPreviewFrame(previewJpeg(this.metaFor(item, id), step, steps)), clientId);
      }
    }

    if (catalog.isOutputNode(classType) && isMediaOutputNode(classType)) {
      return runMediaOutput(classType, {
        files,
        prompt: item.prompt,
        nodeId: id,
        inputs,
        meta: this.metaFor(item, id),
        padBytes: settings.outputPadBytes,
      });
    }
    if (!catalog.isOutputNode(classType) || (classType !== 'SaveImage' && classType !== 'PreviewImage')) return null;
    const isSave = classType === 'SaveImage';
    const prefixInput = inputs.get('filename_prefix');
    const images = saveImages(files, {
      folder: isSave ? 'output' : 'temp',
      prefix: isSave ? (typeof prefixInput === 'string' ? prefixInput : 'ComfyUI') : tempPrefix(),
      meta: this.metaFor(item, id),
      padBytes: settings.outputPadBytes,
      seed: `${item.promptId}/${id}`,
      promptJson: pyJson(item.prompt),
    });
    return new Map<string, Json>([['images', images as unknown as Json[]]]);
  }

  private metaFor(item: QueueItem, id: string) {
    return imageMetaOf(item.prompt, id, (name) => {
      const where = imageLocation(name);
      return where ? (this.deps.files.info(where.folder, where.path)?.size ?? null) : null;
    });
  }

  /** LoadVideo and LoadAudio open the file with PyAV: bytes that are no media container fail here. */
  private checkLoadedMedia(name: Json | undefined): void {
    if (typeof name !== 'string') return;
    const where = imageLocation(name);
    const bytes = where ? this.deps.files.read(where.folder, where.path) : undefined;
    if (where && bytes && !looksLikeMedia(bytes)) {
      throw new NodeFailure(
        'av.error.InvalidDataError',
        `[Errno 1094995529] Invalid data found when processing input: 'ComfyUI/${where.folder}/${where.path}'`,
        EXECUTE_TRACEBACK,
      );
    }
  }

  /** LoadImage opens the file with PIL: bytes that are no image fail here, not at upload. */
  private checkLoadedImage(inputs: JsonObject): void {
    const name = inputs.get('image');
    if (typeof name !== 'string') return;
    const where = imageLocation(name);
    const info = where ? this.deps.files.info(where.folder, where.path) : undefined;
    if (where && info && !info.isImage) {
      throw new NodeFailure(
        'PIL.UnidentifiedImageError',
        `cannot identify image file 'ComfyUI/${where.folder}/${where.path}'\n`,
        LOAD_IMAGE_TRACEBACK,
      );
    }
  }
}
