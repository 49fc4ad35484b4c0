// The bot end to end: the real bot (real discord.js) in this process, the fake
// Discord and the fake ComfyUI (stepMs 0, 1 MB output PNGs) in a child process
// (fakes-process.ts), so this process's memory and CPU are the bot's.
// Measures, per job, the delay from the moment the bot's ComfyUI client hears
// `execution_success` to the moment the fake Discord receives the request that
// posts the images; Discord requests per job; 429s; memory.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBot, type RunningBot } from '../src/app.ts';
import { loadConfig, secretsOf } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { REPO_ROOT } from '../test/support/recordings.ts';
import { benchScript, percentile, progress, round } from './support.ts';

const BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GtEsTt.secret-bot-token-never-logged-0123456';
const CONCURRENT = Number(process.env['BENCH_BOT_CONCURRENT'] ?? 100);
/** Sequential jobs in all; memory after the first 500 is the baseline. 5,000 take about 5 minutes on 2 cores. */
const SEQUENTIAL = Number(process.env['BENCH_BOT_SEQUENTIAL'] ?? 5000);
const BASELINE = Math.min(500, SEQUENTIAL);
/**
 * How fast ComfyUI finishes the 100 concurrent prompts, one run each: first no execution time
 * at all (a burst: all finish within about a second while the bot still answers the commands;
 * the worst case, measured right after the warm-up as in earlier runs of this bench), then
 * 20 sampler steps of 15 ms (about 0.35 s a prompt, faster than any GPU makes a 1 MB image:
 * the delay measured is the bot's own), then faster (5 ms, 1 ms).
 * BENCH_BOT_PACES, e.g. "0,15,5,1", sets the step times (0: the burst).
 */
const PACES_MS = (process.env['BENCH_BOT_PACES'] ?? '0,15,5,1').split(',').map(Number);
const PACED_STEPS = 20;
/** Where to write CPU profiles (the bot's during the concurrent jobs, the fakes' whole run), if set. */
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];

/** Profiles `run` in this process when BENCH_PROFILE_DIR is set. */
async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Ready {
  comfyUrl: string;
  apiUrl: string;
  applicationId: string;
  guildId: string;
  cdnHost: string;
}

interface Generated {
  id: number;
  token: string;
  messageId?: string;
  postedAt: number;
  postBytes: number;
  status: number;
  error?: string;
}

