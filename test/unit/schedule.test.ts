// The queue's pure logic: which job goes next (fair share, priority, front) and
// where (model affinity, holding out for a busy server, idle GPUs).
import { describe, expect, it } from 'vitest';
import { fairOrder, plan, waitingPositions, type ModelNeed, type QueuedJob, type ServerSlot } from '../../src/jobs/schedule.ts';

let seq = 0;
function job(user: string, over: Partial<QueuedJob> = {}): QueuedJob {
  seq++;
  return {
    id: over.id ?? `${user}${seq}`,
    userId: user,
    shard: 0,
    workflow: 'txt2img',
    state: 'waiting',
    server: '',
    priority: false,
    front: null,
    seq,
    headAt: null,
    startedAt: null,
    checkpoint: 'x',
    loras: [],
    needs: [],
    ...over,
  };
}

const ids = (jobs: QueuedJob[]) => jobs.map((j) => j.id);

function server(url: string, over: Partial<ServerSlot> & { models?: string[] } = {}): ServerSlot {
  const { models, ...rest } = over;
  return {
    url,
    room: 1,
    idle: false,
    load: 1,
    using: null,
    has: (need: ModelNeed) => !models || models.includes(need.name),
    ...rest,
  };
}

describe('fair share', () => {
  it("puts another user's first job before one user's second", () => {
    const a = [1, 2, 3, 4, 5, 6].map((i) => job('a', { id: `a${i}` }));
    const b = job('b', { id: 'b1' });
    expect(ids(fairOrder([...a, b], []))).toEqual(['a1', 'b1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });

  it('counts what each user has on the servers: the user with the fewest goes first', () => {
    const waiting = [job('a', { id: 'a1' }), job('a', { id: 'a2' }), job('b', { id: 'b1' }), job('c', { id: 'c1' })];
    const running = [job('a', { state: 'running', server: 's1' }), job('b', { state: 'queued', server: 's1' }), job('b', { state: 'queued', server: 's2' })];
    // c has none, a one, b two.
    expect(ids(fairOrder(waiting, running))).toEqual(['c1', 'a1', 'a2', 'b1']);
  });

  it('breaks ties by whose oldest waiting job came first', () => {
    const waiting = [job('b', { id: 'b1' }), job('a', { id: 'a1' }), job('b', { id: 'b2' }), job('a', { id: 'a2' })];
    expect(ids(fairOrder(waiting, []))).toEqual(['b1', 'a1', 'b2', 'a2']);
  });

  it('puts members of priority roles first, fair among themselves, and front jobs before everyone', () => {
    const waiting = [
      job('a', { id: 'a1' }),
      job('p', { id: 'p1', priority: true }),
      job('p', { id: 'p2', priority: true }),
      job('q', { id: 'q1', priority: true }),
      job('b', { id: 'b1', front: -2 }),
      job('c', { id: 'c1', front: -3 }),
    ];
    expect(ids(fairOrder(waiting, []))).toEqual(['c1', 'b1', 'p1', 'q1', 'p2', 'a1']);
  });

  it('does not count a job still shown running on a server that already runs a later one', () => {
    const waiting = [job('a', { id: 'a2' }), job('b', { id: 'b2' })];
    // b's first ended (the ledger has not heard yet); a's first now runs on the same server.
    const onServers = [job('b', { state: 'running', server: 's1', startedAt: 1 }), job('a', { state: 'running', server: 's1', startedAt: 2 })];
    expect(ids(fairOrder(waiting, onServers))).toEqual(['b2', 'a2']);
  });

  it('is the same for the same rows, whatever order they are read in (a restart changes nothing)', () => {
    const rows = [job('a'), job('b'), job('a'), job('c', { priority: true }), job('b'), job('a', { front: -1 })];
    const once = ids(fairOrder(rows, []));
    expect(ids(fairOrder([...rows].reverse(), []))).toEqual(once);
  });
});

describe('where jobs go', () => {
  const now = 1_000_000;
  const options = { now, affinity: true, affinityMaxWaitMs: 5_000 };

  it('prefers a server with room that already uses the checkpoint, then the same LoRAs', () => {
    const order = [job('a', { id: 'x1', checkpoint: 'x', loras: ['l1'] })];
    const servers = [
      server('s1', { using: { checkpoint: 'y', loras: [] }, load: 0 }),
      server('s2', { using: { checkpoint: 'x', loras: [] } }),
      server('s3', { using: { checkpoint: 'x', loras: ['l1'] }, load: 2 }),
    ];
    expect(plan(order, servers, options).assignments.map((a) => a.server)).toEqual(['s3']);
  });

  it('sends a job only to servers that have its models', () => {
    const order = [job('a', { id: 'j', needs: [{ folder: 'checkpoints', name: 'rare' }], checkpoint: 'rare' })];
    expect(plan(order, [server('s1', { models: ['x'] })], options).assignments).toEqual([]);
    expect(plan(order, [server('s1', { models: ['x'] }), server('s2', { models: ['rare'] })], options).assignments.map((a) => a.server)).toEqual(['s2']);
  });

  it('holds the head for a busy server using its checkpoint; meanwhile a server with room takes the next job it already uses', () => {
    // z1 needs a model load wherever it runs, but y1 behind it can use room-y as it is: room-y takes y1.
    const order = [job('a', { id: 'x1', checkpoint: 'x' }), job('a', { id: 'x2', checkpoint: 'x' }), job('b', { id: 'z1', checkpoint: 'z' }), job('c', { id: 'y1', checkpoint: 'y' })];
    const servers = [server('busy-x', { room: 0, using: { checkpoint: 'x', loras: [] } }), server('room-y', { using: { checkpoint: 'y', loras: [] } })];
    const p = plan(order, servers, options);
    expect(p.holding).toMatchObject({ job: { id: 'x1' }, since: now, until: now + 5_000 });
    expect(p.assignments.map((a) => `${a.job.id}@${a.server}`)).toEqual(['y1@room-y']);
  });

  it('while the head holds, a job whose checkpoint no server uses may take a server no waiting job wants', () => {
    const order = [job('a', { id: 'x1', checkpoint: 'x' }), job('b', { id: 'z1', checkpoint: 'z' }), job('c', { id: 'x2', checkpoint: 'x' })];
    const servers = [server('busy-x', { room: 0, using: { checkpoint: 'x', loras: [] } }), server('room-y', { using: { checkpoint: 'y', loras: [] } })];
    const p = plan(order, servers, options);
    expect(p.holding?.job.id).toBe('x1');
    expect(p.assignments.map((a) => `${a.job.id}@${a.server}`)).toEqual(['z1@room-y']);
  });

  it('holds no longer than AFFINITY_MAX_WAIT_MS from when it began: then it switches the server with room', () => {
    const order = [job('a', { id: 'x1', checkpoint: 'x', headAt: now - 5_000 })];
    const servers = [server('busy-x', { room: 0, using: { checkpoint: 'x', loras: [] } }), server('room-y', { using: { checkpoint: 'y', loras: [] } })];
    const p = plan(order, servers, options);
    expect(p.holding).toBeUndefined();
    expect(p.assignments.map((a) => `${a.job.id}@${a.server}`)).toEqual(['x1@room-y']);
    expect(plan(order, servers, { ...options, affinityMaxWaitMs: 0 }).assignments).toHaveLength(1);
  });

  it('does not hold out for a busy server expected to be busy past the wait, or past when the free server runs dry', () => {
    const order = [job('a', { id: 'x1', checkpoint: 'x' })];
    const busy = (runningUntil: number) => server('busy-x', { room: 0, using: { checkpoint: 'x', loras: [] }, runningUntil });
    const free = server('room-y', { using: { checkpoint: 'y', loras: [] }, runningUntil: now + 400 });
    // Frees in 300 ms, before room-y runs dry: worth it.
    expect(plan(order, [busy(now + 300), free], options).holding?.job.id).toBe('x1');
    // Frees in 600 ms: room-y would idle first, so x1 goes there now.
    expect(plan(order, [busy(now + 600), free], options).assignments.map((a) => a.server)).toEqual(['room-y']);
    // Frees after AFFINITY_MAX_WAIT_MS: not worth waiting for.
    const lazy = server('room-y', { using: { checkpoint: 'y', loras: [] }, runningUntil: now + 60_000 });
    expect(plan(order, [busy(now + 6_000), lazy], options).assignments.map((a) => a.server)).toEqual(['room-y']);
  });

  it('never leaves a GPU idle while a job it can run waits: the idle server takes the held job', () => {
    const order = [job('a', { id: 'x1', checkpoint: 'x' })];
    const servers = [server('busy-x', { room: 0, using: { checkpoint: 'x', loras: [] } }), server('idle-y', { idle: true, using: { checkpoint: 'y', loras: [] } })];
    const p = plan(order, servers, options);
    expect(p.holding).toBeUndefined();
    expect(p.assignments.map((a) => `${a.job.id}@${a.server}`)).toEqual(['x1@idle-y']);
  });

  it('when it must switch, picks an idle server, then the one whose checkpoint fewer waiting jobs want', () => {
    const order = [job('a', { id: 'z1', checkpoint: 'z' }), job('b', { id: 'x2', checkpoint: 'x' }), job('c', { id: 'x3', checkpoint: 'x' })];
    const servers = [server('uses-x', { room: 1, using: { checkpoint: 'x', loras: [] } }), server('uses-y', { room: 1, using: { checkpoint: 'y', loras: [] } })];
    const p = plan(order, servers, options);
    expect(p.assignments.map((a) => `${a.job.id}@${a.server}`)).toEqual(['z1@uses-y', 'x2@uses-x']);
  });

  it('fills each server only up to its room', () => {
    const order = [1, 2, 3, 4, 5].map((i) => job(`u${i}`, { id: `j${i}` }));
    const p = plan(order, [server('s1', { room: 2, using: { checkpoint: 'x', loras: [] } }), server('s2', { room: 1, using: { checkpoint: 'x', loras: [] } })], options);
    expect(p.assignments).toHaveLength(3);
    expect(p.assignments.filter((a) => a.server === 's1')).toHaveLength(2);
  });

  it('at depth 0 sends everything at once to the least-loaded servers, as before the queue', () => {
    const order = [1, 2, 3, 4].map((i) => job(`u${i}`, { id: `j${i}`, checkpoint: i % 2 ? 'x' : 'y' }));
    const servers = [server('s1', { room: Infinity, load: 0 }), server('s2', { room: Infinity, load: 1 })];
    const p = plan(order, servers, { ...options, affinity: false });
    expect(p.assignments.map((a) => `${a.job.id}@${a.server}`)).toEqual(['j1@s1', 'j2@s1', 'j3@s2', 'j4@s1']);
  });
});

describe('positions', () => {
  it('are 1 + the prompts pending on the servers + the jobs ahead in the bot', () => {
    const order = [job('a', { id: 'first' }), job('b', { id: 'second' })];
    expect(Object.fromEntries(waitingPositions(order, 3))).toEqual({ first: { position: 4, total: 5 }, second: { position: 5, total: 5 } });
  });
});
