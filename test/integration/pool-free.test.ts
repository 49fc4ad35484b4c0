// `free` on every server (for /admin free): ComfyUI's POST /free, one result per server.
import { afterEach, describe, expect, it } from 'vitest';
import { BackendPool } from '../../src/jobs/backends.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeComfy } from '../fakes/comfy/index.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('BackendPool.free', () => {
  it('asks every server to unload models and free memory; a dead one fails alone, its address redacted', async () => {
    const [a, b] = await Promise.all([FakeComfy.start(), FakeComfy.start()]);
    cleanups.push(() => a.stop(), () => b.stop());
    const withCredentials = b.url.replace('http://', 'http://admin:hunter2@');
    const pool = new BackendPool({ urls: [a.url, withCredentials], clientId: 'free-test', log: silentLogger, timeoutMs: 2_000 });
    cleanups.push(() => pool.stop());
    await b.kill();
    const outcomes = await pool.free();
    expect(outcomes[0]).toEqual({ name: 'gpu1', url: a.url.replace(/\/$/, ''), ok: true });
    expect(outcomes[1]).toMatchObject({ name: 'gpu2', ok: false, error: expect.stringContaining('unreachable') });
    expect(JSON.stringify(outcomes)).not.toContain('hunter2');
    const free = a.requests.find((r) => r.path === '/free');
    expect(free?.json).toEqual({ unload_models: true, free_memory: true });
  });
});
