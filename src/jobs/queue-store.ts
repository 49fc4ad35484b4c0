// The bot's queue in the job store: enqueue, take the next jobs for servers,
// release them back. An interface, so that a store shared by many machines
// (PostgreSQL: the view read with `SELECT … FOR UPDATE SKIP LOCKED`, each claim
// an `UPDATE … WHERE state = 'waiting'`) can stand in for SQLite; the order and
// the placement are computed by the pure functions of schedule.ts from what the
// store returns, never remembered in memory.
import { newJobColumns, type JobRow, type Ledger, type NewJob } from './ledger.ts';
import { ON_SERVER_STATES, type ModelKey, type ModelNeed, type QueuedJob } from './schedule.ts';

export interface EnqueueJob extends Omit<NewJob, 'server'> {
  priority: boolean;
  checkpoint: string | null;
  loras: string[];
  needs: ModelNeed[];
}

export interface QueueView {
  /** Waiting in the bot, in accept order (fairOrder puts them in dispatch order). */
  waiting: QueuedJob[];
  /** Ours on a server: being posted, pending or running, every shard's. */
  onServers: QueuedJob[];
  paused: boolean;
}

export interface TakeDecision {
  claims: Array<{ jobId: string; server: string }>;
  /** The job holding out at the head for a busy server, and since when (kept, so a restart does not reset it). */
  holding?: { jobId: string; since: number };
}

export type PutFirstOutcome = 'first' | 'not-waiting' | 'unknown';

export interface QueueStore {
  /** Records an accepted job as waiting in the bot's queue. */
  enqueue(job: EnqueueJob, now?: number): JobRow;
  view(): QueueView;
  /** The models of the last prompt sent to each server (what it has loaded, as far as we know). */
  lastSent(servers: readonly string[]): Map<string, ModelKey>;
  /** How long a prompt of ours has recently taken to run on each server (the median of the last 20). */
  typicalRunMs(servers: readonly string[]): Map<string, number>;
  /**
   * Takes the next jobs for the servers: `choose` sees one consistent view and
   * names jobs and servers; each job is claimed only if it still waits, all in one
   * transaction, so no job is taken twice, whichever process asks. Returns the
   * claimed rows (state `dispatching`, on their server).
   */
  takeNext(choose: (view: QueueView) => TakeDecision, now?: number): JobRow[];
  /**
   * Puts jobs back at the head of the queue, in the order they were first sent
   * (a dead server's prompts, a post that failed), each under a new prompt id.
   */
  release(jobs: ReadonlyArray<{ id: string; promptId: string }>, now?: number): JobRow[];
  /** `/admin first`: this waiting job goes next. */
  putFirst(id: string, now?: number): PutFirstOutcome;
  /** Cancels a job that still waits in the bot (nothing to tell ComfyUI); undefined if it no longer waits. */
  cancelWaiting(id: string, result: unknown, now?: number): JobRow | undefined;
  waitingCount(): number;
  /** How many of ours each server has, by state (a cheap look before reading the whole queue). */
  serverCounts(): Map<string, { dispatching: number; pending: number; running: number }>;
  /** A shard's jobs posted to a server and not finished (pending or running there, as far as the store knows). */
  postedCount(server: string, shard: number): number;
  isPaused(): boolean;
  /** Returns whether it changed. */
  setPaused(paused: boolean, now?: number): boolean;
  /** Holds (or renews) the dispatcher lease for `ttlMs` unless another holder's is still valid. */
  lease(holder: string, ttlMs: number, now?: number): boolean;
}

/**
 * `front` values: a released job (a dead server's, a failed post) gets HEAD plus
 * the time it was first sent, so released jobs keep their original order whoever
 * released them; `/admin first` goes below every one of those.
 */
const HEAD = -1e13;

interface QueueRaw {
  id: string;
  user_id: string;
  shard: number;
  workflow: string;
  state: QueuedJob['state'] | 'finished' | 'delivered';
  server: string;
  priority: number;
  front: number | null;
  queue_seq: number | null;
  head_at: number | null;
  started_at: number | null;
  checkpoint: string | null;
  loras: string;
  needs: string;
}

const ON_SERVER = new Set<string>(ON_SERVER_STATES);

export class SqliteQueueStore implements QueueStore {
  constructor(private readonly ledger: Ledger) {}

