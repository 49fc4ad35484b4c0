// Everything a command handler may use, built once at start-up.
import type { Client } from 'discord.js';
import type { ObjectInfo } from '../comfy/index.ts';
import type { Config } from '../config.ts';
import type { BackendPool } from '../jobs/backends.ts';
import type { JobService } from '../jobs/service.ts';
import type { Logger } from '../log.ts';
import type { ChoiceCatalog } from '../workflows/choices.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import type { AttachmentPolicy } from './attachments.ts';
import type { JobMessenger } from './job-messages.ts';

export interface BotContext {
  config: Config;
  client: Client;
  service: JobService;
  pool: BackendPool;
  workflows: Map<string, LoadedWorkflow>;
  messenger: JobMessenger;
  /** Autocomplete values (checkpoints, LoRAs, samplers) from the least-loaded healthy server. */
  catalog: () => ChoiceCatalog;
  /** The node classes of a healthy server, cached briefly (it is about 400 KB). */
  objectInfo: () => Promise<ObjectInfo>;
  attachments: AttachmentPolicy;
  log: Logger;
  shard: number;
}
