// The bot's queue under load: the real bot (real discord.js) in this process,
// three fake ComfyUIs and the fake Discord in another (scheduling-fakes.ts). A
// prompt whose checkpoint differs from the previous one on its server costs
// SWITCH_MS more. Two heavy users send 20 jobs each at once, ten light users 1–2
// each over the run, three checkpoints mixed; the same workload runs twice, with
// the bot's queue (BACKEND_QUEUE_DEPTH 1) and sending every job at once (depth 0).
// Measured from the fakes' own logs: when each command was sent, when each prompt
// started and ended on which server, and which prompts switched checkpoints.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../src/app.ts';
import { loadConfig, secretsOf } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import type { Execution } from '../test/fakes/comfy/index.ts';
import { REPO_ROOT } from '../test/support/recordings.ts';
import { benchScript, percentile, progress, round } from './support.ts';

const BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GtEsTt.secret-bot-token-never-logged-0123456';
const SERVERS = 3;
const STEP_MS = Number(process.env['BENCH_SCHED_STEP_MS'] ?? 40);
const STEPS = 20;
const SWITCH_MS = Number(process.env['BENCH_SCHED_SWITCH_MS'] ?? 300);
const CHECKPOINTS = ['model-a.safetensors', 'model-b.safetensors', 'model-c.safetensors'];
const HEAVY_JOBS = 20;
const LIGHT_USERS = 10;
/** About one prompt: the sampler's steps and the few other nodes that run. */
const PROMPT_MS = (STEPS + 4) * STEP_MS;
/**
 * The queue's AFFINITY_MAX_WAIT_MS in this run: one prompt time, as the default
 * (10 s) is about one SDXL prompt on a consumer GPU.
 */
const AFFINITY_MS = Number(process.env['BENCH_SCHED_AFFINITY_MS'] ?? PROMPT_MS);
const SEED = Number(process.env['BENCH_SCHED_SEED'] ?? 14);

interface Planned {
  at: number;
  user: string;
  heavy: boolean;
  checkpoint: string;
  prompt: string;
}

/** A small deterministic generator, so both runs (and every run of the bench) get the same workload. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(promptMs: number): Planned[] {
  const rnd = random(SEED);
  const pick = () => CHECKPOINTS[Math.floor(rnd() * CHECKPOINTS.length)]!;
  const jobs: Planned[] = [];
  for (let i = 0; i < HEAVY_JOBS; i++) {
    for (const user of ['heavy1', 'heavy2']) jobs.push({ at: 0, user, heavy: true, checkpoint: pick(), prompt: `sched ${user} ${i}` });
  }
  const light: Planned[] = [];
  for (let u = 1; u <= LIGHT_USERS; u++) {
    const n = rnd() < 0.5 ? 1 : 2;
    for (let i = 0; i < n; i++) light.push({ at: 0, user: `light${u}`, heavy: false, checkpoint: pick(), prompt: `sched light${u} ${i}` });
  }
  // Spread over the run, as long as it would last at full use of the servers.
  const expectedMs = ((jobs.length + light.length) * promptMs) / SERVERS;
  for (const job of light) job.at = Math.round((0.05 + rnd() * 0.8) * expectedMs);
  return [...jobs, ...light.sort((a, b) => a.at - b.at)];
}

interface Ready {
  comfyUrls: string[];
  apiUrl: string;
  applicationId: string;
  guildId: string;
  cdnHost: string;
}

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
    const { file, execArgv } = benchScript('scheduling-fakes');
    const child = fork(file, [], {
      execArgv,
      env: { ...process.env, SCHED_FAKES: JSON.stringify({ servers: SERVERS, stepMs: STEP_MS, switchMs: SWITCH_MS, checkpoints: CHECKPOINTS }) },
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

type Interval = [number, number];

/** The union of intervals, sorted and merged. */
function union(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function overlap(a: Interval[], b: Interval[]): number {
  let total = 0;
  for (const [a0, a1] of a) for (const [b0, b1] of b) total += Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  return total;
}

const length = (xs: Interval[]) => xs.reduce((n, [a, b]) => n + (b - a), 0);

function stats(values: number[], digits = 0): { p50: number; p95: number; p99: number; max: number; samples: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), digits),
    p95: round(percentile(sorted, 95), digits),
    p99: round(percentile(sorted, 99), digits),
    max: round(sorted.at(-1) ?? NaN, digits),
    samples: sorted.length,
  };
}

