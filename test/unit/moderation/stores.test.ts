// The stores and small pieces behind moderation and operations: bans, the banned-word
// list, purge, the database probe, readiness, route classes and shard ports.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../../src/discord/i18n/index.ts';
import { asSpoilers, finalView, liveView, spoilerName } from '../../../src/discord/job-view.ts';
import { BanStore } from '../../../src/jobs/bans.ts';
import { Ledger, SCHEMA_VERSION, type JobRow, type NewJob } from '../../../src/jobs/ledger.ts';
import { JobService } from '../../../src/jobs/service.ts';
import type { BackendPool } from '../../../src/jobs/backends.ts';
import { silentLogger } from '../../../src/log.ts';
import { BannedWordList, BannedWordsFileError } from '../../../src/moderation/banned-word-list.ts';
import { DatabaseProbe } from '../../../src/ops/database-probe.ts';
import { portForShard } from '../../../src/ops/http-server.ts';
import { routeClass } from '../../../src/ops/metrics.ts';
import { readiness } from '../../../src/ops/readiness.ts';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe('BanStore', () => {
  it('bans per server or everywhere, beside the ledger in the same file, and keeps them across a reopen', () => {
    const file = join(tmp('bans-'), 'jobs.sqlite');
    const ledger = new Ledger(file);
    const bans = new BanStore(file);
    bans.ban('u1', { guildId: 'g1', by: 'mod', reason: 'spam' }, 100);
    bans.ban('u2', { guildId: null }, 200);
    expect(bans.isBanned('u1', 'g1')).toBe(true);
    expect(bans.isBanned('u1', 'g2')).toBe(false);
    expect(bans.isBanned('u2', 'g2')).toBe(true);
    // In a DM any ban counts.
    expect(bans.isBanned('u1', null)).toBe(true);
    expect(bans.isBanned('u3', null)).toBe(false);
    expect(bans.get('u1', 'g1')).toEqual({ userId: 'u1', guildId: 'g1', by: 'mod', reason: 'spam', createdAt: 100 });
    // Banning again updates who and why.
    bans.ban('u1', { guildId: 'g1', by: 'other', reason: null }, 300);
    expect(bans.get('u1', 'g1')).toMatchObject({ by: 'other', reason: null, createdAt: 300 });
    expect(bans.list('g1').map((b) => b.userId)).toEqual(['u1', 'u2']);
    expect(bans.list('g2').map((b) => b.userId)).toEqual(['u2']);
    bans.close();
    ledger.close();

    const again = new BanStore(file);
    expect(again.list().map((b) => [b.userId, b.guildId])).toEqual([
      ['u1', 'g1'],
      ['u2', null],
    ]);
    expect(again.unban('u1', 'g1')).toBe(true);
    expect(again.unban('u1', 'g1')).toBe(false);
    expect(again.unban('u2', 'g1')).toBe(false); // a ban everywhere is lifted everywhere only
    expect(again.isBanned('u2', 'g1')).toBe(true);
    again.close();
    // The ledger's own schema is untouched by the extra table.
    const reopened = new Ledger(file);
    expect(reopened.schemaVersion).toBe(SCHEMA_VERSION);
    reopened.close();
  });
});

describe('BannedWordList', () => {
  it('joins BANNED_WORDS and the file, re-reads the file on reload, and keeps the words when it cannot', () => {
    const file = join(tmp('words-'), 'words.txt');
    writeFileSync(file, 'gore\n# comment\n');
    const list = new BannedWordList({ words: ['blood'], file });
    expect(list.size).toBe(2);
    expect(list.find('a BLOOD moon')).toBe('blood');
    writeFileSync(file, 'gore\nkraken\n');
    expect(list.reload()).toBe(3);
    rmSync(file);
    expect(() => list.reload()).toThrow(BannedWordsFileError);
    expect(list.find('the kraken wakes')).toBe('kraken');
  });

  it('refuses to start from a file it cannot read: no words would let everything through', () => {
    expect(() => new BannedWordList({ words: [], file: join(tmp('words-'), 'missing.txt') })).toThrow(/BANNED_WORDS_FILE .*missing\.txt could not be read \(ENOENT\)/);
  });
});

