// Every shape ComfyUI sends or receives, declared once. Types come from z.infer.
// Objects are loose: ComfyUI adds fields between versions and a client that
// rejects unknown fields breaks on every upgrade.
import { z } from 'zod';

/**
 * A JSON object this client passes on without reading its fields (a queued
 * workflow, a status message's data). z.record would check and copy every field,
 * and /queue and /history answers hold a whole workflow per prompt; this checks
 * that it is an object and keeps it as it came.
 */
export const OpaqueObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { error: 'expected an object' },
);

// ---------------------------------------------------------------- workflows

export const NodeLink = z.tuple([z.string(), z.number()]);
export const WorkflowNode = z.looseObject({
  class_type: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  _meta: z.looseObject({ title: z.string().optional() }).optional(),
});
export type WorkflowNode = z.infer<typeof WorkflowNode>;
/** An API-format workflow ("Save (API)"): node id → node. */
export const ApiWorkflow = z.record(z.string(), WorkflowNode);
export type ApiWorkflow = z.infer<typeof ApiWorkflow>;

// ---------------------------------------------------------------- images

export const ImageType = z.enum(['input', 'output', 'temp']);
export type ImageType = z.infer<typeof ImageType>;
export const ImageRef = z.looseObject({
  filename: z.string(),
  subfolder: z.string().default(''),
  type: ImageType.default('output'),
});
export type ImageRef = z.infer<typeof ImageRef>;

// ---------------------------------------------------------------- errors

export const ComfyErrorDetail = z.looseObject({
  type: z.string(),
  message: z.string(),
  details: z.string().default(''),
  extra_info: z.record(z.string(), z.unknown()).default({}),
});
export type ComfyErrorDetail = z.infer<typeof ComfyErrorDetail>;

export const NodeError = z.looseObject({
  errors: z.array(ComfyErrorDetail),
  dependent_outputs: z.array(z.string()).default([]),
  class_type: z.string(),
});
export type NodeError = z.infer<typeof NodeError>;
export const NodeErrors = z.record(z.string(), NodeError);
export type NodeErrors = z.infer<typeof NodeErrors>;

/** The 400 answer of POST /prompt. */
export const PromptErrorBody = z.looseObject({
  error: z.union([ComfyErrorDetail, z.string()]),
  node_errors: NodeErrors.default({}),
});
export type PromptErrorBody = z.infer<typeof PromptErrorBody>;

// ---------------------------------------------------------------- HTTP answers

export const QueueCount = z.looseObject({
  exec_info: z.looseObject({ queue_remaining: z.number().int() }),
});
export type QueueCount = z.infer<typeof QueueCount>;

export const SubmitRequest = z.object({
  prompt: ApiWorkflow,
  client_id: z.string().optional(),
  extra_data: z.record(z.string(), z.unknown()).optional(),
  number: z.number().optional(),
  front: z.boolean().optional(),
  prompt_id: z.string().optional(),
  partial_execution_targets: z.array(z.string()).optional(),
});
export type SubmitRequest = z.infer<typeof SubmitRequest>;

export const SubmitAnswer = z.looseObject({
  prompt_id: z.string(),
  number: z.number(),
  node_errors: NodeErrors.default({}),
});
export type SubmitAnswer = z.infer<typeof SubmitAnswer>;

export const ExtraData = z.looseObject({
  client_id: z.string().optional(),
  create_time: z.number().optional(),
});
/**
 * `[number, prompt_id, prompt, extra_data, outputs_to_execute]`. The prompt is
 * kept as an opaque object: /queue holds every waiting workflow, and nothing
 * here reads their nodes.
 */
export const QueueItem = z
  .tuple([z.number(), z.string(), OpaqueObject, ExtraData, z.array(z.string())])
  .rest(z.unknown());
export type QueueItem = z.infer<typeof QueueItem>;

export const QueueState = z.looseObject({
  queue_running: z.array(QueueItem),
  queue_pending: z.array(QueueItem),
});
export type QueueState = z.infer<typeof QueueState>;

/**
 * One node's output dict, as `executed` sends it and /history keeps it. Its keys
 * vary by node (`images`, `gifs`, `audio`, `3d`, `text`, custom ones); read it
 * with `outputsOf` (outputs.ts), which types every file and text it holds.
 */
export const NodeOutput = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: 'expected an output dict',
});
export type NodeOutput = z.infer<typeof NodeOutput>;

