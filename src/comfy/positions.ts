// Queue positions of waiting jobs. Reading GET /queue costs both sides a lot
// (it carries every waiting workflow), so it is read at most once per interval,
// one request at a time; in between, positions are derived from what this
// client knows for sure: its own prompts joining the queue and leaving it.
import type { QueueSnapshot } from './http.ts';
import type { Job } from './job.ts';

export interface PositionsHost {
  readQueue(): Promise<QueueSnapshot>;
  job(promptId: string): Job | undefined;
  hasWaitingJobs(): boolean;
}

interface Waiting {
  promptId: string;
  number: number;
}

export class QueuePositions {
  /** Pending prompts in run order as the server last listed them, updated with what we learned since. */
  private order: Waiting[] = [];
  /** Our prompts that left the queue while a read was under way: its answer may still list them. */
  private readonly leftDuringRead = new Set<string>();
  /** Our prompts that joined while a read was under way: its answer may not list them yet. */
  private readonly joinedDuringRead: Waiting[] = [];
  private reading = false;
  /** The queue changed since the last read started. */
  private stale = false;
  private timer: NodeJS.Timeout | undefined;
  private lastReadAt = -Infinity;

  constructor(
    private readonly host: PositionsHost,
    private readonly intervalMs: number,
  ) {}

  /** The queue changed (someone's prompt came or went): read it again once the interval allows. */
  refresh(): void {
    this.stale = true;
    this.schedule();
  }

  /** One of our prompts joined the queue: it runs after every waiting prompt with a number not above its own. */
  joined(promptId: string, number: number): void {
    if (this.reading) this.joinedDuringRead.push({ promptId, number });
    this.publish(this.insert({ promptId, number }));
  }

  /** One of our prompts left the queue (it started, ended or was deleted): every prompt behind it moves up. */
  left(promptId: string): void {
    if (this.reading) this.leftDuringRead.add(promptId);
    const at = this.order.findIndex((w) => w.promptId === promptId);
    if (at < 0) return;
    this.order.splice(at, 1);
    this.publish(at);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.reading || this.timer || !this.stale) return;
    if (!this.host.hasWaitingJobs()) {
      this.stale = false;
      return;
    }
    const wait = this.lastReadAt + this.intervalMs - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      this.timer.unref();
      return;
    }
    this.read();
  }

  private read(): void {
    this.stale = false;
    this.reading = true;
    this.lastReadAt = performance.now();
    this.leftDuringRead.clear();
    this.joinedDuringRead.length = 0;
    this.host
      .readQueue()
      .then((queue) => this.apply(queue))
      .catch(() => {})
      .finally(() => {
        this.reading = false;
        this.schedule();
      });
  }

  private apply(queue: QueueSnapshot): void {
    for (const entry of queue.running) this.host.job(entry.promptId)?.markStarted();
    this.order = queue.pending
      .filter((e) => !this.leftDuringRead.has(e.promptId))
      .map((e) => ({ promptId: e.promptId, number: e.number }));
    for (const w of this.joinedDuringRead) {
      if (!this.leftDuringRead.has(w.promptId) && !this.order.some((e) => e.promptId === w.promptId)) this.insert(w);
    }
    this.publish(0);
  }

  /** Puts a prompt where the server will run it (after every prompt with a number not above its own); returns its index. */
  private insert(waiting: Waiting): number {
    let at = this.order.length;
    while (at > 0 && this.order[at - 1]!.number > waiting.number) at--;
    this.order.splice(at, 0, waiting);
    return at;
  }

  /** Tells the waiting jobs from `from` on their place; a job only hears of it when it changed. */
  private publish(from: number): void {
    const total = this.order.length;
    for (let i = from; i < total; i++) this.host.job(this.order[i]!.promptId)?.markPending(i + 1, total);
  }
}
