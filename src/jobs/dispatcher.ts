// Sends waiting jobs to ComfyUI servers as they get room. One round reads the
// queue from the store, orders it (fair share), places jobs (affinity) and
// claims them in one transaction; the claimed jobs are then posted. Rounds run
// one at a time, whenever anything that changes the answer happens (a job
// accepted, started, ended, a server up or down, /admin resume), and on a slow
// timer as a safety net. Under SHARDS one process at a time holds a lease in
// the store and dispatches for all: one order across every shard.
import type { Logger } from '../log.ts';
import type { Backend, BackendPool } from './backends.ts';
import type { JobRow } from './ledger.ts';
import type { QueueStore, QueueView } from './queue-store.ts';
import { fairOrder, plan, type ModelNeed, type ServerSlot } from './schedule.ts';

export interface DispatcherOptions {
  store: QueueStore;
  pool: BackendPool;
  /** BACKEND_QUEUE_DEPTH: prompts of ours a server may hold pending beyond the one it runs; 0 = send at once. */
  depth: number;
  affinityMaxWaitMs: number;
  log: Logger;
  /** Posts a claimed job (uploads, then the prompt); handles its own failures. */
  send: (row: JobRow, backend: Backend) => void;
  /** Under SHARDS: only the holder of this lease dispatches. */
  lease?: { holder: string; ttlMs: number };
  /** The safety-net round while jobs wait (default 2 s). */
  tickMs?: number;
}

export class Dispatcher {
  private waiters: { promise: Promise<void>; resolve: () => void } | undefined;
  private looping = false;
  private stopped = false;
  private readonly tick: NodeJS.Timeout;
  private wake: { at: number; timer: NodeJS.Timeout } | undefined;
  /** Servers a post just failed on are left alone for a moment (no hot loop against a broken one). */
  private readonly coolingUntil = new Map<string, number>();
  private leaseHeld = false;
  private running = false;
  private onActivate: (() => void) | undefined;

  constructor(private readonly o: DispatcherOptions) {
    this.tick = setInterval(() => {
      if (this.o.lease) this.renewLease();
      if (this.running && this.o.store.waitingCount() > 0) void this.kick();
    }, o.tickMs ?? 2_000);
    this.tick.unref();
    if (o.lease) this.renewLease();
  }

  /** Whether this process sends jobs to the servers (always, unless a lease says another one does). */
  get active(): boolean {
    return !this.o.lease || this.leaseHeld;
  }

  /**
   * Starts sending jobs (after the start-up has re-attached what was running).
   * `onActivate` runs whenever this process becomes the dispatcher after another held the lease.
   */
  start(onActivate?: () => void): void {
    this.running = true;
    this.onActivate = onActivate;
    void this.kick();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.tick);
    if (this.wake) clearTimeout(this.wake.timer);
  }

  /** When a post to each server last completed: its queue count is trusted only if it is newer. */
  private readonly postedAt = new Map<string, number>();

  /** A prompt was posted to `backend` (its queue count from before then does not include it). */
  posted(backend: Backend): void {
    this.postedAt.set(backend.url, performance.now());
  }

  /** The server's queue count was read after our last post to it (so it includes that prompt). */
  countedSinceLastPost(backend: Backend): boolean {
    return backend.queueRemainingAt > (this.postedAt.get(backend.url) ?? -Infinity);
  }

  /** Skips `backend` for `ms` (a post to it just failed). */
  coolDown(backend: Backend, ms = 2_000): void {
    this.coolingUntil.set(backend.url, Date.now() + ms);
  }

  /** Runs a round soon; resolves once a round that started after this call has claimed what it could. */
  kick(): Promise<void> {
    if (!this.waiters) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiters = { promise, resolve };
    }
    const { promise } = this.waiters;
    if (!this.looping) void this.loop();
    return promise;
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (this.waiters && !this.stopped) {
        const batch = this.waiters;
        this.waiters = undefined;
        try {
          await this.round();
        } catch (err) {
          this.o.log.error('dispatch round failed', { error: err });
        } finally {
          batch.resolve();
        }
      }
    } finally {
      this.looping = false;
      this.waiters?.resolve();
      this.waiters = undefined;
    }
  }

  private renewLease(): void {
    if (!this.o.lease || this.stopped) return;
    const held = this.o.store.lease(this.o.lease.holder, this.o.lease.ttlMs);
    if (held === this.leaseHeld) return;
    this.o.log.info(held ? 'this process now dispatches jobs to ComfyUI' : 'another process dispatches jobs now');
    this.leaseHeld = held;
    if (held && this.running) this.onActivate?.();
  }

  private async round(): Promise<void> {
    if (this.stopped || !this.running) return;
    if (this.o.lease) this.renewLease();
    if (!this.active) return;
    if (this.o.store.isPaused() || this.o.store.waitingCount() === 0) return;
    const now = Date.now();
    const backends = this.o.pool.backends.filter((b) => b.healthy && (this.coolingUntil.get(b.url) ?? 0) <= now);
    if (backends.length === 0) return;
    const postedAt = (url: string) => this.postedAt.get(url) ?? -Infinity;
    // Most rounds find every server full: then nothing more is read.
    const counts = this.o.store.serverCounts();
    const none = { dispatching: 0, pending: 0, running: 0 };
    if (backends.every((b) => roomOn(b, counts.get(b.url) ?? none, this.o.depth, postedAt(b.url)) <= 0)) return;
    const first = this.o.store.view();
    const models = await modelLists(backends, first, this.o.pool.modelCacheMs);
    const lastSent = this.o.store.lastSent(backends.map((b) => b.url));
    const typical = this.o.store.typicalRunMs(backends.map((b) => b.url));
    let wakeAt: number | undefined;
    const claimed = this.o.store.takeNext((view) => {
      if (view.paused) return { claims: [] };
      const slots = serverSlots(view, backends, this.o.depth, {
        using: (url) => lastSent.get(url) ?? null,
        models,
        postedAt,
        typicalRunMs: (url) => typical.get(url),
      });
      const decided = plan(fairOrder(view.waiting, view.onServers), slots, {
        now: Date.now(),
        affinity: this.o.depth > 0,
        affinityMaxWaitMs: this.o.affinityMaxWaitMs,
      });
      wakeAt = decided.holding?.until;
      return {
        claims: decided.assignments.map((a) => ({ jobId: a.job.id, server: a.server })),
        ...(decided.holding ? { holding: { jobId: decided.holding.job.id, since: decided.holding.since } } : {}),
      };
    });
    if (wakeAt !== undefined) this.wakeAt(wakeAt);
    for (const row of claimed) {
      const backend = backends.find((b) => b.url === row.server)!;
      this.o.log.debug('job dispatched', { jobId: row.id, userId: row.userId, server: backend.name, checkpoint: row.checkpoint });
      this.o.send(row, backend);
    }
  }

  /** A job holds out for a busy server until `at`: look again then. */
  private wakeAt(at: number): void {
    if (this.wake && this.wake.at <= at) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(
      () => {
        this.wake = undefined;
        void this.kick();
      },
      Math.max(0, at - Date.now()) + 1,
    );
    timer.unref();
    this.wake = { at, timer };
  }
}

