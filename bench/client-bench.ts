// The ComfyUI clients side by side, each in its own process against its own
// fresh fake ComfyUI (also a child process, stepMs 0):
//  - jobs: 500 prompts, 50 in flight, from submit to "output images known";
//  - event path: decode-and-route rate of the recorded WebSocket stream, in
//    process for ours (no hook in the peers) and over a real socket for all.
import { ComfyClient } from '../src/comfy/index.ts';
import { CLIENT_NAMES, type ClientName } from './peers.ts';
import { progress, recordedStream, runWorker, startFakeServer, startServer } from './support.ts';

export const JOBS = Number(process.env['BENCH_JOBS'] ?? 500);
export const IN_FLIGHT = Number(process.env['BENCH_IN_FLIGHT'] ?? 50);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 1000);
const REPLAY_ROUNDS = Number(process.env['BENCH_REPLAY_ROUNDS'] ?? 100);

/** Ours, in process: frames straight into the socket's decoder, routed to the jobs the stream names. */
export async function decodeAndRoute(url: string, seconds = 2): Promise<{ messagesPerSecond: number; frames: number }> {
  const frames = recordedStream();
  const promptIds = new Set<string>();
  for (const f of frames) {
    const m = /"prompt_id": ?"([^"]+)"/.exec(f.binary ? '' : f.buf.toString());
    if (m) promptIds.add(m[1]!);
  }
  const client = new ComfyClient({ url, trackPositions: false });
  client.on('error', () => {});
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

type Row = Record<string, unknown>;

export async function runClientBench(): Promise<Record<string, unknown>> {
  const jobs: Record<string, Row> = {};
  for (const name of CLIENT_NAMES) {
    const server = await startFakeServer();
    progress(`client jobs: ${name}, ${JOBS} prompts, ${IN_FLIGHT} in flight`);
    try {
      jobs[name] = await runWorker('client-worker', [
        'jobs',
        name,
        server.url,
        String(JOBS),
        String(IN_FLIGHT),
        String(WARMUP),
        typeof server.info['pid'] === 'number' ? String(server.info['pid']) : '',
      ]);
    } catch (e) {
      jobs[name] = { error: (e as Error).message.split('\n').slice(0, 6).join(' ') };
    } finally {
      await server.stop();
    }
  }

  const replay = await startServer('replay-server', [String(REPLAY_ROUNDS)]);
  const overSocket: Record<string, Row> = {};
  let inProcess: { messagesPerSecond: number; frames: number };
  try {
    inProcess = await decodeAndRoute(replay.url);
    for (const name of CLIENT_NAMES.filter((n) => n !== 'comfycord-noPositions')) {
      progress(`event path over a socket: ${name}`);
      try {
        overSocket[name] = await runWorker('client-worker', ['events', name, replay.url, String(replay.info['frames'])]);
      } catch (e) {
        overSocket[name] = { error: (e as Error).message.split('\n').slice(0, 6).join(' ') };
      }
    }
  } finally {
    await replay.stop();
  }

  const ours = jobs['comfycord']!;
  const ratios: Record<string, Row> = {};
  for (const peer of ['@saintno/comfyui-sdk', '@stable-canvas/comfyui-client'] as ClientName[]) {
    const theirs = jobs[peer]!;
    ratios[peer] = {
      jobsPerSecond: ratio(ours['jobsPerSecond'], theirs['jobsPerSecond']),
      jobsPerSecondUntilLastDone: ratio(ours['jobsPerSecondUntilLastDone'], theirs['jobsPerSecondUntilLastDone']),
      p99CompletedJobs: ratio(ours['p99Ms'], theirs['p99Ms']),
      p99AllJobs: typeof theirs['p99AllMs'] === 'string' ? `<${ratio(ours['p99AllMs'], Number(String(theirs['p99AllMs']).slice(1)))}` : ratio(ours['p99AllMs'], theirs['p99AllMs']),
      cpuPerJob: ratio(ours['cpuMsPerJob'], theirs['cpuMsPerJob']),
      eventsPerSecond: ratio(overSocket['comfycord']?.['eventsPerSecond'], overSocket[peer]?.['eventsPerSecond']),
    };
  }
  return {
    settings: { jobs: JOBS, inFlight: IN_FLIGHT, warmup: WARMUP, replayFrames: replay.info['frames'] },
    jobs,
    ratiosOursOverTheirs: ratios,
    eventPath: { inProcess: { comfycord: inProcess }, overSocket },
  };
}

/** ours / theirs to two significant digits (0.46, 0.0034, 120). */
function ratio(a: unknown, b: unknown): number | null {
  return typeof a === 'number' && typeof b === 'number' && b !== 0 ? Number((a / b).toPrecision(2)) : null;
}

