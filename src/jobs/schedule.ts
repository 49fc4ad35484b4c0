// The bot's queue as pure functions: which job goes next (fair share) and to
// which server (model affinity). Everything comes in as data read from the
// ledger, so the same rows give the same order in every process and after
// every restart; nothing here remembers anything between calls.

export interface ModelNeed {
  folder: string;
  name: string;
}

/** States of a job that is on a server: posted or being posted, pending or running. */
export const ON_SERVER_STATES = ['dispatching', 'submitting', 'queued', 'running'] as const;
export type OnServerState = (typeof ON_SERVER_STATES)[number];

/** What ordering and placement need of a job; read from its ledger row. */
export interface QueuedJob {
  id: string;
  userId: string;
  shard: number;
  workflow: string;
  state: 'waiting' | OnServerState;
  /** '' while it waits in the bot. */
  server: string;
  priority: boolean;
  /** Goes before fair share when set; lower goes sooner. */
  front: number | null;
  /** Accept order. */
  seq: number;
  headAt: number | null;
  /** When it started running (state running). */
  startedAt: number | null;
  checkpoint: string | null;
  loras: string[];
  needs: ModelNeed[];
}

/** What a server has loaded, as far as the bot knows: the models of the last prompt it sent there. */
export interface ModelKey {
  checkpoint: string | null;
  loras: string[];
}

/**
 * The order in which waiting jobs are sent to the servers. First the jobs put in
 * front (a dead server's jobs, /admin first), then members of PRIORITY_ROLES, then
 * everyone; within each group, fair share: the next job is the oldest waiting job
 * of the user with the fewest jobs on the servers, ties to the user whose oldest
 * waiting job came first. Each job taken counts for its user from then on, so one
 * user's ten waiting jobs interleave with everyone else's.
 */
export function fairOrder(waiting: readonly QueuedJob[], onServers: readonly QueuedJob[]): QueuedJob[] {
  const counts = new Map<string, number>();
  for (const j of stillOnServers(onServers)) counts.set(j.userId, (counts.get(j.userId) ?? 0) + 1);
  const bySeq = [...waiting].sort((a, b) => a.seq - b.seq);
  const front = bySeq.filter((j) => j.front !== null).sort((a, b) => a.front! - b.front! || a.seq - b.seq);
  for (const j of front) counts.set(j.userId, (counts.get(j.userId) ?? 0) + 1);
  return [
    ...front,
    ...fairShare(
      bySeq.filter((j) => j.front === null && j.priority),
      counts,
    ),
    ...fairShare(
      bySeq.filter((j) => j.front === null && !j.priority),
      counts,
    ),
  ];
}

/**
 * A server runs one prompt at a time: of two jobs the ledger shows running on one
 * server, the one that started earlier has ended (its end is still being recorded,
 * by this process or the shard that owns it), and no longer counts for its user.
 */
function stillOnServers(onServers: readonly QueuedJob[]): QueuedJob[] {
  const latest = new Map<string, QueuedJob>();
  for (const j of onServers) {
    if (j.state !== 'running') continue;
    const seen = latest.get(j.server);
    if (!seen || (j.startedAt ?? 0) > (seen.startedAt ?? 0)) latest.set(j.server, j);
  }
  return onServers.filter((j) => j.state !== 'running' || latest.get(j.server) === j);
}

/** `jobs` in accept order; `counts` (jobs per user on the servers) is updated as jobs are taken. */
function fairShare(jobs: QueuedJob[], counts: Map<string, number>): QueuedJob[] {
  const queues = new Map<string, QueuedJob[]>();
  for (const j of jobs) {
    const q = queues.get(j.userId);
    if (q) q.push(j);
    else queues.set(j.userId, [j]);
  }
  const next = new Map<string, number>([...queues.keys()].map((u) => [u, 0]));
  const out: QueuedJob[] = [];
  while (out.length < jobs.length) {
    let best: string | undefined;
    let bestCount = Infinity;
    let bestSeq = Infinity;
    for (const [user, q] of queues) {
      const head = q[next.get(user)!]!;
      const count = counts.get(user) ?? 0;
      if (count < bestCount || (count === bestCount && head.seq < bestSeq)) {
        best = user;
        bestCount = count;
        bestSeq = head.seq;
      }
    }
    const q = queues.get(best!)!;
    const i = next.get(best!)!;
    out.push(q[i]!);
    counts.set(best!, bestCount + 1);
    if (i + 1 >= q.length) queues.delete(best!);
    else next.set(best!, i + 1);
  }
  return out;
}