function job(id: string, delivery: Partial<JobRow['delivery']> = {}): NewJob {
  return {
    id,
    promptId: `p-${id}`,
    server: 'http://s',
    shard: 0,
    userId: 'u',
    workflow: 'txt2img',
    params: {},
    inputs: {},
    seeds: {},
    delivery: { guildId: 'g', channelId: 'c', messageId: `m-${id}`, applicationId: 'a', interactionToken: null, tokenExpiresAt: null, channelMessageId: null, ...delivery },
  };
}

describe('purge', () => {
  it('forgets delivered jobs older than the cutoff with their kept inputs, and old input folders left without a job', async () => {
    const dataDir = tmp('purge-');
    const ledger = new Ledger(join(dataDir, 'jobs.sqlite'));
    const day = 86_400_000;
    const now = 100 * day;
    ledger.insert(job('old'), now - 10 * day);
    ledger.update('old', { state: 'delivered', outcome: 'success' });
    ledger.insert(job('oldrunning'), now - 10 * day);
    ledger.update('oldrunning', { state: 'running' });
    ledger.insert(job('new'), now - day);
    ledger.update('new', { state: 'delivered', outcome: 'success' });
    for (const id of ['old', 'new', 'orphan', 'fresh-orphan']) {
      mkdirSync(join(dataDir, 'inputs', id), { recursive: true });
      writeFileSync(join(dataDir, 'inputs', id, 'image-a.png'), 'x');
    }
    const old = new Date(now - 10 * day);
    utimesSync(join(dataDir, 'inputs', 'orphan'), old, old);
    utimesSync(join(dataDir, 'inputs', 'fresh-orphan'), new Date(now), new Date(now));
    const pool = { on: () => pool, backends: [] } as unknown as BackendPool;
    const service = new JobService({ ledger, pool, workflows: new Map(), dataDir, limits: { maxConcurrent: 1, perMinute: 1 }, log: silentLogger });

    expect(await service.purge(7 * day, now)).toEqual({ jobs: 1, orphanInputFolders: 1 });
    expect(ledger.get('old')).toBeUndefined();
    expect(ledger.get('oldrunning')?.state).toBe('running');
    expect(ledger.get('new')).toBeDefined();
    expect(existsSync(join(dataDir, 'inputs', 'old'))).toBe(false);
    expect(existsSync(join(dataDir, 'inputs', 'orphan'))).toBe(false);
    expect(existsSync(join(dataDir, 'inputs', 'new'))).toBe(true);
    expect(existsSync(join(dataDir, 'inputs', 'fresh-orphan'))).toBe(true); // may be a job being recorded right now
    ledger.close();
  });
});

describe('DatabaseProbe', () => {
  it('writes to check, at most once a second, and says why it cannot', () => {
    const dir = tmp('probe-');
    const file = join(dir, 'jobs.sqlite');
    new Ledger(file).close();
    const probe = new DatabaseProbe(file, 1_000);
    expect(probe.check(10_000)).toEqual({ ok: true });
    rmSync(dir, { recursive: true, force: true });
    probe.close();
    // Cached within the interval; checked afresh after it.
    expect(probe.check(10_500)).toEqual({ ok: true });
    const failed = probe.check(11_500);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/unable to open|directory does not exist|no such file/i);
    expect(failed.error).not.toContain(dir);
    probe.close();
  });
});

describe('readiness', () => {
  it('is ready only when the gateway, the database and at least one server are', () => {
    const up = { server: 'http://a', healthy: true };
    const down = { server: 'http://b', healthy: false };
    expect(readiness({ gateway: true, database: { ok: true }, servers: [down, up] })).toMatchObject({ ready: true, notReady: [] });
    expect(readiness({ gateway: false, database: { ok: false, error: 'disk full' }, servers: [down] })).toEqual({
      ready: false,
      notReady: ['discord_gateway', 'database', 'comfyui'],
      checks: {
        discord_gateway: { ok: false },
        database: { ok: false, error: 'disk full' },
        comfyui: { ok: false, servers: [down] },
      },
    });
    expect(readiness({ gateway: true, database: { ok: true }, servers: [] }).notReady).toEqual(['comfyui']);
  });
});

