// Turns the bench's JSON into the Markdown tables of BENCHMARKS.md.
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

// The results are plain JSON that the sections wrote in their own processes; read loosely here,
// where a missing field shows as "—" or "undefined" in a table, instead of declaring their shapes twice.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- see above */
type Obj = Record<string, any>;

export function machine(): Obj {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const model = sh("lscpu | sed -n 's/^Model name: *//p'") ?? cpus()[0]?.model;
  return {
    cpuModel: model,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    commit: sh('git rev-parse --short HEAD'),
    dirty: (sh('git status --porcelain --untracked-files=no -- src') ?? '') !== '',
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}

const n = (v: unknown, digits = 1): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v !== 'number') return JSON.stringify(v);
  return Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(v);
};
const met = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '**met**' : '**not met**');

function clientTables(c: Obj): string[] {
  const out: string[] = [];
  const s = c['settings'];
  out.push(
    `### Client overhead: ${s.jobs} prompts, ${s.inFlight} in flight, fake ComfyUI (stepMs 0) in its own process`,
    '',
    '| client | done / not done | p50 ms | p99 ms (done jobs) | p99 ms (all jobs) | jobs/s | jobs/s until last done | client CPU ms/job | fake-server CPU ms/job | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const [name, r] of Object.entries(c['jobs'] as Obj)) {
    if (r.error) {
      out.push(`| ${name} | failed to run: ${String(r.error).slice(0, 120)} | | | | | | | | |`);
      continue;
    }
    out.push(
      `| ${name}${name === 'comfycord' ? ' (ours, as the bot uses it)' : name === 'comfycord-noPositions' ? ' (ours, trackPositions off)' : ''} | ${r.ok} / ${r.failures} | ${n(r.p50Ms)} | ${n(r.p99Ms)} | ${n(r.p99AllMs)} | ${n(r.jobsPerSecond)}${r.runs > 1 ? ` (median of ${r.runs})` : ''} | ${n(r.jobsPerSecondUntilLastDone)} | ${n(r.cpuMsPerJob, 2)} | ${n(r.fakeServerCpuMsPerJob, 2)} | ${n(r.peakRssMb)} |`,
    );
  }
  out.push('', '| ours / theirs | jobs/s | jobs/s until last done | p99 (done jobs) | p99 (all jobs) | client CPU per job | events/s over a socket |', '|---|---|---|---|---|---|---|');
  for (const [peer, r] of Object.entries(c['ratiosOursOverTheirs'] as Obj)) {
    out.push(`| vs ${peer} | ${n(r.jobsPerSecond, 4)} | ${n(r.jobsPerSecondUntilLastDone, 4)} | ${n(r.p99CompletedJobs, 4)} | ${n(r.p99AllJobs, 4)} | ${n(r.cpuPerJob, 4)} | ${n(r.eventsPerSecond, 4)} |`);
  }
  const e = c['eventPath'];
  out.push(
    '',
    `### Event path: the recorded WebSocket stream (872 frames of 5 recordings, ${n(s.replayFrames, 0)} frames per run)`,
    '',
    '| client | in process, messages/s | over a socket, events/s | events counted | client CPU µs/event |',
    '|---|---|---|---|---|',
  );
  for (const [name, r] of Object.entries(e['overSocket'] as Obj)) {
    const inProc = e['inProcess'][name]?.messagesPerSecond;
    const hook = inProc !== undefined ? n(inProc, 0) : 'no public hook to feed a frame';
    if (r.error) {
      out.push(`| ${name} | ${hook} | failed: ${String(r.error).slice(0, 120)} | | |`);
      continue;
    }
    const note = r.events < r.framesSent ? ` (${n(r.framesSent - r.events, 0)} frames dropped)` : '';
    out.push(`| ${name} | ${hook} | ${n(r.eventsPerSecond, 0)} | ${n(r.events, 0)} of ${n(r.framesSent, 0)}${note} | ${n(r.cpuUsPerEvent, 1)} |`);
  }
  return out;
}

