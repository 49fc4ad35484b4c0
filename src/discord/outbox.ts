// Every job message edit goes through here: coalesced per message (only the
// newest state is sent), at most one edit per message per interval, and a
// bot-wide request budget in which final results go before progress.

export type Priority = 'final' | 'progress';

/** The bot is stopping and this state was never sent (a result stays undelivered, for the next start). */
export class OutboxClosedError extends Error {
  override name = 'OutboxClosedError';
  constructor() {
    super('the bot is stopping; this message edit was not sent');
  }
}

interface Slot {
  key: string;
  priority: Priority;
  /** Counts against the bot-wide budget (bot-token requests); interaction-token edits do not. */
  global: boolean;
  send: () => Promise<void>;
  /** Earliest time this message may be edited again. */
  notBefore: number;
  resolvers: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

export interface OutboxOptions {
  /** Minimum time between two edits of the same message. */
  perMessageIntervalMs: number;
  /** Bot-wide budget; Discord allows about 50 requests a second per bot. */
  requestsPerSecond: number;
  now?: () => number;
}

export class Outbox {
  private readonly waiting = new Map<string, Slot>();
  private readonly lastSent = new Map<string, number>();
  /**
   * When requests finished. A request reaches Discord somewhere between its
   * dispatch and its completion, so "in flight + finished within the last
   * second" bounds what Discord can count in any one-second window, however
   * late a busy event loop sends it.
   */
  private readonly finishedAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<string>();
  private globalInFlight = 0;
  private closed = false;
  private readonly now: () => number;
  requestsSent = 0;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Queues `send` as the next state of message `key`, replacing any state not
   * yet sent. Resolves when this state (or a newer one) has been sent.
   * A `final` send is never replaced by a progress one. Requests made with an
   * interaction token are not bound to Discord's global rate limit: pass
   * `global: false` and only the per-message interval applies. `intervalMs`
   * lengthens that interval for this state (never shortens it).
   */
  push(key: string, priority: Priority, send: () => Promise<void>, options: { global?: boolean; intervalMs?: number } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new OutboxClosedError());
    return new Promise((resolve, reject) => {
      const existing = this.waiting.get(key);
      if (existing?.priority === 'final' && priority === 'progress') {
        resolve();
        return;
      }
      const interval = Math.max(this.options.perMessageIntervalMs, options.intervalMs ?? 0);
      const notBefore = priority === 'final' ? 0 : (this.lastSent.get(key) ?? -Infinity) + interval;
      const slot: Slot = {
        key,
        priority,
        global: options.global ?? true,
        send,
        notBefore,
        resolvers: [...(existing?.resolvers ?? []), { resolve, reject }],
      };
      this.waiting.set(key, slot);
      this.pump();
    });
  }

  /** Forgets a message (it was deleted or the job is over): pending states are dropped. */
  drop(key: string): void {
    const slot = this.waiting.get(key);
    this.waiting.delete(key);
    this.lastSent.delete(key);
    slot?.resolvers.forEach((r) => r.resolve());
  }

  /** Stops sending. States not sent yet reject with OutboxClosedError: nobody may take them as sent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const slot of this.waiting.values()) slot.resolvers.forEach((r) => r.reject(new OutboxClosedError()));
    this.waiting.clear();
  }

  get pending(): number {
    return this.waiting.size;
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const now = this.now();
    while (this.finishedAt.length && this.finishedAt[0]! <= now - 1000) this.finishedAt.shift();
    let budget = this.options.requestsPerSecond - this.finishedAt.length - this.globalInFlight;
    let nextWake = Infinity;
    let globalLeft = false;
    // Finals first, then progress; within each, in the order the messages were queued.
    // Runs on every push and every answer, so it walks the map without building arrays.
    for (const priority of PRIORITIES) {
      for (const slot of this.waiting.values()) {
        if (slot.priority !== priority || this.inFlight.has(slot.key)) continue;
        if (slot.global && budget <= 0) {
          globalLeft = true;
          continue;
        }
        if (slot.notBefore > now) {
          nextWake = Math.min(nextWake, slot.notBefore);
          continue;
        }
        if (slot.global) budget--;
        this.dispatch(slot, now);
      }
    }
    if (globalLeft && this.finishedAt.length) nextWake = Math.min(nextWake, this.finishedAt[0]! + 1000);
    if (nextWake !== Infinity && this.waiting.size > 0) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, nextWake - this.now()));
    }
  }

  private dispatch(slot: Slot, now: number): void {
    this.waiting.delete(slot.key);
    this.inFlight.add(slot.key);
    if (slot.global) this.globalInFlight++;
    this.lastSent.set(slot.key, now);
    this.requestsSent++;
    slot
      .send()
      .then(
        () => slot.resolvers.forEach((r) => r.resolve()),
        (err: unknown) => slot.resolvers.forEach((r) => r.reject(err)),
      )
      .finally(() => {
        this.inFlight.delete(slot.key);
        if (slot.global) {
          this.globalInFlight--;
          this.finishedAt.push(this.now());
        }
        this.pump();
      });
  }
}

const PRIORITIES: readonly Priority[] = ['final', 'progress'];