  enqueue(job: EnqueueJob, now = Date.now()): JobRow {
    this.ledger
      .statement(
        `INSERT INTO jobs (id, prompt_id, server, shard, user_id, workflow, params, inputs, seeds, state, delivery, parent, created_at, updated_at,
                           queue_seq, priority, checkpoint, loras, needs)
         VALUES (@id, @promptId, @server, @shard, @userId, @workflow, @params, @inputs, @seeds, 'waiting', @delivery, @parent, @now, @now,
                 (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM jobs), @priority, @checkpoint, @loras, @needs)`,
      )
      .run({
        // No server yet: the dispatcher picks one.
        ...newJobColumns({ ...job, server: '' }, now),
        priority: job.priority ? 1 : 0,
        checkpoint: job.checkpoint,
        loras: JSON.stringify(job.loras),
        needs: JSON.stringify(job.needs),
      });
    return this.ledger.get(job.id)!;
  }

  view(): QueueView {
    const rows = this.ledger
      .statement(
        `SELECT id, user_id, shard, workflow, state, server, priority, front, queue_seq, head_at, started_at, checkpoint, loras, needs
         FROM jobs WHERE state IN ('waiting', 'dispatching', 'submitting', 'queued', 'running')`,
      )
      .all() as QueueRaw[];
    const waiting: QueuedJob[] = [];
    const onServers: QueuedJob[] = [];
    for (const r of rows) {
      const job = toQueued(r);
      if (r.state === 'waiting') waiting.push(job);
      else if (ON_SERVER.has(r.state)) onServers.push(job);
    }
    waiting.sort((a, b) => a.seq - b.seq);
    return { waiting, onServers, paused: this.isPaused() };
  }

  lastSent(servers: readonly string[]): Map<string, ModelKey> {
    const out = new Map<string, ModelKey>();
    const st = this.ledger.statement(
      'SELECT checkpoint, loras FROM jobs WHERE server = ? AND dispatched_at IS NOT NULL ORDER BY dispatched_at DESC LIMIT 1',
    );
    for (const url of servers) {
      const row = st.get(url) as { checkpoint: string | null; loras: string } | undefined;
      if (row) out.set(url, { checkpoint: row.checkpoint, loras: JSON.parse(row.loras) as string[] });
    }
    return out;
  }

  typicalRunMs(servers: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    const st = this.ledger.statement(
      `SELECT finished_at - started_at AS ms FROM jobs
       WHERE server = ? AND outcome = 'success' AND started_at IS NOT NULL AND finished_at IS NOT NULL
       ORDER BY finished_at DESC LIMIT 20`,
    );
    for (const url of servers) {
      const ms = (st.all(url) as Array<{ ms: number }>).map((r) => r.ms).sort((a, b) => a - b);
      if (ms.length > 0) out.set(url, ms[Math.floor(ms.length / 2)]!);
    }
    return out;
  }

  takeNext(choose: (view: QueueView) => TakeDecision, now = Date.now()): JobRow[] {
    const claim = this.ledger.statement(
      `UPDATE jobs SET state = 'dispatching', server = @server, dispatched_at = @now, updated_at = @now
       WHERE id = @id AND state = 'waiting'`,
    );
    const hold = this.ledger.statement('UPDATE jobs SET head_at = @since WHERE id = @id AND head_at IS NULL');
    const tx = this.ledger.db.transaction(() => {
      const decision = choose(this.view());
      if (decision.holding) hold.run({ id: decision.holding.jobId, since: decision.holding.since });
      const claimed: string[] = [];
      for (const c of decision.claims) {
        if (claim.run({ id: c.jobId, server: c.server, now }).changes === 1) claimed.push(c.jobId);
      }
      return claimed;
    });
    // IMMEDIATE: the write lock is taken before the view is read, so two processes cannot plan on the same view.
    return tx.immediate().map((id) => this.ledger.get(id)!);
  }

  release(jobs: ReadonlyArray<{ id: string; promptId: string }>, now = Date.now()): JobRow[] {
    const st = this.ledger.statement(
      `UPDATE jobs SET state = 'waiting', server = '', prompt_id = @promptId, attempts = attempts + 1, started_at = NULL, head_at = NULL,
                       front = ${HEAD} + COALESCE(dispatched_at, created_at), updated_at = @now
       WHERE id = @id AND state IN ('dispatching', 'submitting', 'queued', 'running')`,
    );
    const tx = this.ledger.db.transaction(() => jobs.filter((j) => st.run({ ...j, now }).changes === 1).map((j) => j.id));
    return tx.immediate().map((id) => this.ledger.get(id)!);
  }

