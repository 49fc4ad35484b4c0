// A user's own defaults (U4): option values that fill in what they leave empty,
// for every workflow that has the option or for one workflow, and whether their
// results are private. One JSON document per user, in its own table of the
// ledger's SQLite file, created with IF NOT EXISTS outside the ledger's numbered
// migrations (it needs no schema version). Every shard reads the same file.
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { aspectOptions } from '../workflows/aspect-option.ts';
import { checkOptionValue, OptionValueError } from '../workflows/apply.ts';
import type { ManifestOption } from '../workflows/manifest.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import { UserError } from './user-error.ts';
import { openDatabase, StatementCache } from './sqlite.ts';

/** A value as the user typed it; it gets its type from the option of the workflow it fills (steps: a number). */
const SavedValue = z.string().max(6000);

export const UserSettings = z.object({
  /** The user's jobs are shown to them alone (ephemeral replies, a DM once the interaction token is gone). */
  private: z.boolean().default(false),
  /** By option name: for every workflow that has the option. */
  defaults: z.record(z.string(), SavedValue).default({}),
  /** By workflow, then option name: for that workflow only; beats `defaults`. */
  workflows: z.record(z.string(), z.record(z.string(), SavedValue)).default({}),
});
export type UserSettings = z.output<typeof UserSettings>;

const EMPTY: UserSettings = { private: false, defaults: {}, workflows: {} };

export class UserSettingsStore {
  private readonly db: Database.Database;
  private readonly statements: StatementCache;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.statements = new StatementCache(this.db);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS user_settings (
        user_id TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID
    `);
  }

  private statement(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  /** A user's settings; none saved (or a row no longer readable) is the empty set. */
  get(userId: string): UserSettings {
    const row = this.statement('SELECT settings FROM user_settings WHERE user_id = ?').get(userId) as { settings: string } | undefined;
    if (!row) return structuredClone(EMPTY);
    try {
      const parsed = UserSettings.safeParse(JSON.parse(row.settings));
      return parsed.success ? parsed.data : structuredClone(EMPTY);
    } catch {
      return structuredClone(EMPTY);
    }
  }

  /** Changes a user's settings in one transaction (shards share the file); returns what was saved. */
  update(userId: string, change: (settings: UserSettings) => void, now = Date.now()): UserSettings {
    return this.db
      .transaction(() => {
        const settings = this.get(userId);
        change(settings);
        const tidy = UserSettings.parse(settings);
        for (const [workflow, values] of Object.entries(tidy.workflows)) if (Object.keys(values).length === 0) delete tidy.workflows[workflow];
        if (!tidy.private && Object.keys(tidy.defaults).length === 0 && Object.keys(tidy.workflows).length === 0) {
          this.statement('DELETE FROM user_settings WHERE user_id = ?').run(userId);
        } else {
          this.statement(
            `INSERT INTO user_settings (user_id, settings, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
          ).run(userId, JSON.stringify(tidy), now);
        }
        return tidy;
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }
}

/** Option types a default can be saved for: the ones typed in (attachments are not). */
const SETTABLE_TYPES: ReadonlySet<ManifestOption['type']> = new Set(['text', 'integer', 'number', 'boolean', 'choice', 'aspect']);

/**
 * The options of a workflow a default can be saved for: typed in, and not
 * required (a required option is always given, so its default would never be used).
 */
export function settableOptions(loaded: LoadedWorkflow): ManifestOption[] {
  return loaded.manifest.options.filter((o) => SETTABLE_TYPES.has(o.type) && !o.required);
}

/** A saved text as the value the option takes; text that is not of the option's type stays text, for the check to refuse. */
export function settingValue(option: ManifestOption, text: string): unknown {
  const trimmed = text.trim();
  switch (option.type) {
    case 'integer':
    case 'number':
      return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(lower)) return true;
      if (['false', 'no', 'off', '0'].includes(lower)) return false;
      return text;
    }
    default:
      return text;
  }
}

export interface SettingRequest {
  option: string;
  value: string;
  /** Only this workflow; otherwise every workflow that has the option. */
  workflow?: string | undefined;
}

/** Why a value is not saved: the workflows whose own check refused it (the same words /generate would use). */
export class SettingRefusedError extends Error {
  override name = 'SettingRefusedError';
  constructor(readonly refusals: Array<{ workflow: string; error: OptionValueError }>) {
    super(refusals.map((r) => `${r.workflow}: ${r.error.message}`).join('\n'));
  }
}

/**
 * The workflows a setting is for, after checking the value exactly as each of
 * them checks the option when a job starts. Throws UserError (no such option,
 * or one that is always required) or SettingRefusedError (the value).
 */
export function checkSetting(workflows: Iterable<LoadedWorkflow>, request: SettingRequest): LoadedWorkflow[] {
  const all = [...workflows];
  let scope = all;
  if (request.workflow !== undefined) {
    const one = all.find((w) => w.name === request.workflow);
    if (!one) throw new UserError('workflow.unknown', { workflow: request.workflow });
    scope = [one];
  }
  const having = scope.filter((w) => w.manifest.options.some((o) => o.name === request.option));
  const settable = having.filter((w) => settableOptions(w).some((o) => o.name === request.option));
  if (settable.length === 0) {
    if (having.length > 0) throw new UserError('settings.always_given', { option: request.option });
    const names = [...new Set(scope.flatMap((w) => settableOptions(w).map((o) => o.name)))].sort();
    if (request.workflow !== undefined) {
      throw new UserError('settings.not_in_workflow', { option: request.option, workflow: request.workflow, options: names.join(', ') });
    }
    throw new UserError('settings.unknown_option', { option: request.option, options: names.join(', ') });
  }
  const refusals: SettingRefusedError['refusals'] = [];
  for (const w of settable) {
    const option = settableOptions(w).find((o) => o.name === request.option)!;
    try {
      checkOptionValue(w, option.name, settingValue(option, request.value));
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      refusals.push({ workflow: w.name, error: err });
    }
  }
  if (refusals.length > 0) throw new SettingRefusedError(refusals);
  return settable;
}

/**
 * A job's values with the user's defaults filled in where they left an option
 * empty: the workflow's own default beats the one for every workflow, and what
 * the user gives always wins. An aspect the user gives decides the size, so
 * saved widths and heights step back for it. A saved value the workflow no
 * longer allows (its manifest changed) is skipped and named in `skipped`.
 */
export function withUserDefaults(
  settings: UserSettings,
  loaded: LoadedWorkflow,
  given: Record<string, unknown>,
): { values: Record<string, unknown>; applied: string[]; skipped: string[] } {
  const values = { ...given };
  const isGiven = (name: string) => given[name] !== undefined && given[name] !== null;
  const yielding = new Set(aspectOptions(loaded.manifest).filter((a) => isGiven(a.name)).flatMap((a) => [a.width, a.height]));
  const applied: string[] = [];
  const skipped: string[] = [];
  for (const option of settableOptions(loaded)) {
    if (isGiven(option.name) || yielding.has(option.name)) continue;
    const saved = settings.workflows[loaded.name]?.[option.name] ?? settings.defaults[option.name];
    if (saved === undefined) continue;
    const value = settingValue(option, saved);
    try {
      checkOptionValue(loaded, option.name, value);
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      skipped.push(option.name);
      continue;
    }
    values[option.name] = value;
    applied.push(option.name);
  }
  return { values, applied, skipped };
}