function botTables(b: Obj): string[] {
  const runs = b['concurrent'] as Obj[];
  const q = b['sequential'];
  const mem = b['memory'];
  const keys = Object.keys(mem);
  const lastKey = keys.at(-1)!;
  const baseKey = keys.length > 2 ? keys[1]! : lastKey;
  const base = mem[baseKey];
  const last = mem[lastKey];
  const label = (k: string) => k.replace(/^after(\d+)Sequential$/, 'after $1 sequential jobs');
  const st = (x: Obj) => `${n(x.p50)} / ${n(x.p99)}`;
  const each = (f: (c: Obj) => string) => runs.map(f).join(' | ');
  const routes = (c: Obj) => Object.entries(c.requestsByRoute as Obj).map(([k, v]) => `${k.replace(/^\S+ /, '').replace(/\/:id|\/:token|\/messages|\/@original|\/@me|\/:emoji/g, '')}: ${v}`).join(', ');
  const heading = (c: Obj) =>
    c.pace.stepMs > 0 ? `${c.pace.steps} steps × ${c.pace.stepMs} ms, ${n(c.jobs / c.wallSeconds)} prompts/s` : `burst (no execution time), ${n(c.jobs / c.wallSeconds)} prompts/s`;
  return [
    `### Bot end to end: real bot and discord.js; fake Discord and fake ComfyUI (${n(b.settings.imageBytes / 1024 / 1024)} MB PNG per job) in another process`,
    '',
    `${runs[0]?.jobs} \`/generate\` sent at once, once for each pace at which ComfyUI finishes them, one prompt at a time as one ComfyUI runs them. ` +
      `The burst is the worst case: every prompt done within about a second while the bot still answers the commands, all on 2 cores shared with both fakes. ` +
      `20 steps of 15 ms is still faster than any GPU makes a 1 MB image: there the delay is what the bot adds to each job.`,
    '',
    `| figure | ${each(heading)} | target |`,
    `|---|${runs.map(() => '---|').join('')}---|`,
    `| execution_success → Discord request posting the image, p50 / p99 ms | ${each((c) => `${st(c.successToPostMs)} (max ${n(c.successToPostMs.max)}): ${met(c.successToPostMs.p99 <= 50)}`)} | p99 ≤ 50 |`,
    `| … of which: client reads /history · waiting for a delivery slot + saving the image from ComfyUI · waiting in the outbox · discord.js to the fake, p50 / p99 ms | ${each((c) => `${st(c.stagesMs.toResult)} · ${st(c.stagesMs.toImages)} · ${st(c.stagesMs.inOutbox)} · ${st(c.stagesMs.toRequest)}`)} | |`,
    `| Discord requests per job (by route) | ${each((c) => `${n(c.discordRequestsPerJob, 2)} (${routes(c)})`)} | |`,
    `| 429 responses | ${each((c) => String(c.count429))} | 0; whole run: ${b.count429WholeRun} ${met(b.count429WholeRun === 0)} |`,
    `| peak RSS (RSS before) | ${each((c) => `${n(c.peakRssMb)} MB (${n(c.rssBeforeMb)}): ${met(c.peakRssMb <= 150)}`)} | ≤ 150 MB |`,
    `| … at the peak: V8 heap used / total, Buffers MB | ${each((c) => (c.atPeakMb ? `${n(c.atPeakMb.heapUsed)} / ${n(c.atPeakMb.heapTotal)}, ${n(c.atPeakMb.arrayBuffers)}` : ''))} | |`,
    `| bot CPU per job · wall time of the run | ${each((c) => `${n(c.botCpuMsPerJob)} ms · ${n(c.wallSeconds)} s`)} | |`,
    '',
    '| figure | measured | target |',
    '|---|---|---|',
    `| ${q.jobs} sequential jobs (1 step of 0 ms): success → post p50 / p99 ms (outbox wait p50 / p99) | ${st(q.successToPostMs)} (${st(q.stagesMs.inOutbox)}) at ${n(q.jobsPerSecond)} jobs/s, ${n(q.discordRequestsPerJob, 2)} requests/job, bot CPU ${n(q.botCpuMsPerJob)} ms/job | |`,
    `| memory after gc: ${label(baseKey)} → ${label(lastKey)} | RSS ${n(base.rssMb)} → ${n(last.rssMb)} MB; heap used ${n(base.heapUsedMb)} → ${n(last.heapUsedMb)} MB; array buffers ${n(base.arrayBuffersMb)} → ${n(last.arrayBuffersMb)} MB | no growth: the heap at the end no higher than it already was in the first half (+ 0.5 MB), RSS +< 10 %: ${met(noGrowth(b.memoryEvery500 as Obj[], last, base))} |`,
    `| … every 500 jobs: RSS / heap used / malloc heap MB / interaction-token REST handlers alive (swept every minute) | ${(b.memoryEvery500 as Obj[]).map((r) => `${n(r.rssMb, 0)} / ${n(r.heapUsedMb, 1)} / ${n(r.mallocHeapMb, 0)} / ${n(r.restHandlers, 0)}`).join(' · ')} | |`,
    `| long-lived collections after all jobs (${Object.keys(b.retainedAfterAll as Obj).length} checked; non-zero shown) | ${Object.entries(b.retainedAfterAll as Obj)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} | |`,
    `| jobs that failed | ${b.failed}${b.firstError ? ` (${b.firstError})` : ''} | |`,
  ];
}