/** A server as the planner sees it at one moment. */
export interface ServerSlot {
  url: string;
  /** How many more of our prompts it may hold pending now (depth minus ours pending there; Infinity at depth 0). */
  room: number;
  /** Nothing runs and nothing waits on it: its GPU idles until it gets a prompt. */
  idle: boolean;
  /** Prompts on it (ours and others'), to spread work when nothing else decides. */
  load: number;
  /** The models of the last prompt of ours sent to it (null: none known). */
  using: ModelKey | null;
  /**
   * When the prompt it runs is expected to end (undefined: no estimate): a full
   * server gets room then, a server with room runs dry then unless it gets a prompt.
   */
  runningUntil?: number;
  /** Whether it has this model (its model list names it). */
  has(need: ModelNeed): boolean;
}

export interface PlanOptions {
  now: number;
  /** False at BACKEND_QUEUE_DEPTH 0: every job is sent at once to the least-loaded server, as before the queue. */
  affinity: boolean;
  affinityMaxWaitMs: number;
}

export interface Plan {
  assignments: Array<{ job: QueuedJob; server: string }>;
  /** The job at the head holding out for a busy server that already uses its checkpoint, until `until`. */
  holding?: { job: QueuedJob; since: number; until: number };
}

/**
 * Which waiting jobs go where now. Fairness decides which job goes next (the
 * order); affinity decides where: among servers with room that have the job's
 * models, one already using its checkpoint (and LoRAs) first. If none with room
 * does but a busy one does, and that one is expected to have room before
 * `affinityMaxWaitMs` (counted from when the job started holding out) runs out
 * and before the servers with room run dry, the job at the head waits for it. Meanwhile a server with
 * room takes the next waiting job that it already uses, or, if no waiting job
 * wants its checkpoint, one whose checkpoint no server uses (that job needs a
 * model load wherever it runs); and a server
 * whose GPU would otherwise idle takes the first job it can run (a GPU is never
 * left idle while a job it can run waits).
 */
