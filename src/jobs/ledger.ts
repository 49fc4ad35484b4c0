// The job ledger: every job a user started, in SQLite, so that no restart loses one.
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { StoredResult } from './result.ts';
import { openDatabase, StatementCache } from './sqlite.ts';

export const JobState = z.enum([
  'waiting', // accepted, in the bot's own queue: on no ComfyUI server yet
  'dispatching', // taken from the bot's queue for a server; its inputs are being uploaded and the prompt posted
  'submitting', // recorded, not yet accepted by ComfyUI (rows of schema 1)
  'queued', // pending on a ComfyUI server
  'running',
  'finished', // ComfyUI is done; the result still has to reach the user
  'delivered', // the user has the final message
]);
export type JobState = z.infer<typeof JobState>;

export const Outcome = z.enum(['success', 'error', 'cancelled', 'lost', 'rejected']);
export type Outcome = z.infer<typeof Outcome>;

/** Where a job's message lives in Discord, opaque to the jobs layer beyond these ids. */
export const Delivery = z.object({
  guildId: z.string().nullable(),
  channelId: z.string(),
  /** The command's reply (edited through the interaction token while it is valid). */
  messageId: z.string().nullable(),
  applicationId: z.string(),
  interactionToken: z.string().nullable(),
  tokenExpiresAt: z.number().nullable(),
  /** A regular channel message that took over when the token was about to expire. */
  channelMessageId: z.string().nullable(),
  /** Results (and previews) are posted as spoilers: the job's `spoiler` option, or SPOILER_RESULTS outside NSFW channels. */
  spoiler: z.boolean().optional(),
  /**
   * The language the requester is answered in (a catalogue locale such as `zh-CN`), so a
   * message sent later (after the token, after a restart) is in it too. Absent in rows
   * written before it existed: those are answered in DEFAULT_LOCALE.
   */
  locale: z.string().optional(),
  /**
   * Shown to the requester alone (/settings private): the reply is ephemeral, edited only
   * with the interaction token; a result that outlives the token goes by direct message.
   */
  private: z.boolean().optional(),
  /**
   * The largest file Discord takes in this channel, in bytes: the interaction's
   * `attachment_size_limit` (boosts and Nitro included) when Discord sent one.
   * Without it (and in rows written before it was kept) the guild's boost tier decides.
   */
  uploadLimit: z.number().positive().nullish(),
  /**
   * Messages of the result besides the job's message: follow-ups with the files that
   * did not fit, and a message that took over from a deleted one. Kept so 🗑️ Delete
   * removes them all. `webhook`: an ephemeral follow-up, deleted with the interaction token.
   */
  more: z.array(z.object({ channelId: z.string(), messageId: z.string(), webhook: z.boolean().optional() })).optional(),
});
export type Delivery = z.infer<typeof Delivery>;

/** The job a derived job was made from: an action on one of its images (Upscale 2), or a Remix. */
export const Parent = z.object({
  job: z.string(),
  /** The parent job's workflow, whose manifest declares the action. */
  workflow: z.string(),
  /** The manifest action's name, or `remix`. */
  action: z.string(),
  /** Which output of the parent (0 = the first); null for a Remix. */
  image: z.number().int().min(0).nullable(),
});
export type Parent = z.infer<typeof Parent>;

/** A kept input that is an output file of an earlier job: referenced in place on that same server. */
export const InputOrigin = z.object({ server: z.string(), filename: z.string(), subfolder: z.string(), type: z.enum(['input', 'output', 'temp']) });
export type InputOrigin = z.infer<typeof InputOrigin>;