export const StatusMessage = z.tuple([z.string(), OpaqueObject]);
export const HistoryEntry = z.looseObject({
  prompt: QueueItem,
  outputs: z.record(z.string(), NodeOutput).default({}),
  status: z
    .looseObject({
      status_str: z.string(),
      completed: z.boolean(),
      messages: z.array(StatusMessage).default([]),
    })
    .optional(),
  meta: OpaqueObject.optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export const History = z.record(z.string(), HistoryEntry);
export type History = z.infer<typeof History>;

export const StringList = z.array(z.string());

export const UploadAnswer = z.looseObject({
  name: z.string(),
  subfolder: z.string().default(''),
  type: ImageType.default('input'),
});
export type UploadAnswer = z.infer<typeof UploadAnswer>;

export const Device = z.looseObject({
  name: z.string(),
  type: z.string(),
  index: z.number().nullish(),
  vram_total: z.number(),
  vram_free: z.number(),
  torch_vram_total: z.number().optional(),
  torch_vram_free: z.number().optional(),
});
export const SystemStats = z.looseObject({
  system: z.looseObject({
    os: z.string(),
    ram_total: z.number().optional(),
    ram_free: z.number().optional(),
    comfyui_version: z.string().optional(),
    python_version: z.string().optional(),
    pytorch_version: z.string().optional(),
    embedded_python: z.boolean().optional(),
    argv: z.array(z.string()).optional(),
  }),
  devices: z.array(Device),
});
export type SystemStats = z.infer<typeof SystemStats>;

export const Features = z.looseObject({
  supports_preview_metadata: z.boolean().optional(),
  max_upload_size: z.number().optional(),
});
export type Features = z.infer<typeof Features>;

/** An input spec: `"INT"`, `["INT", {min,…}]`, `[[choices…], {…}]` or `["COMBO", {options}]`. */
export const InputSpec = z.union([
  z.string(),
  z.tuple([z.union([z.string(), z.array(z.unknown())])]).rest(z.unknown()),
]);
export type InputSpec = z.infer<typeof InputSpec>;
export const NodeInfo = z.looseObject({
  input: z.looseObject({
    required: z.record(z.string(), InputSpec).optional(),
    optional: z.record(z.string(), InputSpec).optional(),
    hidden: z.record(z.string(), InputSpec).optional(),
  }),
  input_order: z.record(z.string(), z.array(z.string())).optional(),
  output: z.array(z.unknown()).default([]),
  output_name: z.array(z.unknown()).default([]),
  name: z.string(),
  display_name: z.string().nullish(),
  description: z.string().nullish(),
  python_module: z.string().nullish(),
  category: z.string().nullish().transform((c) => c ?? ''),
  output_node: z.boolean().default(false),
  deprecated: z.boolean().optional(),
  experimental: z.boolean().optional(),
});
export type NodeInfo = z.infer<typeof NodeInfo>;
export const ObjectInfo = z.record(z.string(), NodeInfo);
export type ObjectInfo = z.infer<typeof ObjectInfo>;

// ---------------------------------------------------------------- WebSocket

const promptId = z.string();
export const StatusData = z.looseObject({
  status: z.looseObject({ exec_info: z.looseObject({ queue_remaining: z.number() }) }),
  sid: z.string().optional(),
});
export const ExecutionStartData = z.looseObject({ prompt_id: promptId, timestamp: z.number().optional() });
export const ExecutionCachedData = z.looseObject({
  nodes: z.array(z.string()),
  prompt_id: promptId,
  timestamp: z.number().optional(),
});
export const ExecutingData = z.looseObject({
  node: z.string().nullable(),
  display_node: z.string().nullish(),
  prompt_id: promptId.optional(),
});
export const ProgressData = z.looseObject({
  value: z.number(),
  max: z.number(),
  prompt_id: promptId.optional(),
  node: z.string().nullish(),
});
export const NodeProgressState = z.looseObject({
  value: z.number(),
  max: z.number(),
  state: z.string(),
  node_id: z.string(),
  display_node_id: z.string().nullish(),
  parent_node_id: z.string().nullish(),
  real_node_id: z.string().nullish(),
});
export const ProgressStateData = z.looseObject({
  prompt_id: promptId,
  nodes: z.record(z.string(), NodeProgressState),
});
export const ExecutedData = z.looseObject({
  node: z.string(),
  display_node: z.string().nullish(),
  output: OpaqueObject.nullable().transform((o) => o ?? {}),
  prompt_id: promptId,
});
export const ExecutionSuccessData = z.looseObject({ prompt_id: promptId, timestamp: z.number().optional() });
export const ExecutionErrorData = z.looseObject({
  prompt_id: promptId,
  node_id: z.string().nullish(),
  node_type: z.string().nullish(),
  executed: z.array(z.string()).default([]),
  exception_message: z.string(),
  exception_type: z.string(),
  traceback: z.array(z.string()).default([]),
  timestamp: z.number().optional(),
});
export const ExecutionInterruptedData = z.looseObject({
  prompt_id: promptId,
  node_id: z.string().nullish(),
  node_type: z.string().nullish(),
  executed: z.array(z.string()).default([]),
  timestamp: z.number().optional(),
});
/**
 * What the server says it supports; passed on unread.
 * @alias of OpaqueObject, one schema per message type like the others
 */
export const FeatureFlagsData = OpaqueObject;

export const KnownMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), data: StatusData }),
  z.object({ type: z.literal('execution_start'), data: ExecutionStartData }),
  z.object({ type: z.literal('execution_cached'), data: ExecutionCachedData }),
  z.object({ type: z.literal('executing'), data: ExecutingData }),
  z.object({ type: z.literal('progress'), data: ProgressData }),
  z.object({ type: z.literal('progress_state'), data: ProgressStateData }),
  z.object({ type: z.literal('executed'), data: ExecutedData }),
  z.object({ type: z.literal('execution_success'), data: ExecutionSuccessData }),
  z.object({ type: z.literal('execution_error'), data: ExecutionErrorData }),
  z.object({ type: z.literal('execution_interrupted'), data: ExecutionInterruptedData }),
  z.object({ type: z.literal('feature_flags'), data: FeatureFlagsData }),
]);
export type KnownMessage = z.infer<typeof KnownMessage>;
export type KnownMessageType = KnownMessage['type'];
export const KNOWN_MESSAGE_TYPES = new Set<string>(KnownMessage.options.map((o) => o.shape.type.value));

/** A JSON frame whose type this client does not know: passed through untouched. */
export type UnknownMessage = { type: string; data: unknown; unknown: true };

export const RawMessage = z.looseObject({ type: z.string(), data: z.unknown() });

/** Metadata of a binary event-4 preview (after the feature_flags handshake). */
export const PreviewMetadata = z.looseObject({
  node_id: z.string().nullish(),
  prompt_id: z.string().nullish(),
  display_node_id: z.string().nullish(),
  parent_node_id: z.string().nullish(),
  real_node_id: z.string().nullish(),
  image_type: z.string().optional(),
});
export type PreviewMetadata = z.infer<typeof PreviewMetadata>;
