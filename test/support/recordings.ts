// Access to the recordings of a real ComfyUI server in ../shared/comfyui-real.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout: the nearest folder above this file with a package.json (from test/support or dist/test/support). */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const RECORDINGS_DIR = resolve(REPO_ROOT, '../shared/comfyui-real');

export interface RecordedExchange {
  t: number;
  step: string;
  method: string;
  path: string;
  request_json: unknown;
  status: number;
  content_type: string | null;
  bytes: number;
  body: unknown;
}

export interface RecordedFrame {
  t: number;
  kind: 'text' | 'binary';
  msg?: { type: string; data: unknown };
  event?: number;
  bytes?: number;
  metadata?: Record<string, unknown>;
}

export function recordedExchanges(file: 'http.json' | 'http2.json'): RecordedExchange[] {
  return JSON.parse(readFileSync(resolve(RECORDINGS_DIR, file), 'utf8')) as RecordedExchange[];
}

export function exchange(file: 'http.json' | 'http2.json', step: string): RecordedExchange {
  const found = recordedExchanges(file).find((e) => e.step === step);
  if (!found) throw new Error(`no step "${step}" in ${file}`);
  return found;
}

export const WS_RECORDINGS = [
  'ws_main.jsonl',
  'ws_other.jsonl',
  'ws2_meta.jsonl',
  'ws2_flaky_first.jsonl',
  'ws2_flaky_second.jsonl',
] as const;

export function recordedFrames(file: (typeof WS_RECORDINGS)[number]): RecordedFrame[] {
  return readFileSync(resolve(RECORDINGS_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RecordedFrame);
}

export function recordedObjectInfo(): unknown {
  return JSON.parse(readFileSync(resolve(RECORDINGS_DIR, 'object_info.json'), 'utf8'));
}

export function recordedPreviewFrame(): Buffer {
  return readFileSync(resolve(RECORDINGS_DIR, 'preview_frame.bin'));
}

/** A recorded API-format workflow, e.g. the txt2img prompt. */
export function recordedWorkflow(step = 'txt2img'): Record<string, unknown> {
  const req = exchange('http.json', step).request_json as { prompt: Record<string, unknown> };
  return structuredClone(req.prompt);
}

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