/** The fakes' process and a request/answer channel to it. */
class Fakes {
  private seq = 0;
  private readonly waiting = new Map<number, (m: unknown) => void>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m) => {
      const { seq } = m as { seq?: number };
      if (seq === undefined) return;
      this.waiting.get(seq)?.(m);
      this.waiting.delete(seq);
    });
  }

  static async start(): Promise<{ fakes: Fakes; ready: Ready }> {
    const { file, execArgv } = benchScript('fakes-process');
    const child = fork(file, [], {
      execArgv: [...execArgv, ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`the fakes' process exited with ${code}`)));
    });
    return { fakes: new Fakes(child), ready };
  }

  ask<T>(body: Record<string, unknown>): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve) => {
      this.waiting.set(seq, resolve as (m: unknown) => void);
      this.child.send({ ...body, seq });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ op: 'stop', seq: ++this.seq });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function mb(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

/** p50/p99 of each stage (ms). */
function summarize(b: Record<string, number[]>): Record<string, { p50: number; p99: number }> {
  return Object.fromEntries(
    Object.entries(b).map(([k, v]) => {
      const sorted = [...v].sort((x, y) => x - y);
      return [k, { p50: round(percentile(sorted, 50), 1), p99: round(percentile(sorted, 99), 1) }];
    }),
  );
}

/**
 * Sizes of the long-lived collections of the bot and discord.js, read through private
 * fields: after thousands of finished jobs, anything that grows with the job count shows here.
 */
function retained(bot: RunningBot): Record<string, number | undefined> {
  const size = (x: unknown): number | undefined => {
    if (x instanceof Map || x instanceof Set) return x.size;
    if (Array.isArray(x)) return x.length;
    const inner = (x as { items?: unknown } | undefined)?.items; // a bounded set wrapping a Set
    return inner instanceof Set ? inner.size : (x as { size?: number } | undefined)?.size;
  };
  const get = (o: unknown, k: string) => (o as Record<string, unknown> | undefined)?.[k];
  const messenger = bot.context.messenger as unknown;
  const comfy = bot.pool.backends[0]?.client as unknown;
  const rest = bot.client.rest as unknown;
  return {
    'outbox.lastSent': size(get(bot.outbox, 'lastSent')),
    'outbox.waiting': size(get(bot.outbox, 'waiting')),
    'messenger.live': size(get(messenger, 'live')),
    'messenger.gone': size(get(messenger, 'gone')),
    'messenger.done': size(get(messenger, 'done')),
    'messenger.moveTimers': size(get(messenger, 'moveTimers')),
    'service.live': size(get(bot.service, 'live')),
    'comfyClient.jobs': size(get(comfy, 'jobs')),
    'discord.js rest.handlers': size(get(rest, 'handlers')),
    'interaction REST handlers': size(get(get(get(messenger, 'o'), 'interactionRest'), 'handlers')),
    'discord.js rest.hashes': size(get(rest, 'hashes')),
    'discord.js channel message cache': [...bot.client.channels.cache.values()].reduce(
      (n, c) => n + ((c as { messages?: { cache: Map<string, unknown> } }).messages?.cache.size ?? 0),
      0,
    ),
  };
}

/** Resident memory by kind of mapping, from /proc/self/smaps (Linux): where RSS that is not V8's lives. */
function residentByMapping(): Record<string, number> | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const kb: Record<string, number> = { mallocHeapMb: 0, anonymousMb: 0, filesMb: 0 };
  let kind = 'anonymousMb';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1]!.trim();
      kind = name === '[heap]' ? 'mallocHeapMb' : name.startsWith('/') ? 'filesMb' : 'anonymousMb';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[kind]! += Number(rss[1]);
  }
  return Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, round(v / 1024, 1)]));
}

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    ...residentByMapping(),
  };
}

export async function runBotBench(): Promise<Record<string, unknown>> {
  const { fakes, ready } = await Fakes.start();
  try {
    return await benchAgainst(fakes, ready);
  } finally {
    await fakes.stop();
  }
}

