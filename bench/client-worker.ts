// One client in its own process (so CPU time and memory are its own, and no
// client's globals or leftovers touch another's numbers). Prints one JSON line.
//   tsx bench/client-worker.ts jobs   <client> <comfyUrl> <total> <concurrency> <warmup> [fakePid]
//   tsx bench/client-worker.ts events <client> <replayUrl> <frames>
import { readFileSync } from 'node:fs';
import type { ApiWorkflow } from '../src/comfy/index.ts';
import { recordedWorkflow } from '../test/support/recordings.ts';
import { makeClient, type ClientAdapter, type ClientName } from './peers.ts';
import { percentile, round } from './support.ts';

const [mode, name, url, ...rest] = process.argv.slice(2) as [string, ClientName, string, ...string[]];

const BASE = recordedWorkflow('txt2img') as ApiWorkflow;

function workflowFor(seed: number): ApiWorkflow {
  const wf = structuredClone(BASE);
  wf['3']!.inputs['seed'] = seed;
  wf['3']!.inputs['steps'] = 1;
  return wf;
}

/** CPU time (ms) of another process so far, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** A job that has not finished by then never will (see BENCHMARKS.md): counted as failed. */
const JOB_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** `total` prompts, `concurrency` in flight at any time (a new one as soon as one finishes). */
async function jobs(client: ClientAdapter, total: number, concurrency: number, seedBase: number, fakePid?: number) {
  const latencies: number[] = [];
  let images = 0;
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  let lastDone = 0;
  const cpu0 = process.cpuUsage();
  const fakeCpu0 = cpuMsOf(fakePid);
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const wf = workflowFor(seedBase + i);
      const start = performance.now();
      try {
        const n = await withTimeout(client.run(wf), JOB_TIMEOUT_MS);
        images += n;
        lastDone = performance.now();
        latencies.push(lastDone - start);
      } catch (e) {
        failures++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const fakeCpu1 = cpuMsOf(fakePid);
  latencies.sort((a, b) => a - b);
  // Every job counted: one that never finished is slower than any that did.
  const all = [...latencies, ...Array<number>(failures).fill(Infinity)];
  const p99All = percentile(all, 99);
  return {
    jobs: total,
    ok: latencies.length,
    failures,
    ...(firstError ? { firstError } : {}),
    imagesPerJob: round(images / Math.max(1, latencies.length), 2),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    p99AllMs: Number.isFinite(p99All) ? round(p99All, 1) : `>${JOB_TIMEOUT_MS}`,
    jobsPerSecond: round(latencies.length / (wall / 1000), 1),
    // Leaves out the tail spent waiting for jobs that never finish (only differs when some did not).
    jobsPerSecondUntilLastDone: round(latencies.length / ((lastDone - t0) / 1000), 1),
    cpuMsPerJob: round((cpu.user + cpu.system) / 1000 / total, 3),
    fakeServerCpuMsPerJob: fakeCpu0 !== undefined && fakeCpu1 !== undefined ? round((fakeCpu1 - fakeCpu0) / total, 2) : null,
    wallSeconds: round(wall / 1000, 2),
  };
}

/** Counts decoded events until the replay server's `frames` frames all came through. */
async function events(client: ClientAdapter, frames: number) {
  let count = 0;
  let first = 0;
  let last = 0;
  let settle: (() => void) | undefined;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => settle?.(), 1500);
  };
  let timer: NodeJS.Timeout | undefined;
  client.countEvents(() => {
    const now = performance.now();
    if (count === 0) first = now;
    last = now;
    count++;
    idle();
  });
  const cpu0 = process.cpuUsage();
  await client.connect();
  // Done when the stream stops (1.5 s without events), whether or not every frame became an event.
  await new Promise<void>((resolve) => {
    settle = resolve;
    idle();
  });
  const cpu = process.cpuUsage(cpu0);
  const seconds = (last - first) / 1000;
  return {
    framesSent: frames,
    events: count,
    eventsPerSecond: seconds > 0 ? Math.round(count / seconds) : 0,
    cpuUsPerEvent: count > 0 ? round((cpu.user + cpu.system) / count, 2) : null,
  };
}

const client = makeClient(name, url);
let result: unknown;
if (mode === 'jobs') {
  const [total, concurrency, warmup, fakePid] = rest.map(Number) as [number, number, number, number | undefined];
  await client.connect();
  await jobs(client, warmup, concurrency, 1);
  // A run that takes under a second is noisy: repeat short runs (up to 3, or 5 s in all) and keep the median by jobs/s.
  const runs: Awaited<ReturnType<typeof jobs>>[] = [];
  const started = performance.now();
  do {
    runs.push(await jobs(client, total, concurrency, 1_000_000 * (runs.length + 1), fakePid));
  } while (runs.length < 3 && performance.now() - started < 5_000);
  runs.sort((a, b) => a.jobsPerSecond - b.jobsPerSecond);
  result = { ...runs[Math.floor((runs.length - 1) / 2)]!, runs: runs.length, jobsPerSecondRuns: runs.map((r) => r.jobsPerSecond) };
} else {
  result = await events(client, Number(rest[0]));
}
client.close();
process.stdout.write(`${JSON.stringify({ client: name, ...(result as object), peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1) })}\n`);
process.exit(0);