export const JobRow = z.object({
  id: z.string(),
  promptId: z.string(),
  server: z.string(),
  shard: z.number(),
  userId: z.string(),
  workflow: z.string(),
  /** The option values as the user gave them, with the seeds used: enough to run the job again. */
  params: z.record(z.string(), z.unknown()),
  /** Local copies of the user's attachments, by option name, so a job can be resubmitted elsewhere. */
  inputs: z.record(z.string(), z.object({ path: z.string(), filename: z.string(), origin: InputOrigin.optional() })),
  /** Seeds the workflow ran with, by `<node>.<input>`: a restart or failover reruns the same image. */
  seeds: z.record(z.string(), z.number()),
  state: JobState,
  outcome: Outcome.nullable(),
  /** What the final message needs (outputs, error text…), or why the job was refused; null when it cannot be read. */
  result: StoredResult.nullable().catch(null),
  delivery: Delivery,
  /** The job this one was made from (Upscale, Vary, Remix…), or null. */
  parent: Parent.nullish(),
  attempts: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  // The bot's queue (schema 2): what the order and the choice of a server are derived from.
  /** Accept order: the tie-break of fair share ("whose oldest waiting job came first"). */
  queueSeq: z.number().nullable(),
  /** A member of PRIORITY_ROLES when the job was accepted: goes before everyone else. */
  priority: z.boolean(),
  /** Set for a job that goes before fair share (failover, /admin first); lower goes sooner. */
  front: z.number().nullable(),
  /** When the job first held out at the head of the queue for a server using its checkpoint. */
  headAt: z.number().nullable(),
  /** When it was last taken from the bot's queue for a server. */
  dispatchedAt: z.number().nullable(),
  /** The checkpoint and LoRAs it runs with (model affinity), and every model it needs a server to have. */
  checkpoint: z.string().nullable(),
  loras: z.array(z.string()),
  needs: z.array(z.object({ folder: z.string(), name: z.string() })),
});
export type JobRow = z.infer<typeof JobRow>;