  putFirst(id: string, now = Date.now()): PutFirstOutcome {
    const tx = this.ledger.db.transaction((): PutFirstOutcome => {
      const row = this.ledger.statement('SELECT state FROM jobs WHERE id = ?').get(id) as { state: string } | undefined;
      if (!row) return 'unknown';
      if (row.state !== 'waiting') return 'not-waiting';
      this.ledger
        .statement(
          `UPDATE jobs SET front = MIN(${HEAD}, (SELECT COALESCE(MIN(front), ${HEAD}) FROM jobs WHERE state = 'waiting')) - 1, updated_at = @now
           WHERE id = @id`,
        )
        .run({ id, now });
      return 'first';
    });
    return tx.immediate();
  }

  cancelWaiting(id: string, result: unknown, now = Date.now()): JobRow | undefined {
    const changed = this.ledger
      .statement(
        `UPDATE jobs SET state = 'finished', outcome = 'cancelled', result = @result, finished_at = @now, updated_at = @now
         WHERE id = @id AND state = 'waiting'`,
      )
      .run({ id, result: JSON.stringify(result), now }).changes;
    return changed === 1 ? this.ledger.get(id) : undefined;
  }

  waitingCount(): number {
    return (this.ledger.statement("SELECT COUNT(*) AS n FROM jobs WHERE state = 'waiting'").get() as { n: number }).n;
  }

  serverCounts(): Map<string, { dispatching: number; pending: number; running: number }> {
    const rows = this.ledger
      .statement(
        `SELECT server, state, COUNT(*) AS n FROM jobs WHERE state IN ('dispatching', 'submitting', 'queued', 'running') GROUP BY server, state`,
      )
      .all() as Array<{ server: string; state: string; n: number }>;
    const out = new Map<string, { dispatching: number; pending: number; running: number }>();
    for (const r of rows) {
      const c = out.get(r.server) ?? { dispatching: 0, pending: 0, running: 0 };
      if (r.state === 'running') c.running += r.n;
      else c.pending += r.n;
      if (r.state === 'dispatching') c.dispatching += r.n;
      out.set(r.server, c);
    }
    return out;
  }

  postedCount(server: string, shard: number): number {
    return (
      this.ledger
        .statement("SELECT COUNT(*) AS n FROM jobs WHERE server = ? AND shard = ? AND state IN ('queued', 'running')")
        .get(server, shard) as { n: number }
    ).n;
  }

  isPaused(): boolean {
    const row = this.ledger.statement("SELECT value FROM bot_state WHERE key = 'paused'").get() as { value: string } | undefined;
    return row?.value === '1';
  }

  setPaused(paused: boolean, now = Date.now()): boolean {
    const was = this.isPaused();
    this.ledger
      .statement(
        `INSERT INTO bot_state (key, value, updated_at) VALUES ('paused', @value, @now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run({ value: paused ? '1' : '0', now });
    return was !== paused;
  }

  lease(holder: string, ttlMs: number, now = Date.now()): boolean {
    const changes = this.ledger
      .statement(
        `INSERT INTO bot_state (key, value, updated_at) VALUES ('dispatcher', @value, @now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         WHERE json_extract(bot_state.value, '$.holder') = @holder OR json_extract(bot_state.value, '$.until') < @now`,
      )
      .run({ value: JSON.stringify({ holder, until: now + ttlMs }), holder, now }).changes;
    return changes === 1;
  }
}

function toQueued(r: QueueRaw): QueuedJob {
  return {
    id: r.id,
    userId: r.user_id,
    shard: r.shard,
    workflow: r.workflow,
    state: r.state as QueuedJob['state'],
    server: r.server,
    priority: r.priority === 1,
    front: r.front,
    seq: r.queue_seq ?? 0,
    headAt: r.head_at,
    startedAt: r.started_at,
    checkpoint: r.checkpoint,
    loras: JSON.parse(r.loras) as string[],
    needs: JSON.parse(r.needs) as ModelNeed[],
  };
}
