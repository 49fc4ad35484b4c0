// Everything a command handler may use, built once at start-up.
import type { Client } from 'discord.js';
import type { ObjectInfo } from '../comfy/index.ts';
import type { Config } from '../config.ts';
import type { BackendPool } from '../jobs/backends.ts';
import type { BanStore } from '../jobs/bans.ts';
import type { JobService } from '../jobs/service.ts';
import type { UserSettingsStore } from '../jobs/user-settings.ts';
import type { Logger } from '../log.ts';
import type { BannedWordList } from '../moderation/banned-word-list.ts';
import type { BotMetrics } from '../ops/metrics.ts';
import type { ChoiceCatalog } from '../workflows/choices.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import type { AttachmentPolicy } from './attachments.ts';
import type { JobMessenger } from './job-messages.ts';

export interface BotContext {
  config: Config;
  client: Client;
  service: JobService;
  /** Each user's own option defaults and private-results choice (/settings). */
  settings: UserSettingsStore;
  pool: BackendPool;
  workflows: Map<string, LoadedWorkflow>;
  messenger: JobMessenger;
  /** Autocomplete values (checkpoints, LoRAs, samplers) from the least-loaded healthy server. */
  catalog: () => ChoiceCatalog;
  /** The node classes of a healthy server, cached briefly (it is about 400 KB). */
  objectInfo: () => Promise<ObjectInfo>;
  attachments: AttachmentPolicy;
  /** Users banned from the bot (checked before every command, button, modal, reaction and autocomplete). */
  bans: BanStore;
  /** BANNED_WORDS and BANNED_WORDS_FILE; `reload()` re-reads the file. */
  bannedWords: BannedWordList;
  metrics: BotMetrics;
  /** /admin reload: re-reads WORKFLOWS_DIR and the banned words, registers the commands again if they changed. */
  reload: () => Promise<ReloadReport>;
  log: Logger;
  shard: number;
}

/** What a reload did (names sorted). */
export interface ReloadReport {
  /** The workflows offered now. */
  workflows: number;
  added: string[];
  removed: string[];
  /** Same name, different manifest or workflow. */
  changed: string[];
  /** Files that were not loaded, each with why (the operator's text, in English). */
  skipped: Array<{ file: string; reason: string }>;
  /** The banned-word count now, or why the file could not be read (the old list stays). */
  bannedWords: { count: number } | { error: string; count: number };
  /** 'registered' (the command set changed and Discord has it), 'unchanged', 'off' (REGISTER_COMMANDS=false), or the error. */
  commands: 'registered' | 'unchanged' | 'off' | { error: string };
}