async function benchAgainst(fakes: Fakes, ready: Ready): Promise<Record<string, unknown>> {
  const warnings: string[] = [];
  let warningCount = 0;
  const config = loadConfig({
    DISCORD_TOKEN: BOT_TOKEN,
    DISCORD_API_URL: ready.apiUrl,
    DISCORD_APPLICATION_ID: ready.applicationId,
    DISCORD_GUILD_ID: ready.guildId,
    COMFYUI_URL: ready.comfyUrl,
    ATTACHMENT_HOSTS: ready.cdnHost,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'comfycord-bench-')),
    WORKFLOWS_DIR: join(REPO_ROOT, 'workflows'),
    LOG_LEVEL: 'warn',
    // One bench user per job slot; the per-user limits are not what is measured.
    USER_JOBS_PER_MINUTE: '10000',
    USER_MAX_CONCURRENT: '1000',
  });
  const bot: RunningBot = await startBot(config, {
    log: createLogger({
      level: 'warn',
      secrets: secretsOf(config),
      write: (line) => {
        warningCount++;
        if (warnings.length < 20) warnings.push(line.slice(0, 500));
      },
    }),
    discord: { waitGuildTimeout: 0 },
  });
  await bot.ready;

  // When the bot's ComfyUI client heard each prompt's execution_success (ms since the epoch, sub-ms).
  const successAt = new Map<string, number>();
  for (const b of bot.pool.backends) {
    b.client.on('message', (m) => {
      if (m.type === 'execution_success' && !('unknown' in m)) successAt.set(m.data.prompt_id, performance.timeOrigin + performance.now());
    });
  }

  // Where the time goes between success and post, per prompt (ms since the epoch):
  // done = the job's result is known (the client read /history), queued = the messenger got its turn
  // to deliver, fetched the images and handed the final edit to the outbox, sent = the outbox let it
  // go (discord.js then encodes and uploads).
  const now = () => performance.timeOrigin + performance.now();
  const stages = new Map<string, { done?: number; queued?: number; sent?: number }>();
  const stage = (promptId: string | undefined, name: 'done' | 'queued' | 'sent') => {
    if (!promptId) return;
    const s = stages.get(promptId) ?? {};
    s[name] ??= now();
    stages.set(promptId, s);
  };
  let holding = 0;
  let peakHolding = 0;
  bot.service.on('update', (u) => {
    if (u.kind === 'finished') stage(u.job.promptId, 'done');
  });
  const push = bot.outbox.push.bind(bot.outbox);
  bot.outbox.push = (key, priority, send, options) => {
    if (priority !== 'final') return push(key, priority, send, options);
    const promptId = bot.ledger.get(key)?.promptId;
    stage(promptId, 'queued');
    peakHolding = Math.max(peakHolding, ++holding);
    return push(
      key,
      priority,
      () => {
        stage(promptId, 'sent');
        return send();
      },
      options,
    ).finally(() => holding--);
  };
  const breakdown: Record<'toResult' | 'toImages' | 'inOutbox' | 'toRequest', number[]> = {
    toResult: [],
    toImages: [],
    inOutbox: [],
    toRequest: [],
  };

  let seed = 1;
  let failed = 0;
  let firstError: string | undefined;
  /** `count` /generate, `inFlight` at a time; returns success-to-post delays in ms. */
  const runJobs = async (count: number, inFlight: number, steps = 1): Promise<number[]> => {
    const delays: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const g = await fakes.ask<Generated>({ op: 'generate', id: i, seed: seed++, steps, user: `user${i % inFlight}` });
        if (g.error || g.status >= 300) {
          failed++;
          firstError ??= g.error ?? `status ${g.status}`;
          continue;
        }
        const job = g.messageId ? bot.ledger.byMessageId(g.messageId) : undefined;
        const success = job ? successAt.get(job.promptId) : undefined;
        if (job) successAt.delete(job.promptId);
        if (success !== undefined) delays.push(Math.max(0, g.postedAt - success));
        const st = job ? stages.get(job.promptId) : undefined;
        if (job) stages.delete(job.promptId);
        if (success !== undefined && st?.done && st.queued && st.sent) {
          breakdown.toResult.push(st.done - success);
          breakdown.toImages.push(st.queued - st.done);
          breakdown.inOutbox.push(st.sent - st.queued);
          breakdown.toRequest.push(g.postedAt - st.sent);
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return delays.sort((a, b) => a - b);
  };
  const stats = (delays: number[]) => ({
    p50: round(percentile(delays, 50), 1),
    p99: round(percentile(delays, 99), 1),
    max: round(delays.at(-1) ?? NaN, 1),
    samples: delays.length,
  });

  type Tally = { requests: number; byRoute: Record<string, number>; status429: number; count429: number };
  /**
   * CONCURRENT /generate sent at once, ComfyUI running each prompt with `steps` steps of
   * `stepMs`: what the bot adds between success and post, its requests, its memory.
   */
  const concurrentRun = async (label: string, pace: { stepMs: number; steps: number }) => {
    await fakes.ask({ op: 'pace', stepMs: pace.stepMs });
    progress(`bot: ${CONCURRENT} concurrent /generate, ${label} (${pace.steps} step(s) of ${pace.stepMs} ms each)`);
    // Every run starts from a collected heap, so one run's garbage is not counted in the next one's peak.
    memory();
    const rss0 = process.memoryUsage().rss;
    let peakRss = rss0;
    let atPeak: NodeJS.MemoryUsage | undefined;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss > peakRss) [peakRss, atPeak] = [m.rss, m];
    }, 20);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const k of Object.values(breakdown)) k.length = 0;
    peakHolding = 0;
    const delays = await profiled(`bot-${label}`, () => runJobs(CONCURRENT, CONCURRENT, pace.steps));
    const stagesMs = summarize(breakdown);
    for (const k of Object.values(breakdown)) k.length = 0;
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const tally = await fakes.ask<Tally>({ op: 'tally' });
    await fakes.ask({ op: 'purge' });
    await fakes.ask({ op: 'pace', stepMs: 0 });
    return {
      label,
      jobs: CONCURRENT,
      pace,
      successToPostMs: stats(delays),
      wallSeconds: round(wall / 1000, 2),
      botCpuMsPerJob: round((cpu.user + cpu.system) / 1000 / CONCURRENT, 2),
      discordRequestsPerJob: round(tally.requests / CONCURRENT, 2),
      requestsByRoute: tally.byRoute,
      count429: tally.status429,
      peakRssMb: mb(peakRss),
      // What the peak was made of: V8's heap (used of total) and the bytes of Buffers.
      atPeakMb: atPeak && { heapUsed: mb(atPeak.heapUsed), heapTotal: mb(atPeak.heapTotal), arrayBuffers: mb(atPeak.arrayBuffers) },
      rssBeforeMb: mb(rss0),
      stagesMs,
      peakJobsHoldingImages: peakHolding,
    };
  };

  try {
    progress('bot: warm-up, 20 jobs');
    await runJobs(20, 5);
    await fakes.ask({ op: 'purge' });
    await fakes.ask({ op: 'tally' });
    const before = memory();

    const concurrent = [];
    for (const stepMs of PACES_MS) {
      const pace = stepMs > 0 ? { stepMs, steps: PACED_STEPS } : { stepMs: 0, steps: 1 };
      concurrent.push(await concurrentRun(stepMs > 0 ? `paced-${stepMs}ms` : 'burst', pace));
    }

    progress(`bot: ${SEQUENTIAL} sequential jobs (memory after ${BASELINE} and after ${SEQUENTIAL})`);
    const sequentialDelays: number[] = [];
    const seqT0 = performance.now();
    let done = 0;
    let afterBaseline = memory();
    const rssSeries: Array<Record<string, number>> = [];
    const seqCpu0 = process.cpuUsage();
    while (done < SEQUENTIAL) {
      const n = Math.min(100, SEQUENTIAL - done);
      sequentialDelays.push(...(await runJobs(n, 1)));
      done += n;
      await fakes.ask({ op: 'purge' });
      if (done === BASELINE) afterBaseline = memory();
      if (done % 500 === 0) rssSeries.push({ jobs: done, ...memory(), restHandlers: retained(bot)['interaction REST handlers'] ?? 0 });
      if (done % 500 === 0) progress(`bot: ${done}/${SEQUENTIAL} sequential jobs, rss ${mb(process.memoryUsage().rss)} MB`);
    }
    const seqCpu = process.cpuUsage(seqCpu0);
    const seqWall = performance.now() - seqT0;
    const afterAll = memory();
    const seqTally = await fakes.ask<{ requests: number; byRoute: Record<string, number>; status429: number; count429: number }>({
      op: 'tally',
    });
    sequentialDelays.sort((a, b) => a - b);

    return {
      settings: { concurrent: CONCURRENT, sequential: SEQUENTIAL, pacesMs: PACES_MS, pacedSteps: PACED_STEPS, imageBytes: Number(process.env['BENCH_IMAGE_BYTES'] ?? 1024 * 1024) },
      concurrent,
      sequential: {
        jobs: SEQUENTIAL,
        successToPostMs: stats(sequentialDelays),
        jobsPerSecond: round(SEQUENTIAL / (seqWall / 1000), 1),
        botCpuMsPerJob: round((seqCpu.user + seqCpu.system) / 1000 / SEQUENTIAL, 2),
        discordRequestsPerJob: round(seqTally.requests / SEQUENTIAL, 2),
        count429: seqTally.status429,
        stagesMs: summarize(breakdown),
      },
      count429WholeRun: seqTally.count429,
      retainedAfterAll: retained(bot),
      memoryEvery500: rssSeries.map((r) => ({ jobs: r['jobs'], rssMb: r['rssMb'], heapUsedMb: r['heapUsedMb'], heapTotalMb: r['heapTotalMb'], mallocHeapMb: r['mallocHeapMb'], anonymousMb: r['anonymousMb'], restHandlers: r['restHandlers'] })),
      memory: { beforeConcurrent: before, [`after${BASELINE}Sequential`]: afterBaseline, [`after${SEQUENTIAL}Sequential`]: afterAll },
      failed,
      ...(firstError ? { firstError } : {}),
      botWarnings: { count: warningCount, first: warnings.slice(0, 5) },
      peakRssWholeRunMb: mb(process.resourceUsage().maxRSS * 1024),
    };
  } finally {
    await bot.stop();
  }
}
