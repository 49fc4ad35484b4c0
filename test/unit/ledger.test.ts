import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, type NewJob } from '../../src/jobs/ledger.ts';
import { checkLimits } from '../../src/jobs/limits.ts';
import { UserError } from '../../src/jobs/user-error.ts';

function newJob(id: string, userId = 'u1'): NewJob {
  return {
    id,
    promptId: `p-${id}`,
    server: 'http://127.0.0.1:8188',
    shard: 0,
    userId,
    workflow: 'txt2img',
    params: { prompt: 'a "quoted" \\ prompt\nwith lines' },
    inputs: {},
    seeds: { '3.seed': 42 },
    delivery: {
      guildId: 'g',
      channelId: 'c',
      messageId: `m-${id}`,
      applicationId: 'app',
      interactionToken: 'tok',
      tokenExpiresAt: 1,
      channelMessageId: null,
    },
  };
}

describe('Ledger', () => {
  it('keeps jobs across a reopen, with their parameters intact', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'jobs.sqlite');
    const a = new Ledger(file);
    a.insert(newJob('j1'));
    a.update('j1', { state: 'running', startedAt: 5 });
    a.close();
    const b = new Ledger(file);
    const row = b.get('j1');
    expect(row?.state).toBe('running');
    expect(row?.params['prompt']).toBe('a "quoted" \\ prompt\nwith lines');
    expect(row?.seeds).toEqual({ '3.seed': 42 });
    expect(b.schemaVersion).toBe(3);
    expect(b.unfinished().map((r) => r.id)).toEqual(['j1']);
    b.update('j1', { state: 'delivered' });
    expect(b.unfinished()).toEqual([]);
    b.close();
  });

  it('finds a job by its prompt id and by either of its messages', () => {
    const l = new Ledger(':memory:');
    l.insert(newJob('j1'));
    expect(l.byPromptId('p-j1')?.id).toBe('j1');
    expect(l.byMessageId('m-j1')?.id).toBe('j1');
    l.update('j1', { delivery: { ...l.get('j1')!.delivery, channelMessageId: 'moved' } });
    expect(l.byMessageId('moved')?.id).toBe('j1');
    l.close();
  });

  it('limits how many jobs a user has at once and per minute', () => {
    const l = new Ledger(':memory:');
    l.insert(newJob('a'));
    l.insert(newJob('b'));
    expect(() => checkLimits(l, 'u1', { maxConcurrent: 2, perMinute: 10 })).toThrow(/limits.concurrent {"active":2,"limit":2}/);
    expect(() => checkLimits(l, 'u2', { maxConcurrent: 2, perMinute: 10 })).not.toThrow();
    l.update('a', { state: 'delivered' });
    l.update('b', { state: 'delivered' });
    expect(() => checkLimits(l, 'u1', { maxConcurrent: 2, perMinute: 2 })).toThrow(UserError);
    expect(() => checkLimits(l, 'u1', { maxConcurrent: 2, perMinute: 2 }, Date.now() + 61_000)).not.toThrow();
    l.close();
  });

  it('reads a result written before outputs had kinds (images) as outputs, and an unreadable one as none', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'jobs.sqlite');
    const l = new Ledger(file);
    l.insert(newJob('old'));
    l.insert(newJob('bad'));
    l.close();
    const raw = new Database(file);
    const old = { kind: 'success', images: [{ filename: 'x_00001_.png', subfolder: '', type: 'output', nodeId: '9' }], server: 's', seeds: {}, cached: false, durationMs: 3 };
    raw.prepare('UPDATE jobs SET result = ?, state = ? WHERE id = ?').run(JSON.stringify(old), 'delivered', 'old');
    raw.prepare('UPDATE jobs SET result = ? WHERE id = ?').run(JSON.stringify({ kind: 'success', outputs: 'nonsense' }), 'bad');
    raw.close();
    const again = new Ledger(file);
    const result = again.get('old')?.result;
    expect(result?.kind === 'success' && result.outputs).toEqual([{ kind: 'image', filename: 'x_00001_.png', subfolder: '', type: 'output', nodeId: '9' }]);
    expect(again.get('bad')?.result).toBeNull();
    again.close();
  });

  it('keeps the upload limit and language a job started with, and reads rows that have neither', () => {
    const l = new Ledger(':memory:');
    l.insert({ ...newJob('j'), delivery: { ...newJob('j').delivery, uploadLimit: 10 * 1024 * 1024, locale: 'zh-CN' } });
    expect(l.get('j')?.delivery).toMatchObject({ uploadLimit: 10 * 1024 * 1024, locale: 'zh-CN' });
    l.insert(newJob('k'));
    expect(l.get('k')?.delivery.uploadLimit).toBeUndefined();
    l.close();
  });
});