describe('metrics labels and ports', () => {
  it('route classes are a fixed set that never carries an id or a token', () => {
    expect(routeClass('/interactions/:id/:token/callback')).toBe('interaction_callback');
    expect(routeClass('/webhooks/:id/:token/messages/@original')).toBe('interaction_webhook');
    expect(routeClass('/webhooks/:id/aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnRva2Vu/messages/:id')).toBe('interaction_webhook');
    expect(routeClass('/channels/:id/messages/:id/reactions/:reaction/@me')).toBe('reactions');
    expect(routeClass('/channels/:id/messages/:id')).toBe('channel_messages');
    expect(routeClass('/channels/:id/messages')).toBe('channel_messages');
    expect(routeClass('/channels/:id')).toBe('channels');
    expect(routeClass('/applications/:id/guilds/:id/commands')).toBe('commands');
    expect(routeClass('/applications/:id/commands')).toBe('commands');
    expect(routeClass('/guilds/:id/members/:id')).toBe('guild_members');
    expect(routeClass('/gateway/bot')).toBe('gateway');
    expect(routeClass('/users/@me')).toBe('users');
    expect(routeClass('/something/new?x=1')).toBe('other');
  });

  it('shard n listens on HTTP_PORT + n; 0 (any free port) stays 0', () => {
    expect(portForShard(9464, 0)).toBe(9464);
    expect(portForShard(9464, 3)).toBe(9467);
    expect(portForShard(0, 2)).toBe(0);
  });
});

describe('spoiler views', () => {
  const tr = translator('en-US');
  const row: JobRow = {
    ...job('abc'),
    params: { prompt: 'a surprise' },
    state: 'running',
    outcome: null,
    result: null,
    attempts: 1,
    createdAt: 0,
    updatedAt: 0,
    startedAt: 0,
    finishedAt: null,
    queueSeq: null,
    priority: false,
    front: null,
    headAt: null,
    dispatchedAt: null,
    checkpoint: null,
    loras: [],
    needs: [],
    delivery: { ...job('abc').delivery, spoiler: true },
  };

  it('name files SPOILER_ once, in the first message and the follow-ups', () => {
    expect(spoilerName('a.png')).toBe('SPOILER_a.png');
    expect(spoilerName('SPOILER_a.png')).toBe('SPOILER_a.png');
    const marked = asSpoilers({ files: [{ name: 'a.png', data: Buffer.from('1') }], overflow: [[{ name: 'b.png', data: Buffer.from('2') }]], missing: 0, notes: [] });
    expect([marked.files[0]!.name, marked.overflow[0]![0]!.name]).toEqual(['SPOILER_a.png', 'SPOILER_b.png']);
  });

  it('keep a spoiler preview and result out of embeds (Discord would show them unblurred)', () => {
    const live = liveView(row, { phase: 'running', preview: { image: Buffer.from('p'), mime: 'image/jpeg' } }, tr);
    expect(live.files.map((f) => f.name)).toEqual(['SPOILER_preview.jpg']);
    expect(live.embeds).toEqual([]);
    const result = {
      kind: 'success' as const,
      outputs: [{ kind: 'image' as const, filename: 'out.png', subfolder: '', type: 'output' as const, nodeId: '9' }],
      server: 'http://s',
      seeds: {},
      cached: false,
      durationMs: 1,
    };
    const final = finalView(row, result, tr, asSpoilers({ files: [{ name: 'out.png', data: Buffer.from('1'), kind: 'image' }], overflow: [], missing: 0, notes: [] }));
    expect(final.files.map((f) => f.name)).toEqual(['SPOILER_out.png']);
    expect(final.embeds[0]?.image).toBeUndefined();
    const plain = finalView({ ...row, delivery: { ...row.delivery, spoiler: false } }, result, tr, { files: [{ name: 'out.png', data: Buffer.from('1'), kind: 'image' }], overflow: [], missing: 0, notes: [] });
    expect(plain.embeds[0]?.image).toEqual({ url: 'attachment://out.png' });
  });
});