/**
 * A leak grows without bound; what the bot keeps on purpose (bounded sets, REST handlers until
 * their sweep every minute) rises and falls. So: the heap at the end is no higher than it
 * already was during the first half of the run.
 */
function noGrowth(series: Obj[], last: Obj, base: Obj): boolean {
  const firstHalf = series.slice(0, Math.ceil(series.length / 2)).map((r) => r.heapUsedMb as number);
  const ceiling = Math.max(base.heapUsedMb, ...firstHalf) + 0.5;
  return last.heapUsedMb <= ceiling && last.rssMb < base.rssMb * 1.1;
}

function schedulingTables(r: Obj): string[] {
  const s = r['settings'];
  const [a, b] = r['runs'] as Obj[];
  const t = r['targets'];
  const wait = (w: Obj) => `${n(w.p50, 0)} / ${n(w.p95, 0)} / ${n(w.max, 0)}`;
  const gap = (g: Obj) => `${n(g.p50, 1)} / ${n(g.p99, 1)}`;
  const busy = (run: Obj) => (run.servers as Obj[]).map((x) => n(x.busyWhileWorkWaits, 3)).join(' · ');
  const row = (name: string, f: (run: Obj) => string, target = '') => `| ${name} | ${f(a!)} | ${f(b!)} | ${target} |`;
  return [
    `### Scheduling: ${s.servers} fake ComfyUIs, ${s.heavyUsers} heavy users × ${s.heavyJobsEach} jobs at once, ${s.lightUsers} light users (${s.lightJobs} jobs over the run), ${s.checkpoints} checkpoints mixed`,
    '',
    `Each prompt: ${s.steps} steps × ${s.stepMs} ms; another checkpoint than the previous prompt's on that server costs ${s.switchMs} ms more. ` +
      `The same workload (seed ${s.seed}) through the real bot and fake Discord twice: with the bot's queue (BACKEND_QUEUE_DEPTH 1, AFFINITY_MAX_WAIT_MS ${s.affinityMaxWaitMs}) and sending every job at once (depth 0). Times in ms.`,
    '',
    `| figure | ${a!.label} | ${b!.label} | target |`,
    '|---|---|---|---|',
    row('prompt time (median, no switch)', (x) => n(x.promptMs, 0)),
    row('makespan', (x) => n(x.makespanMs, 0), `no worse than at once: ${met(t.makespanNoWorse)}`),
    row('GPU busy while work waits, per server', busy, `≥ 0.98: ${met(t.busyAtLeast098)}`),
    row('idle gap between prompts while work waits, p50 / p99', (x) => gap(x.idleGapMs)),
    row('checkpoint switches (per server)', (x) => `${x.switches} (${(x.servers as Obj[]).map((y) => String(y.switches)).join(' · ')})`, `≤ half of at once: ${met(t.switchesAtMostHalf)}`),
    row('light users: command → start, p50 / p95 / max', (x) => wait(x.lightWaitMs), `p95 ≤ 2 prompt times (${n(2 * a!.promptMs, 0)}): ${met(t.lightP95WithinTwoPrompts)}`),
    row('… of which accepted by the bot · in its queue · pending on the server, p50 / p95', (x) =>
      ['accepted', 'inTheBot', 'onTheServer'].map((k) => `${n(x.lightWaitPartsMs[k].p50, 0)} / ${n(x.lightWaitPartsMs[k].p95, 0)}`).join(' · '),
    ),
    row('… each light user, max', (x) => Object.entries(x.lightWaitByUserMs as Obj).map(([u, w]) => `${u.replace('light', 'L')} ${n(w.max, 0)}`).join(', ')),
    row('heavy users: command → start, p50 / p95 / max', (x) => wait(x.heavyWaitMs)),
    row('jobs run / failed', (x) => `${x.ran} / ${x.failed}`),
  ];
}

export function markdown(results: Obj, info: Obj): string {
  const lines = [
    `Run of ${info.date} on ${info.cpuModel}, ${info.cores} cores, ${info.memoryGb} GB, Node ${info.node}, commit ${info.commit}${info.dirty ? ' (src/ with uncommitted changes)' : ''}, total ${n(info.seconds, 0)} s.`,
    '',
  ];
  if (results['client']) lines.push(...clientTables(results['client']), '');
  if (results['bot']) lines.push(...botTables(results['bot']), '');
  if (results['scheduling']) lines.push(...schedulingTables(results['scheduling']), '');
  return lines.join('\n');
}