export function plan(order: readonly QueuedJob[], servers: readonly ServerSlot[], o: PlanOptions): Plan {
  const state = new Map(servers.map((s) => [s.url, { ...s, got: 0 }]));
  const assignments: Plan['assignments'] = [];
  const fits = (job: QueuedJob, s: ServerSlot) => job.needs.every((n) => s.has(n));
  const assign = (job: QueuedJob, url: string) => {
    const s = state.get(url)!;
    s.room--;
    s.load++;
    s.got++;
    s.idle = false;
    if (job.checkpoint !== null || job.loras.length > 0) s.using = { checkpoint: job.checkpoint, loras: job.loras };
    assignments.push({ job, server: url });
  };
  const open = () => [...state.values()].filter((s) => s.room > 0);

  if (!o.affinity) {
    for (const job of order) {
      const fitting = open().filter((s) => fits(job, s));
      if (fitting.length === 0) continue;
      assign(job, fitting.reduce((best, s) => (s.load < best.load ? s : best)).url);
    }
    return { assignments };
  }

  let holding: Plan['holding'];
  const unplaced: QueuedJob[] = [];
  // How many jobs still to come want each checkpoint (so a switch spares models still wanted).
  const wanted = new Map<string, number>();
  for (const j of order) if (j.checkpoint !== null) wanted.set(j.checkpoint, (wanted.get(j.checkpoint) ?? 0) + 1);
  for (const job of order) {
    if (job.checkpoint !== null) wanted.set(job.checkpoint, wanted.get(job.checkpoint)! - 1);
    const withRoom = open();
    if (withRoom.length === 0) break;
    const fitting = withRoom.filter((s) => fits(job, s));
    if (fitting.length === 0) {
      unplaced.push(job);
      continue;
    }
    const same = fitting.filter((s) => usesCheckpoint(s.using, job));
    if (same.length > 0) {
      assign(job, bestUsing(same, job).url);
      continue;
    }
    if (holding) {
      // Someone ahead holds out for a busy server. A later job may switch a server the holder cannot use;
      // and a job whose checkpoint no server uses (it needs a model load wherever it runs) may switch a
      // server whose checkpoint no later job wants.
      const free = fitting.filter((s) => !fits(holding!.job, s));
      const orphan = ![...state.values()].some((s) => usesCheckpoint(s.using, job));
      const unwanted = fitting.filter((s) => !s.using?.checkpoint || !wanted.get(s.using.checkpoint));
      if (free.length > 0) assign(job, bestSwitch(free, wanted).url);
      else if (orphan && unwanted.length > 0) assign(job, bestSwitch(unwanted, wanted).url);
      else unplaced.push(job);
      continue;
    }
    // Worth holding out only for a busy server expected to have room before the wait runs out,
    // and before the servers it could go to now run dry (their GPUs would idle while it waits).
    const since = job.headAt ?? o.now;
    const until = since + o.affinityMaxWaitMs;
    const dryAt = Math.min(...fitting.map((s) => (s.idle ? o.now : (s.runningUntil ?? Infinity))));
    const busyUsing = [...state.values()].some(
      (s) =>
        s.room <= 0 &&
        fits(job, s) &&
        usesCheckpoint(s.using, job) &&
        (s.runningUntil === undefined || (s.runningUntil <= until && s.runningUntil <= dryAt)),
    );
    if (busyUsing && o.now < until) {
      holding = { job, since, until };
      unplaced.push(job);
      continue;
    }
    assign(job, bestSwitch(fitting, wanted).url);
  }
  // No GPU idles while there is a job it can run: an idle server that got nothing takes the first such job.
  for (const s of state.values()) {
    if (s.room <= 0 || !s.idle || s.got > 0) continue;
    const at = unplaced.findIndex((j) => fits(j, s));
    if (at < 0) continue;
    const [job] = unplaced.splice(at, 1);
    assign(job!, s.url);
    if (holding?.job === job) holding = undefined;
  }
  return holding ? { assignments, holding } : { assignments };
}

/** The server uses the job's checkpoint (a job that names none runs anywhere). */
function usesCheckpoint(using: ModelKey | null, job: QueuedJob): boolean {
  if (job.checkpoint === null) return job.loras.length === 0 || sameLoras(using?.loras ?? [], job.loras);
  return using?.checkpoint === job.checkpoint;
}

function sameLoras(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Among servers using the checkpoint: the same LoRAs too, then the fewest prompts. */
function bestUsing<S extends ServerSlot>(servers: S[], job: QueuedJob): S {
  const score = (s: S) => (sameLoras(s.using?.loras ?? [], job.loras) ? 0 : 1);
  return servers.reduce((best, s) => (score(s) < score(best) || (score(s) === score(best) && s.load < best.load) ? s : best));
}

/**
 * A server that must switch models: an idle one first, then the one whose current
 * checkpoint the fewest later jobs want (keeps useful models loaded), then the least loaded.
 */
function bestSwitch<S extends ServerSlot>(servers: S[], wanted: ReadonlyMap<string, number>): S {
  const key = (s: S): [number, number, number] => [s.idle ? 0 : 1, s.using?.checkpoint ? (wanted.get(s.using.checkpoint) ?? 0) : 0, s.load];
  return servers.reduce((best, s) => (compare(key(s), key(best)) < 0 ? s : best));
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * The place a waiting job shows its user: N when N − 1 prompts start before it,
 * i.e. every prompt pending on the servers and every job ahead of it in the bot's
 * order (running prompts are not counted). `total` is everything that waits.
 */
export function waitingPositions(order: readonly QueuedJob[], pendingOnServers: number): Map<string, { position: number; total: number }> {
  const total = pendingOnServers + order.length;
  return new Map(order.map((j, i) => [j.id, { position: pendingOnServers + i + 1, total }]));
}
