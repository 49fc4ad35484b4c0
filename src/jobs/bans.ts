// Users banned from the bot, in their own table of the ledger's SQLite file.
// Created with IF NOT EXISTS, outside the ledger's numbered migrations, so it
// needs no schema version of its own. Every shard reads the same file: a ban
// holds in all of them at once.
import type Database from 'better-sqlite3';
import { openDatabase, StatementCache } from './sqlite.ts';

/** `guildId` null: banned everywhere the bot is. */
export interface Ban {
  userId: string;
  guildId: string | null;
  by: string | null;
  reason: string | null;
  createdAt: number;
}

interface RawBan {
  user_id: string;
  guild_id: string;
  by_user: string | null;
  reason: string | null;
  created_at: number;
}

/** Stored for a ban that holds in every server (SQLite keys cannot be NULL and unique). */
const EVERYWHERE = '*';

export class BanStore {
  private readonly db: Database.Database;
  private readonly statements: StatementCache;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.statements = new StatementCache(this.db);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bans (
        user_id TEXT NOT NULL,
        guild_id TEXT NOT NULL,
        by_user TEXT,
        reason TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, guild_id)
      ) WITHOUT ROWID
    `);
  }

  private statement(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** Bans a user in one server (`guildId`) or everywhere (null); banning again updates who and why. */
  ban(userId: string, options: { guildId: string | null; by?: string | null; reason?: string | null }, now = Date.now()): Ban {
    this.statement(
      `INSERT INTO bans (user_id, guild_id, by_user, reason, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, guild_id) DO UPDATE SET by_user = excluded.by_user, reason = excluded.reason, created_at = excluded.created_at`,
    ).run(userId, options.guildId ?? EVERYWHERE, options.by ?? null, options.reason ?? null, now);
    return this.get(userId, options.guildId)!;
  }

  /** Lifts the ban of that scope; false when there was none. */
  unban(userId: string, guildId: string | null): boolean {
    return this.statement('DELETE FROM bans WHERE user_id = ? AND guild_id = ?').run(userId, guildId ?? EVERYWHERE).changes > 0;
  }

  get(userId: string, guildId: string | null): Ban | undefined {
    const raw = this.statement('SELECT * FROM bans WHERE user_id = ? AND guild_id = ?').get(userId, guildId ?? EVERYWHERE) as RawBan | undefined;
    return raw && fromRaw(raw);
  }

  /**
   * Whether the user may not use the bot here: banned everywhere, or in this server.
   * In a DM (`guildId` null) any ban counts, so a ban cannot be sidestepped there.
   */
  isBanned(userId: string, guildId: string | null): boolean {
    const row =
      guildId === null
        ? this.statement('SELECT 1 FROM bans WHERE user_id = ? LIMIT 1').get(userId)
        : this.statement('SELECT 1 FROM bans WHERE user_id = ? AND guild_id IN (?, ?) LIMIT 1').get(userId, guildId, EVERYWHERE);
    return row !== undefined;
  }

  /** The bans that hold in a server (its own and the everywhere ones), newest first; all of them without `guildId`. */
  list(guildId?: string): Ban[] {
    const rows = (
      guildId === undefined
        ? this.statement('SELECT * FROM bans ORDER BY created_at DESC').all()
        : this.statement('SELECT * FROM bans WHERE guild_id IN (?, ?) ORDER BY created_at DESC').all(guildId, EVERYWHERE)
    ) as RawBan[];
    return rows.map(fromRaw);
  }

  close(): void {
    this.db.close();
  }
}

function fromRaw(raw: RawBan): Ban {
  return {
    userId: raw.user_id,
    guildId: raw.guild_id === EVERYWHERE ? null : raw.guild_id,
    by: raw.by_user,
    reason: raw.reason,
    createdAt: raw.created_at,
  };
}
