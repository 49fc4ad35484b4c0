// The client's own costs: decoding and routing the recorded WebSocket stream,
// and overhead per job with many concurrent jobs against a fake with zero execution time.
import { ComfyClient } from '../src/comfy/client.ts';
import { encodePreviewFrame } from '../src/comfy/binary.ts';
import type { ApiWorkflow } from '../src/comfy/schemas.ts';
import { recordedFrames, recordedPreviewFrame, recordedWorkflow, WS_RECORDINGS } from '../test/support/recordings.ts';
import { percentile, round, startFakeServer } from './support.ts';

/** Every recorded frame as the socket receives it (binary previews rebuilt from their summaries). */
function recordedStream(): Array<{ buf: Buffer; binary: boolean }> {
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

export async function decodeAndRoute(url: string, seconds = 2): Promise<{ messagesPerSecond: number; frames: number }> {
  const frames = recordedStream();
  const promptIds = new Set<string>();
  for (const f of frames) {
    const m = /"prompt_id": ?"([^"]+)"/.exec(f.binary ? '' : f.buf.toString());
    if (m) promptIds.add(m[1]!);
  }
  const client = new ComfyClient({ url, trackPositions: false });
  let routed = 0;
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < deadline) {
    // Jobs finish as the stream replays; follow them again each round so routing reaches jobs.
    for (const id of promptIds) {
      const job = client.job(id) ?? client.track(id);
      job.removeAllListeners();
      job.on('progress', () => routed++);
      job.on('preview', () => routed++);
    }
    for (const f of frames) client.socket.handleFrame(f.buf, f.binary);
    count += frames.length;
    await new Promise((r) => setImmediate(r));
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  client.close();
  return { messagesPerSecond: Math.round(count / elapsed), frames: frames.length };
}

export async function concurrentJobs(
  url: string,
  total: number,
  concurrency: number,
): Promise<{ jobs: number; p50: number; p99: number; jobsPerSecond: number; cpuMsPerJob: number; wallMsPerJob: number }> {
  const client = new ComfyClient({ url, trackPositions: false });
  await client.connect();
  const base = recordedWorkflow('txt2img') as ApiWorkflow;
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const wf = structuredClone(base);
      wf['3']!.inputs['seed'] = 1_000_000 + i;
      wf['3']!.inputs['steps'] = 1;
      const start = performance.now();
      const job = await client.submit(wf);
      const result = await job.done;
      if (result.status !== 'success') throw new Error(`job ended ${result.status}`);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  client.close();
  latencies.sort((a, b) => a - b);
  return {
    jobs: total,
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    jobsPerSecond: round(total / (wall / 1000), 1),
    cpuMsPerJob: round((cpu.user + cpu.system) / 1000 / total, 3),
    wallMsPerJob: round(wall / total, 3),
  };
}

export async function runClientBench(): Promise<Record<string, unknown>> {
  const server = await startFakeServer();
  try {
    const decode = await decodeAndRoute(server.url);
    // Warm-up, then the measured run: 200 jobs all in flight at once.
    await concurrentJobs(server.url, 50, 50);
    const jobs = await concurrentJobs(server.url, 200, 200);
    return { decodeAndRoute: decode, concurrent200: jobs, peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1) };
  } finally {
    await server.stop();
  }
}