type ModelLists = Map<string, Map<string, Set<string>>>;

/** The model folders waiting jobs ask about, per server (each list cached by the backend). */
async function modelLists(backends: Backend[], view: QueueView, ttlMs: number): Promise<ModelLists> {
  const folders = new Set(view.waiting.flatMap((j) => j.needs.map((n) => n.folder)));
  const out: ModelLists = new Map();
  await Promise.all(
    backends.map(async (b) => {
      const lists = new Map<string, Set<string>>();
      out.set(b.url, lists);
      for (const folder of folders) {
        const names = await b.modelNames(folder, ttlMs).catch(() => undefined);
        if (names) lists.set(folder, names);
      }
    }),
  );
  return out;
}

/** Each healthy server as the planner sees it: room, idle, load, the models it uses and has. */
export interface SlotFacts {
  /** The models of the last prompt sent to a server. */
  using: (url: string) => ServerSlot['using'];
  models: ModelLists;
  /** When a post to a server last completed. */
  postedAt: (url: string) => number;
  /** How long prompts recently took there. */
  typicalRunMs: (url: string) => number | undefined;
}

/**
 * Prompts of ours pending on a server. The ledger learns that a prompt started from
 * the socket; while the socket is down, the server's own queue count (health checks)
 * still bounds how many can be pending there: all but the one it runs. Trusted only
 * when counted after our last post there (else it may not include that prompt yet).
 */
function pendingOn(b: Backend, ours: { dispatching: number; pending: number }, postedAt: number): number {
  const blind = !b.client.connected && ours.dispatching === 0 && b.queueRemainingAt > postedAt;
  return blind ? Math.min(ours.pending, Math.max(0, (b.queueRemaining ?? 0) - 1)) : ours.pending;
}

/** How many more of our prompts a server may take now. */
function roomOn(b: Backend, ours: { dispatching: number; pending: number }, depth: number, postedAt: number): number {
  return depth === 0 ? Infinity : depth - pendingOn(b, ours, postedAt);
}

export function serverSlots(view: QueueView, backends: Backend[], depth: number, facts: SlotFacts): ServerSlot[] {
  const { using, models, postedAt } = facts;
  return backends.map((b) => {
    const ours = view.onServers.filter((j) => j.server === b.url);
    const remaining = b.queueRemaining ?? 0;
    const counts = {
      dispatching: ours.filter((j) => j.state === 'dispatching').length,
      pending: ours.filter((j) => j.state !== 'running').length,
    };
    const pending = pendingOn(b, counts, postedAt(b.url));
    const running = ours.length - pending;
    // When the prompt it runs ends, by how long prompts took there lately.
    const started = ours.flatMap((j) => (j.state === 'running' && j.startedAt !== null ? [j.startedAt] : []));
    const runningSince = started.length > 0 ? Math.max(...started) : undefined;
    const typical = facts.typicalRunMs(b.url);
    const runningUntil = runningSince !== undefined && typical !== undefined ? runningSince + typical : undefined;
    return {
      url: b.url,
      room: roomOn(b, counts, depth, postedAt(b.url)),
      idle: running === 0 && pending === 0 && remaining === 0,
      load: Math.max(remaining, ours.length),
      using: using(b.url),
      ...(runningUntil !== undefined ? { runningUntil } : {}),
      has: (need: ModelNeed) => models.get(b.url)?.get(need.folder)?.has(need.name) ?? false,
    };
  });
}

/**
 * Prompts pending on the servers right now (ours, and others' as far as each
 * server's queue count tells), for the positions of waiting jobs.
 */
export function pendingOnServers(view: QueueView, backends: readonly Backend[]): number {
  let n = 0;
  for (const b of backends) {
    if (!b.healthy) continue;
    const ours = view.onServers.filter((j) => j.server === b.url && j.state !== 'running').length;
    const remaining = b.queueRemaining ?? 0;
    n += Math.max(ours, remaining - 1);
  }
  return n;
}
