/**
 * Access to the real-server recordings (shared/comfyui-real, beside the repo) for
 * tests: parsed order-preserving so node order and float text can be compared, and
 * normalised so ids and clocks do not get in the way.
 */
import { readFileSync } from 'node:fs';
import { RECORDINGS_DIR as DIR } from '../../support/recordings.ts';
import type { Frame } from './ws-recorder.ts';
import { parsePyJson, pyJson, type Json, type JsonObject } from './py-json.ts';

/** With a trailing slash: file names are appended to it. */
export const RECORDINGS_DIR = `${DIR}/`;

export interface Exchange {
  step: string;
  method: string;
  path: string;
  status: number;
  contentType: string;
  bytes: number;
  requestJson: Json;
  body: Json;
}

const cache = new Map<string, Exchange[]>();

export function exchanges(file: 'http.json' | 'http2.json'): Exchange[] {
  let list = cache.get(file);
  if (!list) {
    const raw = parsePyJson(readFileSync(`${RECORDINGS_DIR}${file}`, 'utf8')) as JsonObject[];
    list = raw.map((e) => ({
      step: e.get('step') as string,
      method: e.get('method') as string,
      path: e.get('path') as string,
      status: e.get('status') as number,
      contentType: e.get('content_type') as string,
      bytes: e.get('bytes') as number,
      requestJson: e.get('request_json') ?? null,
      body: e.get('body') ?? null,
    }));
    cache.set(file, list);
  }
  return list;
}

/** The first exchange of a step (e.g. "txt2img"). */
export function exchange(step: string, file: 'http.json' | 'http2.json' = 'http.json'): Exchange {
  const found = exchanges(file).find((e) => e.step === step);
  if (!found) throw new Error(`no recorded step ${step} in ${file}`);
  return found;
}

/** The recorded request body, byte-compatible with what the recording client sent (node order kept). */
export function requestBody(step: string, file: 'http.json' | 'http2.json' = 'http.json'): string {
  return pyJson(exchange(step, file).requestJson);
}

export type RecordedFrame =
  | { kind: 'text'; msg: Json }
  | { kind: 'binary'; event: number; format?: number; metadata?: Json };

export function wsRecording(file: string): RecordedFrame[] {
  return readFileSync(`${RECORDINGS_DIR}${file}`, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const frame = parsePyJson(line) as JsonObject;
      if (frame.get('kind') === 'text') return { kind: 'text', msg: frame.get('msg') ?? null };
      const recorded: RecordedFrame = { kind: 'binary', event: frame.get('event') as number };
      if (frame.has('u32_2')) recorded.format = frame.get('u32_2') as number;
      if (frame.has('metadata')) recorded.metadata = frame.get('metadata') ?? null;
      return recorded;
    });
}

const VOLATILE_KEYS = new Set(['timestamp', 'create_time']);

/** Replaces the given ids by placeholders and zeroes timestamps, keeping order and float text. */
export function normalize(value: Json, ids: Record<string, string>): Json {
  if (typeof value === 'string') return ids[value] ?? value;
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value instanceof Map) {
    const out: JsonObject = new Map();
    for (const [k, v] of value) out.set(ids[k] ?? k, VOLATILE_KEYS.has(k) ? 0 : normalize(v, ids));
    return out;
  }
  return value;
}

/** One comparable line per frame: JSON text for messages, event and format (or metadata) for previews. */
export function describeRecorded(frame: RecordedFrame, ids: Record<string, string>): string {
  if (frame.kind === 'text') return pyJson(normalize(frame.msg, ids));
  if (frame.event === 4) return `binary 4 ${pyJson(normalize(frame.metadata ?? null, ids))}`;
  return `binary ${frame.event} format ${frame.format ?? '?'}`;
}

export function describeLive(frame: Frame, ids: Record<string, string>): string {
  if (frame.kind === 'text') return pyJson(normalize(frame.exact, ids));
  if (frame.event === 4) {
    const length = frame.bytes.readUInt32BE(4);
    return `binary 4 ${pyJson(normalize(parsePyJson(frame.bytes.subarray(8, 8 + length).toString('utf8')), ids))}`;
  }
  return `binary ${frame.event} format ${frame.bytes.readUInt32BE(4)}`;
}

/** The recorded frames of one prompt: from the first frame at `start` through `executing {node: null}` for it. */
export function recordedRun(frames: RecordedFrame[], promptId: string, start: number): RecordedFrame[] {
  const end = frames.findIndex((f, i) => {
    if (i < start || f.kind !== 'text' || !(f.msg instanceof Map)) return false;
    const data = f.msg.get('data');
    return f.msg.get('type') === 'executing' && data instanceof Map && data.get('node') === null && data.get('prompt_id') === promptId;
  });
  if (end < 0) throw new Error(`recording has no end for ${promptId}`);
  return frames.slice(start, end + 1);
}

/** Index of the first recorded frame matching a predicate on (type, data). */
export function findRecorded(frames: RecordedFrame[], match: (type: string, data: JsonObject) => boolean, from = 0): number {
  return frames.findIndex((f, i) => {
    if (i < from || f.kind !== 'text' || !(f.msg instanceof Map)) return false;
    return match(f.msg.get('type') as string, f.msg.get('data') as JsonObject);
  });
}