async function runOnce(label: string, env: Record<string, string>, plan: Planned[]) {
  const { fakes, ready } = await Fakes.start();
  let bot: RunningBot | undefined;
  try {
    const config = loadConfig({
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_API_URL: ready.apiUrl,
      DISCORD_APPLICATION_ID: ready.applicationId,
      DISCORD_GUILD_ID: ready.guildId,
      COMFYUI_URL: ready.comfyUrls.join(','),
      ATTACHMENT_HOSTS: ready.cdnHost,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'comfycord-sched-')),
      WORKFLOWS_DIR: join(REPO_ROOT, 'workflows'),
      LOG_LEVEL: 'warn',
      // Heavy users send 20 at once; the limits are not what is measured.
      USER_MAX_CONCURRENT: '100',
      USER_JOBS_PER_MINUTE: '1000',
      ...env,
    });
    let warnings = 0;
    bot = await startBot(config, { log: createLogger({ level: 'warn', secrets: secretsOf(config), write: () => warnings++ }), discord: { waitGuildTimeout: 0 } });
    await bot.ready;
    progress(`scheduling: ${label} (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}), ${plan.length} jobs`);
    const sent = new Map<string, { sentAt: number; job: Planned }>();
    const t0 = performance.now();
    await Promise.all(
      plan.map(async (job) => {
        const wait = job.at - (performance.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const g = await fakes.ask<{ token: string; sentAt: number; error?: string }>({ op: 'generate', user: job.user, prompt: job.prompt, checkpoint: job.checkpoint, steps: STEPS });
        if (g.error) throw new Error(g.error);
        sent.set(job.prompt, { sentAt: g.sentAt, job });
      }),
    );
    const settled = await fakes.ask<{ failed: number; error?: string }>({ op: 'settled' });
    const report = await fakes.ask<{ servers: Array<{ url: string; executions: Execution[] }> }>({ op: 'report' });

    // Each prompt run, by job: who asked and when.
    const runs = report.servers.flatMap((s, i) =>
      s.executions.map((e) => {
        const jobId = (e.extraData as { bot?: { job?: string } } | undefined)?.bot?.job;
        const prompt = jobId ? String(bot!.ledger.get(jobId)?.params['prompt']) : '';
        return { server: i, ...e, sent: sent.get(prompt) };
      }),
    );
    const first = Math.min(...[...sent.values()].map((s) => s.sentAt));
    const makespan = Math.max(...runs.map((r) => r.endedAt)) - first;
    const promptMs = percentile(
      runs.filter((r) => !r.switched).map((r) => r.endedAt - r.startedAt).sort((a, b) => a - b),
      50,
    );
    // When the bot had the job (accepted) and when ComfyUI had it (the post done), from the ledger.
    const posted = (r: (typeof runs)[number]) => bot!.ledger.byPromptId(r.promptId)?.dispatchedAt ?? r.startedAt;
    // Work a server could run waits while a job has been asked for and not yet sent to any server (it waits
    // in Discord, in the bot, or in the bot's queue), or waits on that server itself. A job already sent to
    // another server is that server's: the time a server idles while others still hold pending prompts is
    // not counted against it.
    const unsent = runs.filter((r) => r.sent).map((r) => [r.sent!.sentAt, posted(r)] as Interval);
    const perServer = report.servers.map((s, i) => {
      const mine = runs.filter((r) => r.server === i).sort((a, b) => a.startedAt - b.startedAt);
      const waits = union([...unsent, ...mine.filter((r) => r.sent).map((r) => [r.sent!.sentAt, r.startedAt] as Interval)]);
      const busy = union(mine.map((r) => [r.startedAt, r.endedAt] as Interval));
      if (process.env['BENCH_SCHED_TRACE']) {
        // Where the server idled while work it could run waited (longer than 20 ms).
        const idle: string[] = [];
        let at = waits[0]?.[0] ?? 0;
        for (const [b0, b1] of [...busy, [Infinity, Infinity] as Interval]) {
          const gapWaits = overlap([[at, b0]], waits);
          if (gapWaits > 20) idle.push(`${Math.round(at - first)}–${Math.round(Math.min(b0, waits.at(-1)![1]) - first)} (${Math.round(gapWaits)} ms)`);
          at = b1;
        }
        process.stderr.write(`${label} s${i} idle while work waits: ${idle.join(', ')}\n`);
      }
      const gaps: number[] = [];
      for (let k = 1; k < mine.length; k++) {
        const end = mine[k - 1]!.endedAt;
        if (waits.some(([a, b]) => a <= end && end < b)) gaps.push(mine[k]!.startedAt - end);
      }
      return {
        prompts: mine.length,
        switches: mine.filter((r) => r.switched).length,
        busyWhileWorkWaits: round(overlap(busy, waits) / length(waits), 3),
        gaps,
      };
    });
    if (process.env['BENCH_SCHED_TRACE']) {
      for (const r of [...runs].sort((x, y) => x.server - y.server || x.startedAt - y.startedAt)) {
        const row = bot.ledger.byPromptId(r.promptId);
        process.stderr.write(
          `${label} s${r.server} ${r.sent?.job.user} ${r.checkpoint?.slice(6, 7)}${r.switched ? '*' : ' '} sent ${Math.round((r.sent?.sentAt ?? 0) - first)} acc ${Math.round((row?.createdAt ?? 0) - first)} post ${Math.round((row?.dispatchedAt ?? 0) - first)} start ${Math.round(r.startedAt - first)} end ${Math.round(r.endedAt - first)}\n`,
        );
      }
    }
    const light = runs.filter((r) => r.sent && !r.sent.job.heavy);
    // Where a light user's wait goes: accepted by the bot, waiting in its queue, pending on the server.
    const split = (r: (typeof runs)[number]) => {
      const row = bot!.ledger.byPromptId(r.promptId);
      return row ? { accept: row.createdAt - r.sent!.sentAt, inBot: (row.dispatchedAt ?? row.createdAt) - row.createdAt, onServer: r.startedAt - (row.dispatchedAt ?? row.createdAt) } : undefined;
    };
    const parts = light.map(split).filter((x) => x !== undefined);
    const heavy = runs.filter((r) => r.sent?.job.heavy);
    const lightByUser = new Map<string, number[]>();
    for (const r of light) lightByUser.set(r.sent!.job.user, [...(lightByUser.get(r.sent!.job.user) ?? []), r.startedAt - r.sent!.sentAt]);
    return {
      label,
      env,
      jobs: plan.length,
      ran: runs.length,
      failed: settled.failed,
      warnings,
      promptMs: round(promptMs, 0),
      makespanMs: round(makespan, 0),
      switches: perServer.reduce((n, s) => n + s.switches, 0),
      servers: perServer.map(({ gaps, ...rest }) => ({ ...rest, idleGapMs: stats(gaps, 1) })),
      idleGapMs: stats(perServer.flatMap((s) => s.gaps), 1),
      lightWaitMs: stats(light.map((r) => r.startedAt - r.sent!.sentAt)),
      lightWaitPartsMs: {
        accepted: stats(parts.map((p) => p.accept)),
        inTheBot: stats(parts.map((p) => p.inBot)),
        onTheServer: stats(parts.map((p) => p.onServer)),
      },
      lightWaitByUserMs: Object.fromEntries([...lightByUser].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([u, w]) => [u, stats(w)])),
      heavyWaitMs: stats(heavy.map((r) => r.startedAt - r.sent!.sentAt)),
    };
  } finally {
    await bot?.stop();
    await fakes.stop();
  }
}

