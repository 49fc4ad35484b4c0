import { describe, expect, it } from 'vitest';
import { Outbox, OutboxClosedError } from '../../src/discord/outbox.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Outbox', () => {
  it('sends only the newest state of a message that changed while an edit was in flight', async () => {
    const outbox = new Outbox({ perMessageIntervalMs: 0, requestsPerSecond: 50 });
    const sent: string[] = [];
    const gate = deferred();
    const first = outbox.push('m', 'progress', async () => {
      sent.push('1');
      await gate.promise;
    });
    const second = outbox.push('m', 'progress', async () => void sent.push('2'));
    const third = outbox.push('m', 'progress', async () => void sent.push('3'));
    gate.resolve();
    await Promise.all([first, second, third]);
    expect(sent).toEqual(['1', '3']);
    outbox.close();
  });

  it('reports a state still waiting when it closes as not sent, so a result is never taken as delivered', async () => {
    const outbox = new Outbox({ perMessageIntervalMs: 0, requestsPerSecond: 50 });
    const gate = deferred();
    const busy = outbox.push('m', 'progress', () => gate.promise);
    let sent = false;
    const final = outbox.push('m', 'final', async () => void (sent = true));
    outbox.close();
    await expect(final).rejects.toBeInstanceOf(OutboxClosedError);
    await expect(outbox.push('n', 'final', async () => void (sent = true))).rejects.toBeInstanceOf(OutboxClosedError);
    gate.resolve();
    await busy; // what was already in flight still completes
    expect(sent).toBe(false);
  });

  it('never lets a progress state replace a final one', async () => {
    const outbox = new Outbox({ perMessageIntervalMs: 0, requestsPerSecond: 50 });
    const sent: string[] = [];
    const gate = deferred();
    const busy = outbox.push('m', 'progress', () => gate.promise);
    const final = outbox.push('m', 'final', async () => void sent.push('final'));
    const late = outbox.push('m', 'progress', async () => void sent.push('late progress'));
    gate.resolve();
    await Promise.all([busy, final, late]);
    expect(sent).toEqual(['final']);
    outbox.close();
  });

  it('keeps the bot-wide budget and sends final results before progress', async () => {
    let now = 0;
    const outbox = new Outbox({ perMessageIntervalMs: 0, requestsPerSecond: 2, now: () => now });
    const order: string[] = [];
    const all = [
      outbox.push('a', 'progress', async () => void order.push('a-progress')),
      outbox.push('b', 'progress', async () => void order.push('b-progress')),
    ];
    await Promise.all(all);
    // The budget of 2 per second is used up: the next sends wait for the window to move.
    const later = [
      outbox.push('c', 'progress', async () => void order.push('c-progress')),
      outbox.push('d', 'final', async () => void order.push('d-final')),
    ];
    expect(order).toEqual(['a-progress', 'b-progress']);
    now = 1001;
    await Promise.all(later);
    expect(order.slice(2)).toEqual(['d-final', 'c-progress']);
    outbox.close();
  });

  it('edits one message at most once per interval', async () => {
    let now = 0;
    const outbox = new Outbox({ perMessageIntervalMs: 1500, requestsPerSecond: 50, now: () => now });
    const sent: number[] = [];
    await outbox.push('m', 'progress', async () => void sent.push(now));
    const next = outbox.push('m', 'progress', async () => void sent.push(now));
    expect(sent).toEqual([0]);
    now = 1500;
    await next;
    expect(sent).toEqual([0, 1500]);
    outbox.close();
  });
});

describe('Outbox intervals per state', () => {
  it('waits longer for a state that asks for it (a job far back in the queue), and the usual time once a newer state does not', async () => {
    let now = 0;
    const outbox = new Outbox({ perMessageIntervalMs: 10, requestsPerSecond: 50, now: () => now });
    const sent: string[] = [];
    await outbox.push('m', 'progress', async () => void sent.push(`first at ${now}`));
    let farSent = false;
    const far = outbox.push('m', 'progress', async () => void (farSent = true), { intervalMs: 40 });
    now = 20; // past the usual interval, not past the longer one
    await new Promise((r) => setTimeout(r, 30)); // let a wake-up at the usual interval happen, if one was set
    expect(farSent).toBe(false);
    // The job moved near the front: its newest state asks for no more than the usual interval.
    const near = outbox.push('m', 'progress', async () => void sent.push(`near at ${now}`));
    await Promise.all([far, near]);
    expect(farSent).toBe(false);
    expect(sent).toEqual(['first at 0', 'near at 20']);
    outbox.close();
  });
});

describe('Outbox and interaction-token requests', () => {
  it('does not hold interaction-token edits to the bot-wide budget', async () => {
    const now = 0;
    const outbox = new Outbox({ perMessageIntervalMs: 0, requestsPerSecond: 1, now: () => now });
    const sent: string[] = [];
    await outbox.push('a', 'progress', async () => void sent.push('bot-token'));
    await Promise.all(
      ['b', 'c', 'd'].map((k) => outbox.push(k, 'final', async () => void sent.push(`interaction ${k}`), { global: false })),
    );
    expect(sent).toEqual(['bot-token', 'interaction b', 'interaction c', 'interaction d']);
    outbox.close();
  });
});
