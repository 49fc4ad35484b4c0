import { describe, expect, it } from 'vitest';
import { Job, type QueueEntry, type QueueSnapshot } from '../../src/comfy/index.ts';
import { QueuePositions } from '../../src/comfy/positions.ts';

function entry(promptId: string, number: number): QueueEntry {
  return { promptId, number, clientId: undefined, createTime: undefined, outputs: [], item: [number, promptId, {}, {}, []] };
}

/** A host with jobs `ids`, all waiting, whose GET /queue answers when the test says so. */
function setup(ids: string[], intervalMs = 0) {
  const jobs = new Map(ids.map((id) => [id, new Job(id, undefined, { cancel: () => Promise.reject(new Error('no')) })]));
  for (const job of jobs.values()) job.markPending(undefined, 0);
  const reads: Array<(q: QueueSnapshot) => void> = [];
  const positions = new QueuePositions(
    {
      readQueue: () => new Promise((resolve) => reads.push(resolve)),
      job: (id) => jobs.get(id),
      hasWaitingJobs: () => [...jobs.values()].some((j) => j.phase === 'pending'),
    },
    intervalMs,
  );
  const at = () => Object.fromEntries([...jobs].map(([id, j]) => [id, j.position]));
  return { jobs, reads, positions, at };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('QueuePositions', () => {
  it('derives positions from our own prompts joining and leaving, without reading the queue', () => {
    const { reads, positions, at } = setup(['a', 'b', 'c']);
    positions.joined('a', 1);
    positions.joined('c', 3);
    positions.joined('b', 2);
    expect(at()).toEqual({ a: 1, b: 2, c: 3 });
    positions.left('a');
    expect(at()).toEqual({ a: 1, b: 1, c: 2 });
    expect(reads).toHaveLength(0);
  });

  it('takes the server list as the truth, keeping what changed while it was read', async () => {
    const { reads, positions, at } = setup(['a', 'b', 'c']);
    positions.joined('a', 10);
    positions.joined('b', 11);
    positions.refresh();
    expect(reads).toHaveLength(1);
    // While the read is under way: a starts, c joins; the answer predates both.
    positions.left('a');
    positions.joined('c', 12);
    reads[0]!({ running: [], pending: [entry('x', 1), entry('a', 10), entry('b', 11)] });
    await settle();
    expect(at()).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('reads at most once per interval, one read at a time, and once more after the last change', async () => {
    const { reads, positions } = setup(['a'], 30);
    positions.joined('a', 1);
    positions.refresh();
    positions.refresh();
    expect(reads).toHaveLength(1);
    reads[0]!({ running: [], pending: [entry('a', 1)] });
    await settle();
    positions.refresh();
    expect(reads).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(reads).toHaveLength(2);
    positions.stop();
  });
});