export async function runSchedulingBench(): Promise<Record<string, unknown>> {
  const plan = workload(PROMPT_MS);
  // A short run first, not measured, so that neither measured run pays for V8 compiling the bot.
  progress('scheduling: warm-up');
  await runOnce('warm-up', { BACKEND_QUEUE_DEPTH: '1' }, plan.filter((p) => p.heavy).slice(0, 9));
  const scheduler = await runOnce('scheduler', { BACKEND_QUEUE_DEPTH: '1', AFFINITY_MAX_WAIT_MS: String(AFFINITY_MS) }, plan);
  const atOnce = await runOnce('dispatch-at-once', { BACKEND_QUEUE_DEPTH: '0' }, plan);
  const [s, a] = [scheduler, atOnce];
  return {
    settings: { servers: SERVERS, stepMs: STEP_MS, steps: STEPS, switchMs: SWITCH_MS, checkpoints: CHECKPOINTS.length, heavyUsers: 2, heavyJobsEach: HEAVY_JOBS, lightUsers: LIGHT_USERS, lightJobs: plan.filter((p) => p.user.startsWith('light')).length, affinityMaxWaitMs: AFFINITY_MS, seed: SEED },
    runs: [scheduler, atOnce],
    targets: {
      lightP95WithinTwoPrompts: s.lightWaitMs.p95 <= 2 * s.promptMs,
      switchesAtMostHalf: s.switches <= a.switches / 2,
      busyAtLeast098: s.servers.every((x) => x.busyWhileWorkWaits >= 0.98),
      makespanNoWorse: s.makespanMs <= a.makespanMs,
    },
  };
}
