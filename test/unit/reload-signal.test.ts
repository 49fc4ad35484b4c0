// /admin reload under SHARDS: a reload announced by one process is seen once by every other.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/jobs/ledger.ts';
import { ReloadSignal } from '../../src/jobs/reload-signal.ts';

describe('ReloadSignal', () => {
  it('tells every other shard once per reload, never the one that reloaded, and counts two at once as two', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reload-')), 'jobs.sqlite');
    const [a, b, c] = [new Ledger(file), new Ledger(file), new Ledger(file)];
    const [sa, sb, sc] = [new ReloadSignal(a), new ReloadSignal(b), new ReloadSignal(c)];
    expect([sa.takeNew(), sb.takeNew(), sc.takeNew()]).toEqual([false, false, false]);
    sa.announce();
    expect([sa.takeNew(), sb.takeNew(), sc.takeNew()]).toEqual([false, true, true]);
    expect([sb.takeNew(), sc.takeNew()]).toEqual([false, false]);
    // Two shards reload at the same moment: each still sees the other's.
    sa.announce();
    sb.announce();
    expect([sa.takeNew(), sb.takeNew(), sc.takeNew()]).toEqual([true, false, true]);
    // A shard started after the last reload has nothing to follow.
    const d = new Ledger(file);
    expect(new ReloadSignal(d).takeNew()).toBe(false);
    for (const l of [a, b, c, d]) l.close();
  });
});