export const SCHEMA_VERSION = 3;
const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE jobs (
      id TEXT PRIMARY KEY,
      prompt_id TEXT NOT NULL,
      server TEXT NOT NULL,
      shard INTEGER NOT NULL DEFAULT 0,
      user_id TEXT NOT NULL,
      workflow TEXT NOT NULL,
      params TEXT NOT NULL,
      inputs TEXT NOT NULL DEFAULT '{}',
      seeds TEXT NOT NULL DEFAULT '{}',
      state TEXT NOT NULL,
      outcome TEXT,
      result TEXT,
      delivery TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 1,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER
    );
    CREATE UNIQUE INDEX jobs_prompt ON jobs (prompt_id);
    CREATE INDEX jobs_open ON jobs (state) WHERE state != 'delivered';
    CREATE INDEX jobs_user ON jobs (user_id, created_at);
    CREATE INDEX jobs_message ON jobs (json_extract(delivery, '$.messageId'));
    CREATE INDEX jobs_channel_message ON jobs (json_extract(delivery, '$.channelMessageId'));
  `,
  // The bot's own queue: a job waits in the ledger (state 'waiting', no server yet) until a server
  // has room. Rows of schema 1 were all sent at once; they keep their accept order.
  2: `
    ALTER TABLE jobs ADD COLUMN queue_seq INTEGER;
    ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN front REAL;
    ALTER TABLE jobs ADD COLUMN head_at INTEGER;
    ALTER TABLE jobs ADD COLUMN dispatched_at INTEGER;
    ALTER TABLE jobs ADD COLUMN checkpoint TEXT;
    ALTER TABLE jobs ADD COLUMN loras TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE jobs ADD COLUMN needs TEXT NOT NULL DEFAULT '[]';
    UPDATE jobs SET queue_seq = rowid, dispatched_at = created_at;
    CREATE INDEX jobs_waiting ON jobs (queue_seq) WHERE state = 'waiting';
    CREATE INDEX jobs_on_server ON jobs (server) WHERE state IN ('dispatching', 'submitting', 'queued', 'running');
    CREATE INDEX jobs_dispatched ON jobs (server, dispatched_at);
    CREATE TABLE bot_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
  `,
  // The job an action or a Remix was made from (JSON of Parent).
  3: `ALTER TABLE jobs ADD COLUMN parent TEXT;`,
};

export interface RawRow {
  id: string;
  prompt_id: string;
  server: string;
  shard: number;
  user_id: string;
  workflow: string;
  params: string;
  inputs: string;
  seeds: string;
  state: string;
  outcome: string | null;
  result: string | null;
  delivery: string;
  parent: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  queue_seq: number | null;
  priority: number;
  front: number | null;
  head_at: number | null;
  dispatched_at: number | null;
  checkpoint: string | null;
  loras: string;
  needs: string;
}

export type NewJob = Pick<JobRow, 'id' | 'promptId' | 'server' | 'shard' | 'userId' | 'workflow' | 'params' | 'inputs' | 'seeds' | 'delivery'> & {
  parent?: Parent | null;
};

/**
 * A new job's columns as the `INSERT` statements name them (`@id`, `@params`, …, `@now`):
 * one encoding for the ledger's insert and the queue's, so a column added to one is in both.
 */
export function newJobColumns(job: NewJob, now: number) {
  return {
    id: job.id,
    promptId: job.promptId,
    server: job.server,
    shard: job.shard,
    userId: job.userId,
    workflow: job.workflow,
    params: JSON.stringify(job.params),
    inputs: JSON.stringify(job.inputs),
    seeds: JSON.stringify(job.seeds),
    delivery: JSON.stringify(job.delivery),
    parent: job.parent ? JSON.stringify(job.parent) : null,
    now,
  };
}

export class Ledger {
  /** The connection, for the queue store that shares this file (src/jobs/queue-store.ts). */
  readonly db: Database.Database;

  private readonly statements: StatementCache;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.statements = new StatementCache(this.db);
    this.migrate();
  }

  statement(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > SCHEMA_VERSION) {
      throw new Error(`The job ledger was written by a newer version of the bot (schema ${current}, this one knows ${SCHEMA_VERSION}).`);
    }
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] ?? '');
        this.db.pragma(`user_version = ${v}`);
      })();
    }
  }

  insert(job: NewJob, now = Date.now()): JobRow {
    this.statement(
      `INSERT INTO jobs (id, prompt_id, server, shard, user_id, workflow, params, inputs, seeds, state, delivery, parent, created_at, updated_at, queue_seq, dispatched_at)
       VALUES (@id, @promptId, @server, @shard, @userId, @workflow, @params, @inputs, @seeds, 'submitting', @delivery, @parent, @now, @now,
               (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM jobs), @now)`,
    ).run(newJobColumns(job, now));
    return this.get(job.id)!;
  }

  get(id: string): JobRow | undefined {
    const raw = this.statement('SELECT * FROM jobs WHERE id = ?').get(id) as RawRow | undefined;
    return raw && fromRaw(raw);
  }

  byPromptId(promptId: string): JobRow | undefined {
    const raw = this.statement('SELECT * FROM jobs WHERE prompt_id = ?').get(promptId) as RawRow | undefined;
    return raw && fromRaw(raw);
  }

  byMessageId(messageId: string): JobRow | undefined {
    const raw = this.statement(
      `SELECT * FROM jobs WHERE json_extract(delivery, '$.messageId') = ? OR json_extract(delivery, '$.channelMessageId') = ?
       ORDER BY created_at DESC LIMIT 1`,
    ).get(messageId, messageId) as RawRow | undefined;
    return raw && fromRaw(raw);
  }

  /** Jobs whose user has not had the final message yet, oldest first. */
  unfinished(shard?: number): JobRow[] {
    const rows = (
      shard === undefined
        ? this.statement("SELECT * FROM jobs WHERE state != 'delivered' ORDER BY created_at").all()
        : this.statement("SELECT * FROM jobs WHERE state != 'delivered' AND shard = ? ORDER BY created_at").all(shard)
    ) as RawRow[];
    return rows.map(fromRaw);
  }

  /** A user's jobs that wait (in the bot or on a server) or run: not yet finished. */
  activeForUser(userId: string): JobRow[] {
    const rows = this.statement(
      "SELECT * FROM jobs WHERE user_id = ? AND state IN ('waiting','dispatching','submitting','queued','running') ORDER BY created_at",
    ).all(userId) as RawRow[];
    return rows.map(fromRaw);
  }

  countSince(userId: string, since: number): number {
    const row = this.statement('SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND created_at >= ?').get(userId, since) as {
      n: number;
    };
    return row.n;
  }

  /** Delivered jobs created before `cutoff` that still keep input images on disk. */
  withInputsBefore(cutoff: number): JobRow[] {
    const rows = this.statement("SELECT * FROM jobs WHERE state = 'delivered' AND created_at < ? AND inputs != '{}'").all(
      cutoff,
    ) as RawRow[];
    return rows.map(fromRaw);
  }

  clearInputs(id: string): void {
    this.statement("UPDATE jobs SET inputs = '{}' WHERE id = ?").run(id);
  }

  recentForUser(userId: string, limit: number): JobRow[] {
    const rows = this.statement('SELECT * FROM jobs WHERE user_id = ? ORDER BY created_at DESC LIMIT ?').all(userId, limit) as RawRow[];
    return rows.map(fromRaw);
  }

  /**
   * The newest jobs made in one server (`guildId` null: in DMs), newest first;
   * `idPrefix` keeps those whose id starts with it (what /show's autocomplete has typed).
   */
  recentInGuild(guildId: string | null, limit: number, options: { idPrefix?: string; finishedOnly?: boolean } = {}): JobRow[] {
    const prefix = (options.idPrefix ?? '').replace(/[\\%_]/g, (c) => `\\${c}`);
    const sql = options.finishedOnly
      ? `SELECT * FROM jobs WHERE json_extract(delivery, '$.guildId') IS ? AND id LIKE ? ESCAPE '\\'
           AND state IN ('finished','delivered') AND result IS NOT NULL AND outcome IS NOT 'rejected'
         ORDER BY created_at DESC LIMIT ?`
      : `SELECT * FROM jobs WHERE json_extract(delivery, '$.guildId') IS ? AND id LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT ?`;
    const rows = this.statement(sql).all(guildId, `${prefix}%`, limit) as RawRow[];
    return rows.map(fromRaw);
  }

  update(
    id: string,
    patch: Partial<
      Pick<
        JobRow,
        | 'promptId'
        | 'server'
        | 'params'
        | 'seeds'
        | 'state'
        | 'outcome'
        | 'result'
        | 'delivery'
        | 'attempts'
        | 'startedAt'
        | 'finishedAt'
        | 'checkpoint'
        | 'loras'
        | 'dispatchedAt'
      >
    >,
    now = Date.now(),
  ): JobRow | undefined {
    const columns: Record<string, unknown> = { updated_at: now };
    if (patch.promptId !== undefined) columns['prompt_id'] = patch.promptId;
    if (patch.server !== undefined) columns['server'] = patch.server;
    if (patch.params !== undefined) columns['params'] = JSON.stringify(patch.params);
    if (patch.seeds !== undefined) columns['seeds'] = JSON.stringify(patch.seeds);
    if (patch.state !== undefined) columns['state'] = patch.state;
    if (patch.outcome !== undefined) columns['outcome'] = patch.outcome;
    if (patch.result !== undefined) columns['result'] = JSON.stringify(patch.result);
    if (patch.delivery !== undefined) columns['delivery'] = JSON.stringify(patch.delivery);
    if (patch.attempts !== undefined) columns['attempts'] = patch.attempts;
    if (patch.startedAt !== undefined) columns['started_at'] = patch.startedAt;
    if (patch.finishedAt !== undefined) columns['finished_at'] = patch.finishedAt;
    if (patch.checkpoint !== undefined) columns['checkpoint'] = patch.checkpoint;
    if (patch.loras !== undefined) columns['loras'] = JSON.stringify(patch.loras);
    if (patch.dispatchedAt !== undefined) columns['dispatched_at'] = patch.dispatchedAt;
    const sets = Object.keys(columns).map((c) => `${c} = @${c}`);
    this.statement(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run({ ...columns, id });
    return this.get(id);
  }

  /** Deletes delivered jobs created before `cutoff`; returns their ids. */
  deleteDeliveredBefore(cutoff: number): string[] {
    const rows = this.statement("DELETE FROM jobs WHERE state = 'delivered' AND created_at < ? RETURNING id").all(cutoff) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  close(): void {
    this.db.close();
  }
}

export function fromRaw(raw: RawRow): JobRow {
  return JobRow.parse({
    id: raw.id,
    promptId: raw.prompt_id,
    server: raw.server,
    shard: raw.shard,
    userId: raw.user_id,
    workflow: raw.workflow,
    params: JSON.parse(raw.params) as unknown,
    inputs: JSON.parse(raw.inputs) as unknown,
    seeds: JSON.parse(raw.seeds) as unknown,
    state: raw.state,
    outcome: raw.outcome,
    result: raw.result === null ? null : (JSON.parse(raw.result) as unknown),
    delivery: JSON.parse(raw.delivery) as unknown,
    parent: raw.parent === null ? null : (JSON.parse(raw.parent) as unknown),
    attempts: raw.attempts,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    startedAt: raw.started_at,
    finishedAt: raw.finished_at,
    queueSeq: raw.queue_seq,
    priority: raw.priority === 1,
    front: raw.front,
    headAt: raw.head_at,
    dispatchedAt: raw.dispatched_at,
    checkpoint: raw.checkpoint,
    loras: JSON.parse(raw.loras) as unknown,
    needs: JSON.parse(raw.needs) as unknown,
  });
}
