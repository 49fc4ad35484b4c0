// Every recording of the real ComfyUI server parses with our schemas.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  decodeBinaryFrame,
  describeValidation,
  Features,
  History,
  ObjectInfo,
  parseTextFrame,
  PromptErrorBody,
  QueueCount,
  QueueState,
  readInputSpec,
  StringList,
  SubmitAnswer,
  SubmitRequest,
  SystemStats,
  UploadAnswer,
} from '../../src/comfy/index.ts';
import { pyJson } from '../fakes/comfy/py-json.ts';
import {
  exchange,
  recordedExchanges,
  recordedFrames,
  recordedObjectInfo,
  recordedPreviewFrame,
  WS_RECORDINGS,
  type RecordedExchange,
} from '../support/recordings.ts';

function schemaFor(e: RecordedExchange): z.ZodType | undefined {
  const path = e.path.replace(/^\/api/, '').split('?')[0] ?? '';
  if (e.status >= 300 || e.body === null || typeof e.body === 'string') return undefined;
  if (path === '/system_stats') return SystemStats;
  if (path === '/prompt') return e.method === 'GET' ? QueueCount : SubmitAnswer;
  if (path === '/queue' && e.method === 'GET') return QueueState;
  if (path.startsWith('/history') && e.method === 'GET') return History;
  if (path.startsWith('/models') || path === '/embeddings') return StringList;
  if (path.startsWith('/object_info')) return typeof e.body === 'object' ? ObjectInfo : undefined;
  if (path === '/features') return Features;
  if (path.startsWith('/upload/')) return UploadAnswer;
  return undefined;
}

describe('HTTP recordings', () => {
  for (const file of ['http.json', 'http2.json'] as const) {
    it(`every JSON answer in ${file} parses with its schema`, () => {
      let checked = 0;
      for (const e of recordedExchanges(file)) {
        if (e.path === '/object_info' && typeof e.body === 'string') continue; // summarised; object_info.json holds it
        const schema = e.status === 400 && e.path === '/prompt' ? PromptErrorBody : schemaFor(e);
        if (!schema) continue;
        const parsed = schema.safeParse(e.body);
        expect(parsed.success, `${file} step ${e.step} ${e.method} ${e.path}: ${parsed.error?.message}`).toBe(true);
        checked++;
      }
      expect(checked).toBeGreaterThan(file === 'http.json' ? 50 : 25);
    });

    it(`every POST /prompt request in ${file} is a valid submit request`, () => {
      for (const e of recordedExchanges(file).filter((x) => x.path === '/prompt' && x.method === 'POST')) {
        const body = e.request_json as Record<string, unknown> | null;
        if (!body || !('prompt' in body)) continue;
        expect(SubmitRequest.safeParse(body).success, e.step).toBe(true);
      }
    });
  }

  it('the full object_info parses and every input spec is readable', () => {
    const info = ObjectInfo.parse(recordedObjectInfo());
    expect(Object.keys(info).length).toBe(446);
    for (const node of Object.values(info)) {
      for (const section of [node.input.required, node.input.optional]) {
        for (const spec of Object.values(section ?? {})) expect(readInputSpec(spec).type).toBeTruthy();
      }
    }
    const ckpt = info['CheckpointLoaderSimple']?.input.required?.['ckpt_name'];
    expect(ckpt && readInputSpec(ckpt).choices).toEqual(['random-sd15.safetensors']);
    const dim = info['LatentConcat']?.input.required?.['dim'];
    expect(dim && readInputSpec(dim).choices).toContain('-x');
  });

  it('validation errors render as lines a person can act on', () => {
    const wf = (exchange('http.json', 'invalid-input').request_json as { prompt: never }).prompt;
    const body = PromptErrorBody.parse(exchange('http.json', 'invalid-input').body);
    const error = typeof body.error === 'string' ? never() : body.error;
    expect(describeValidation(error, body.node_errors, wf)).toEqual([
      'KSampler (#3) steps: Failed to convert an input value to a INT value — got "many"',
    ]);
    const missing = PromptErrorBody.parse(exchange('http.json', 'missing-model').body);
    expect(describeValidation(missing.error as never, missing.node_errors)).toEqual([
      'CheckpointLoaderSimple (#4) ckpt_name: Value not in list — got "missing.safetensors"',
    ]);
    const unknown = PromptErrorBody.parse(exchange('http.json', 'unknown-node').body);
    expect(describeValidation(unknown.error as never, unknown.node_errors)).toEqual([
      "Cannot execute because node NoSuchNode does not exist. (Node ID '#12')",
    ]);
    const image = PromptErrorBody.parse(exchange('http.json', 'missing-input-image').body);
    expect(describeValidation(image.error as never, image.node_errors)).toEqual([
      'LoadImage (#10) image: Custom validation failed for node — image - Invalid image file: does-not-exist.png',
    ]);
  });
});

describe('WebSocket recordings', () => {
  for (const file of WS_RECORDINGS) {
    it(`every text frame of ${file} decodes to a known message`, () => {
      const frames = recordedFrames(file).filter((f) => f.kind === 'text');
      expect(frames.length).toBeGreaterThan(0);
      for (const f of frames) {
        const msg = parseTextFrame(JSON.stringify(f.msg));
        expect(msg && !('unknown' in msg), `${file}: ${JSON.stringify(f.msg).slice(0, 200)}`).toBe(true);
      }
    });
  }

  it('an unknown message type passes through instead of failing', () => {
    expect(parseTextFrame('{"type":"crystools.monitor","data":{"cpu":3}}')).toEqual({
      type: 'crystools.monitor',
      data: { cpu: 3 },
      unknown: true,
    });
    expect(parseTextFrame('not json')).toBeUndefined();
  });

  it('drops the types nobody wants, read from the front of the frame as ComfyUI writes it, or after parsing', () => {
    const wants = (type: string) => type !== 'progress_state';
    const progressState = { type: 'progress_state', data: { prompt_id: 'p', nodes: {} } };
    const status = { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } } } };
    for (const text of [pyJson(progressState), JSON.stringify(progressState)]) expect(parseTextFrame(text, wants)).toBeUndefined();
    for (const text of [pyJson(status), JSON.stringify(status)]) expect(parseTextFrame(text, wants)).toMatchObject({ type: 'status' });
  });

  it('the recorded binary preview frame decodes to a JPEG without a prompt id (event 1)', () => {
    const frame = decodeBinaryFrame(recordedPreviewFrame());
    expect(frame.event).toBe('preview');
    if (frame.event !== 'preview') return;
    expect(frame.mime).toBe('image/jpeg');
    expect(frame.promptId).toBeUndefined();
    expect(frame.image.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  });

  it('event-4 previews carry the prompt id of their metadata', () => {
    const recorded = recordedFrames('ws2_meta.jsonl').find((f) => f.kind === 'binary' && f.event === 4);
    expect(recorded?.metadata).toBeDefined();
    const json = Buffer.from(JSON.stringify(recorded?.metadata));
    const head = Buffer.alloc(8);
    head.writeUInt32BE(4, 0);
    head.writeUInt32BE(json.length, 4);
    const jpeg = recordedPreviewFrame().subarray(8);
    const frame = decodeBinaryFrame(Buffer.concat([head, json, jpeg]));
    expect(frame).toMatchObject({ event: 'preview', promptId: recorded?.metadata?.['prompt_id'], mime: 'image/jpeg' });
  });
});

function never(): never {
  throw new Error('unreachable');
}
