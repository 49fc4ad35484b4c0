// "Is the database writable?" for /readyz: a real write (one row in a table of
// its own), since a read-only file, a full disk or a lock held too long all
// show only when writing. Rate-limited, so probes cannot become a load.
import Database from 'better-sqlite3';

export interface ProbeResult {
  ok: boolean;
  /** Why not, in SQLite's words (e.g. "attempt to write a readonly database"); never data. */
  error?: string;
}

export class DatabaseProbe {
  private db: Database.Database | undefined;
  private last: { at: number; result: ProbeResult } | undefined;

  constructor(
    private readonly file: string,
    private readonly minIntervalMs = 1_000,
  ) {}

  check(now = Date.now()): ProbeResult {
    if (this.last && now - this.last.at < this.minIntervalMs) return this.last.result;
    let result: ProbeResult;
    try {
      const db = this.open();
      db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(now);
      result = { ok: true };
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
      // Open afresh next time: the file may have been replaced or fixed.
      this.close();
    }
    this.last = { at: now, result };
    return result;
  }

  close(): void {
    try {
      this.db?.close();
    } catch {
      // already closed
    }
    this.db = undefined;
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    const db = new Database(this.file, { fileMustExist: true });
    try {
      // Short: better-sqlite3 waits synchronously, and a probe must not hold up the bot.
      db.pragma('busy_timeout = 250');
      db.exec('CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)');
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    return db;
  }
}
