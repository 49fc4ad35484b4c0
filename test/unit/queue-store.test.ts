// The bot's queue in SQLite: what it keeps, atomic claims across processes
// sharing the file, release to the head, pause and the dispatcher lease.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/jobs/ledger.ts';
import { SqliteQueueStore, type EnqueueJob } from '../../src/jobs/queue-store.ts';
import { fairOrder } from '../../src/jobs/schedule.ts';

function newJob(id: string, userId = 'u1', over: Partial<EnqueueJob> = {}): EnqueueJob {
  return {
    id,
    promptId: `p-${id}`,
    shard: 0,
    userId,
    workflow: 'txt2img',
    params: { prompt: id },
    inputs: {},
    seeds: {},
    delivery: { guildId: 'g', channelId: 'c', messageId: `m-${id}`, applicationId: 'a', interactionToken: 't', tokenExpiresAt: 1, channelMessageId: null },
    priority: false,
    checkpoint: 'x.safetensors',
    loras: [],
    needs: [{ folder: 'checkpoints', name: 'x.safetensors' }],
    ...over,
  };
}

const file = () => join(mkdtempSync(join(tmpdir(), 'queue-')), 'jobs.sqlite');

describe('the queue store', () => {
  it('keeps accepted jobs waiting, in accept order, with what ordering and placement need', () => {
    const ledger = new Ledger(':memory:');
    const q = new SqliteQueueStore(ledger);
    q.enqueue(newJob('a'));
    q.enqueue(newJob('b', 'u2', { priority: true, checkpoint: 'y', loras: ['l'] }));
    const view = q.view();
    expect(view.waiting.map((j) => [j.id, j.seq, j.priority, j.checkpoint, j.loras])).toEqual([
      ['a', 1, false, 'x.safetensors', []],
      ['b', 2, true, 'y', ['l']],
    ]);
    expect(ledger.get('b')).toMatchObject({ state: 'waiting', server: '', priority: true, needs: [{ folder: 'checkpoints', name: 'x.safetensors' }] });
    expect(ledger.activeForUser('u1').map((r) => r.id)).toEqual(['a']);
    ledger.close();
  });

  it('claims a job for one process only, whichever asks (two connections to one file)', () => {
    const path = file();
    const one = new Ledger(path);
    const two = new Ledger(path);
    new SqliteQueueStore(one).enqueue(newJob('j'));
    const choose = () => ({ claims: [{ jobId: 'j', server: 'http://s1' }] });
    const first = new SqliteQueueStore(one).takeNext(choose);
    const second = new SqliteQueueStore(two).takeNext(choose);
    expect(first.map((r) => [r.id, r.state, r.server])).toEqual([['j', 'dispatching', 'http://s1']]);
    expect(second).toEqual([]);
    one.close();
    two.close();
  });

  it('puts released jobs back at the head in the order they were sent; /admin first goes before them', () => {
    const ledger = new Ledger(':memory:');
    const q = new SqliteQueueStore(ledger);
    for (const id of ['a', 'b', 'c', 'd']) q.enqueue(newJob(id, `u-${id}`));
    q.takeNext(() => ({ claims: [{ jobId: 'b', server: 's' }] }), 1_000);
    q.takeNext(() => ({ claims: [{ jobId: 'a', server: 's' }] }), 2_000);
    // Released in any order: they come back as they were sent (b, then a), before c and d.
    q.release([
      { id: 'a', promptId: 'new-a' },
      { id: 'b', promptId: 'new-b' },
    ]);
    const order = () => {
      const v = q.view();
      return fairOrder(v.waiting, v.onServers).map((j) => j.id);
    };
    expect(order()).toEqual(['b', 'a', 'c', 'd']);
    expect(ledger.get('a')).toMatchObject({ state: 'waiting', promptId: 'new-a', attempts: 2, server: '' });
    expect(q.putFirst('d')).toBe('first');
    expect(order()).toEqual(['d', 'b', 'a', 'c']);
    expect(q.putFirst('c')).toBe('first');
    expect(order()).toEqual(['c', 'd', 'b', 'a']);
    expect(q.putFirst('nope')).toBe('unknown');
    q.takeNext(() => ({ claims: [{ jobId: 'c', server: 's' }] }));
    expect(q.putFirst('c')).toBe('not-waiting');
    ledger.close();
  });

  it('cancels a job only while it waits', () => {
    const ledger = new Ledger(':memory:');
    const q = new SqliteQueueStore(ledger);
    q.enqueue(newJob('a'));
    q.enqueue(newJob('b'));
    q.takeNext(() => ({ claims: [{ jobId: 'b', server: 's' }] }));
    expect(q.cancelWaiting('a', { kind: 'cancelled', by: 'u', wasPending: true })).toMatchObject({ state: 'finished', outcome: 'cancelled' });
    expect(q.cancelWaiting('b', { kind: 'cancelled', by: 'u', wasPending: true })).toBeUndefined();
    expect(q.waitingCount()).toBe(0);
    ledger.close();
  });

  it('keeps the paused state across a restart', () => {
    const path = file();
    const a = new Ledger(path);
    expect(new SqliteQueueStore(a).setPaused(true)).toBe(true);
    expect(new SqliteQueueStore(a).setPaused(true)).toBe(false);
    a.close();
    const b = new Ledger(path);
    expect(new SqliteQueueStore(b).isPaused()).toBe(true);
    b.close();
  });

  it('gives the dispatcher lease to one holder until it lapses', () => {
    const q = new SqliteQueueStore(new Ledger(':memory:'));
    expect(q.lease('shard0', 5_000, 1_000)).toBe(true);
    expect(q.lease('shard1', 5_000, 2_000)).toBe(false);
    expect(q.lease('shard0', 5_000, 4_000)).toBe(true);
    expect(q.lease('shard1', 5_000, 8_000)).toBe(false);
    expect(q.lease('shard1', 5_000, 9_001)).toBe(true);
  });

  it('migrates a ledger of schema 1: its jobs keep their accept order and count as sent', () => {
    const path = file();
    const old = new Database(path);
    old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, prompt_id TEXT NOT NULL, server TEXT NOT NULL, shard INTEGER NOT NULL DEFAULT 0,
      user_id TEXT NOT NULL, workflow TEXT NOT NULL, params TEXT NOT NULL, inputs TEXT NOT NULL DEFAULT '{}', seeds TEXT NOT NULL DEFAULT '{}',
      state TEXT NOT NULL, outcome TEXT, result TEXT, delivery TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER);
      CREATE UNIQUE INDEX jobs_prompt ON jobs (prompt_id);
      CREATE INDEX jobs_open ON jobs (state) WHERE state != 'delivered';
      CREATE INDEX jobs_user ON jobs (user_id, created_at);
      CREATE INDEX jobs_message ON jobs (json_extract(delivery, '$.messageId'));
      CREATE INDEX jobs_channel_message ON jobs (json_extract(delivery, '$.channelMessageId'));
      PRAGMA user_version = 1;`);
    const delivery = JSON.stringify(newJob('x').delivery);
    old.prepare(`INSERT INTO jobs (id, prompt_id, server, user_id, workflow, params, state, delivery, created_at, updated_at)
      VALUES (?, ?, 'http://s', 'u', 'txt2img', '{}', 'queued', ?, 5, 5)`).run('old', 'p-old', delivery);
    old.close();
    const ledger = new Ledger(path);
    expect(ledger.schemaVersion).toBe(3);
    expect(ledger.get('old')).toMatchObject({ state: 'queued', queueSeq: 1, dispatchedAt: 5, priority: false, loras: [], needs: [], parent: null });
    expect(new SqliteQueueStore(ledger).view().onServers.map((j) => j.id)).toEqual(['old']);
    ledger.close();
  });
});
