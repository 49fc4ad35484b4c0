// /admin reload under SHARDS: the shard that ran it says so in the ledger file all
// shards share, and the others reload the workflows and banned words when they see
// it. Each shard serves its own guilds, so without this a reload given in one server
// would leave the servers of the other shards on the old workflows until a restart.
import type { Ledger } from './ledger.ts';

const KEY = 'workflows_reloaded';

export class ReloadSignal {
  /** The last reload this process did or followed, by the announcement's number. */
  private seen: number;

  constructor(private readonly ledger: Ledger) {
    this.seen = this.latest();
  }

  /** A reload was done here: the other shards follow. One statement, so two shards announcing at once both count. */
  announce(now = Date.now()): void {
    const row = this.ledger
      .statement(
        `INSERT INTO bot_state (key, value, updated_at) VALUES ('${KEY}', '1', @now)
         ON CONFLICT (key) DO UPDATE SET value = CAST(bot_state.value AS INTEGER) + 1, updated_at = excluded.updated_at
         RETURNING value`,
      )
      .get({ now }) as { value: string | number };
    this.seen = Number(row.value);
  }

  /** True once for each reload another shard announced since this one last looked. */
  takeNew(): boolean {
    const latest = this.latest();
    if (latest <= this.seen) return false;
    this.seen = latest;
    return true;
  }

  private latest(): number {
    const row = this.ledger.statement(`SELECT value FROM bot_state WHERE key = '${KEY}'`).get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }
}
