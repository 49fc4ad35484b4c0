// What a job's final message is made of, as the ledger stores it (`result`).
// One schema, used wherever a stored result is read: the row's `result` is
// parsed with it in the ledger, so nothing else reads it untyped. Rows written
// before outputs had kinds (`images: [...]`) are read as outputs; a refused
// job's row keeps its refusal (StoredResult).
import { z } from 'zod';
import { kindOf, OutputFile, OutputText } from '../comfy/index.ts';
import { LOST_CODES, USER_ERROR_CODES } from './user-error.ts';

/** A file as the result keeps it; `size`/`posted` are set when the result was delivered. */
export const ResultFile = OutputFile.extend({
  /** Bytes, when ComfyUI said (known for files that were too large to post). */
  size: z.number().optional(),
  /** False when the file could not be posted to Discord (too large): it stays on the ComfyUI server. */
  posted: z.boolean().optional(),
});
export type ResultFile = z.infer<typeof ResultFile>;

export const ResultOutput = z.discriminatedUnion('kind', [ResultFile, OutputText]);
export type ResultOutput = z.infer<typeof ResultOutput>;

const Success = z.object({
  kind: z.literal('success'),
  /** Every file and text the manifest's output nodes produced, in order. */
  outputs: z.array(ResultOutput),
  server: z.string(),
  seeds: z.record(z.string(), z.number()),
  cached: z.boolean(),
  durationMs: z.number(),
});

const Failure = z.object({
  kind: z.literal('error'),
  nodeId: z.string().nullable().default(null),
  nodeType: z.string().nullable().default(null),
  exceptionType: z.string().default('Error'), // i18n-ignore: Python's base exception class, as ComfyUI names it
  message: z.string(),
});

const Cancelled = z.object({ kind: z.literal('cancelled'), by: z.string().nullable(), wasPending: z.boolean() });

const CodeData = z.record(z.string(), z.union([z.string(), z.number()]));
const LostReason = z.object({
  code: z.enum(LOST_CODES),
  data: CodeData,
  cause: z.object({ code: z.enum(USER_ERROR_CODES), data: CodeData }).optional(),
});
/** `reason` is English text in rows written before reasons were codes: shown as it is. */
const Lost = z.object({ kind: z.literal('lost'), reason: z.union([LostReason, z.string()]) });

/** Before kinds: `{kind: 'success', images: [{filename, subfolder, type, nodeId}]}`. */
function migrate(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if (v['kind'] !== 'success' || 'outputs' in v || !Array.isArray(v['images'])) return value;
  const { images, ...rest } = v;
  const outputs = (images as Array<Record<string, unknown>>).map((img) => ({
    ...img,
    kind: kindOf(typeof img['filename'] === 'string' ? img['filename'] : ''),
  }));
  return { ...rest, outputs };
}

export const FinalResult = z.preprocess(migrate, z.discriminatedUnion('kind', [Success, Failure, Cancelled, Lost]));
export type FinalResult = z.infer<typeof FinalResult>;
export type SuccessResult = Extract<FinalResult, { kind: 'success' }>;

/** What the row of a refused job keeps: the refusal's code and data, the option problems, or an error's own text. */
export const Refusal = z.looseObject({
  kind: z.literal('rejected'),
  code: z.enum(USER_ERROR_CODES).optional(),
  data: CodeData.optional(),
  problems: z.array(z.object({ option: z.string(), code: z.string(), data: CodeData })).optional(),
  message: z.string().optional(),
});
export type Refusal = z.infer<typeof Refusal>;

/** A row's `result`: how the job ended, or why it was refused. */
export const StoredResult = z.union([Refusal, FinalResult]);
export type StoredResult = z.infer<typeof StoredResult>;
