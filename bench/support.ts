import { spawn } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePreviewFrame } from '../src/comfy/index.ts';
import { recordedFrames, recordedPreviewFrame, WS_RECORDINGS } from '../test/support/recordings.ts';

const HERE = fileURLToPath(import.meta.url);

/**
 * A bench script beside this one and how to run it: `npm run bench` runs the build in
 * dist/ with plain node; run from the sources, children get this process's tsx loader.
 */
export function benchScript(name: string): { file: string; execArgv: string[] } {
  return { file: join(dirname(HERE), `${name}${extname(HERE)}`), execArgv: process.execArgv };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Every recorded frame as the socket receives it (binary previews rebuilt from their summaries). */
export function recordedStream(): Array<{ buf: Buffer; binary: boolean }> {
  const jpeg = recordedPreviewFrame().subarray(8);
  const frames: Array<{ buf: Buffer; binary: boolean }> = [];
  for (const file of WS_RECORDINGS) {
    for (const f of recordedFrames(file)) {
      if (f.kind === 'text') frames.push({ buf: Buffer.from(JSON.stringify(f.msg)), binary: false });
      else frames.push({ buf: encodePreviewFrame(jpeg, f.event === 4 ? f.metadata : undefined), binary: true });
    }
  }
  return frames;
}

/**
 * A bench script in a child process that prints one JSON line on stdout before it
 * is ready (a server) or when it is done (a worker).
 */
function startChild(script: string, args: string[], env: Record<string, string> = {}, passStderr = false, nodeFlags: string[] = []) {
  const { file, execArgv } = benchScript(script);
  const child = spawn(process.execPath, [...execArgv, ...nodeFlags, file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (passStderr) process.stderr.write(d);
    else stderr = (stderr + d.toString()).slice(-20_000);
  });
  const firstLine = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited with ${code} before answering:\n${stderr.slice(-4000)}`)));
  });
  return { child, firstLine };
}

/** A fake ComfyUI (or the replay server) in a child process; resolves with its address and a stop function. */
export async function startServer(
  script: 'fake-server' | 'replay-server' = 'fake-server',
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ url: string; info: Record<string, unknown>; stop: () => Promise<void> }> {
  const { child, firstLine } = startChild(script, args, env);
  const info = await firstLine;
  return {
    url: info['url'] as string,
    info,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The fake ComfyUI in a child process (stepMs 0). */
export function startFakeServer(env: Record<string, string> = {}) {
  return startServer('fake-server', [], env);
}

/** Runs a worker script to the end and returns the JSON line it printed. */
export async function runWorker(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  passStderr = false,
  nodeFlags: string[] = [],
): Promise<Record<string, unknown>> {
  const { child, firstLine } = startChild(script, args, env, passStderr, nodeFlags);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const result = await firstLine;
  await exited;
  return result;
}

/** Progress on stderr, so stdout stays the results. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
