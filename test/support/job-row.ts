// A job's ledger row for the pure view tests: a running job with nothing unusual,
// to which a test gives what it is about.
import type { JobRow } from '../../src/jobs/ledger.ts';

export function jobRow(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: 'abc123',
    promptId: 'p',
    server: 'http://s',
    shard: 0,
    userId: '42',
    workflow: 'txt2img',
    params: {},
    inputs: {},
    seeds: {},
    state: 'running',
    outcome: null,
    result: null,
    delivery: { guildId: 'g', channelId: 'c', messageId: 'm', applicationId: 'a', interactionToken: 't', tokenExpiresAt: 0, channelMessageId: null },
    attempts: 1,
    createdAt: 0,
    updatedAt: 0,
    startedAt: 0,
    finishedAt: null,
    queueSeq: 1,
    priority: false,
    front: null,
    headAt: null,
    dispatchedAt: 0,
    checkpoint: null,
    loras: [],
    needs: [],
    ...overrides,
  };
}
