// Puts the bot together: ledger, ComfyUI servers, jobs, Discord. `npm start`
// runs it; end-to-end tests run it in-process against the fakes.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Events, Routes, Status, type Client, type ClientOptions } from 'discord.js';
import { redactUrl, type ObjectInfo } from './comfy/index.ts';
import { secretsOf, type Config } from './config.ts';
import { closeRest, createDiscordClient, createInteractionRest } from './discord/client.ts';
import { loadCommands } from './discord/commands.ts';
import { catalogueLocale, catalogues } from './discord/i18n/index.ts';
import type { BotContext, ReloadReport } from './discord/context.ts';
import { wireEvents } from './discord/bot.ts';
import { JobMessenger } from './discord/job-messages.ts';
import { Outbox } from './discord/outbox.ts';
import { uploadLimitForTier } from './discord/results.ts';
import { BackendPool } from './jobs/backends.ts';
import { BanStore } from './jobs/bans.ts';
import { Ledger } from './jobs/ledger.ts';
import { ReloadSignal } from './jobs/reload-signal.ts';
import { ProcessSignal } from './jobs/queue-signal.ts';
import { JobService } from './jobs/service.ts';
import { UserSettingsStore } from './jobs/user-settings.ts';
import { createLogger, type Logger } from './log.ts';
import { BannedWordList } from './moderation/banned-word-list.ts';
import { DatabaseProbe } from './ops/database-probe.ts';
import { portForShard, startOpsServer, type OpsServer } from './ops/http-server.ts';
import { BotMetrics } from './ops/metrics.ts';
import { readiness } from './ops/readiness.ts';
import { ChoiceCatalog } from './workflows/choices.ts';
import { checkActions } from './workflows/actions.ts';
import { formatProblem, type Problem } from './workflows/problems.ts';
import { loadWorkflows, type LoadedWorkflow } from './workflows/registry.ts';
import { validateAgainstObjectInfo } from './workflows/validate.ts';


/** How often a shard looks whether another one ran /admin reload. */
const RELOAD_FOLLOW_MS = 5_000;
export interface BotOptions {
  log?: Logger;
  /** Extra discord.js options (tests: fast REST timeouts). */
  discord?: Partial<ClientOptions>;
  /** Timings for tests. */
  healthIntervalMs?: number;
  tokenMarginMs?: number;
  /** How long autocomplete lists are reused (default 30 s). */
  choicesTtlMs?: number;
}

export interface RunningBot {
  client: Client;
  context: BotContext;
  ledger: Ledger;
  bans: BanStore;
  settings: UserSettingsStore;
  pool: BackendPool;
  service: JobService;
  outbox: Outbox;
  metrics: BotMetrics;
  /** The metrics and health server, when HTTP_PORT is set. */
  http: OpsServer | undefined;
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startBot(config: Config, options: BotOptions = {}): Promise<RunningBot> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  // First: an unreadable BANNED_WORDS_FILE stops the start before anything runs.
  const bannedWords = new BannedWordList({ words: config.BANNED_WORDS, file: config.BANNED_WORDS_FILE });
  if (bannedWords.size > 0) log.info('banned words in force', { count: bannedWords.size });
  const client = createDiscordClient({
    apiUrl: config.DISCORD_API_URL,
    extra: options.discord,
    onShortened: (fields, method) => log.warn('cut texts over Discord’s limits from a request', { method, fields }),
  });
  const shard = client.shard?.ids[0] ?? 0;

  if (!catalogueLocale(config.DEFAULT_LOCALE)) {
    log.warn('DEFAULT_LOCALE has no catalogue; users whose language the bot does not speak are answered in English', {
      locale: config.DEFAULT_LOCALE,
      catalogues: [...catalogues.keys()],
    });
  }
  const workflows = await loadWorkflowsLogged(config.WORKFLOWS_DIR, log);
  const databaseFile = join(dataDir, 'jobs.sqlite');
  const ledger = new Ledger(databaseFile);
  const bans = new BanStore(databaseFile);
  const metrics = new BotMetrics({
    processMetrics: config.HTTP_PORT !== undefined,
    ...(client.shard ? { labels: { shard: String(shard) } } : {}),
  });
  // One socket per client id on each server: every shard has its own, the same after a restart.
  const baseId = persistentId(dataDir);
  const clientIdOf = (s: number) => `${baseId}-shard${s}`;
  const settings = new UserSettingsStore(databaseFile);
  const pool = new BackendPool({
    urls: config.COMFYUI_URL,
    headers: config.COMFYUI_HEADERS,
    timeoutMs: config.COMFYUI_TIMEOUT_MS,
    clientId: clientIdOf(shard),
    healthIntervalMs: options.healthIntervalMs,
    log,
  });
  metrics.watchServers(pool);
  const probe = new DatabaseProbe(databaseFile);
  let http: OpsServer | undefined;
  if (config.HTTP_PORT !== undefined) {
    try {
      http = await startOpsServer({
        host: config.HTTP_HOST,
        port: portForShard(config.HTTP_PORT, shard),
        metrics: () => metrics.exposition(),
        readiness: () => {
          const answering = pool.answering();
          return readiness({
            gateway: gatewayConnected(client),
            database: probe.check(),
            servers: pool.backends.map((b) => ({ server: redactUrl(b.url), healthy: answering.includes(b) })),
          });
        },
        log,
      });
    } catch (err) {
      probe.close();
      bans.close();
      settings.close();
      ledger.close();
      throw err;
    }
  }
  await pool.start();
  await checkWorkflowsAgainstServer(workflows, pool, log);

  const service = new JobService({
    ledger,
    pool,
    workflows,
    dataDir,
    limits: { maxConcurrent: config.USER_MAX_CONCURRENT, perMinute: config.USER_JOBS_PER_MINUTE },
    log,
    shard,
    queue: { depth: config.BACKEND_QUEUE_DEPTH, affinityMaxWaitMs: config.AFFINITY_MAX_WAIT_MS },
    clientIdOf,
    // Shards share the ledger file: one of them (the lease holder) sends every shard's jobs, in one order.
    ...(client.shard ? { shared: { signal: new ProcessSignal(), holder: clientIdOf(shard) } } : {}),
    bannedWords,
  });
  metrics.watchJobs(service);
  metrics.setBotQueueDepth(() => service.queue.waitingCount());
  const retentionMs = config.INPUT_RETENTION_DAYS * 86_400_000;
  const prune = () => void service.pruneInputs(retentionMs).catch((err: unknown) => log.warn('could not remove old input images', { error: err }));
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();
  prune();
  const outbox = new Outbox({ perMessageIntervalMs: config.EDIT_INTERVAL_MS, requestsPerSecond: config.DISCORD_REQUESTS_PER_SECOND });
  const interactionRest = createInteractionRest(client);
  metrics.watchRest(client.rest, 'bot');
  metrics.watchRest(interactionRest, 'interaction');
  client.on(Events.ShardReconnecting, () => metrics.gatewayReconnected());
  const messenger = new JobMessenger({
    rest: client.rest,
    interactionRest,
    service,
    pool,
    outbox,
    log,
    uploadLimit: (guildId) => uploadLimitForTier(guildId ? (client.guilds.cache.get(guildId)?.premiumTier ?? 0) : 0),
    tokenMarginMs: options.tokenMarginMs,
    // One folder per shard: a shard starting up empties only its own.
    spoolDir: join(dataDir, 'outgoing', `shard-${shard}`),
    defaultLocale: config.DEFAULT_LOCALE,
    workflows,
  });

  const catalogs = new Map<string, ChoiceCatalog>();
  const catalogFor = () => {
    const backend = pool.backends.find((b) => b.healthy) ?? pool.backends[0]!;
    let c = catalogs.get(backend.url);
    if (!c) catalogs.set(backend.url, (c = new ChoiceCatalog(backend.client.http, { ttlMs: options.choicesTtlMs })));
    return c;
  };
  let objectInfoCache: { at: number; value: Promise<ObjectInfo> } | undefined;
  const context: BotContext = {
    config,
    client,
    service,
    settings,
    pool,
    workflows,
    messenger,
    catalog: catalogFor,
    objectInfo: () => {
      if (!objectInfoCache || Date.now() - objectInfoCache.at > 60_000) {
        const backend = pool.backends.find((b) => b.healthy) ?? pool.backends[0]!;
        objectInfoCache = { at: Date.now(), value: backend.client.http.objectInfo() };
        objectInfoCache.value.catch(() => (objectInfoCache = undefined));
      }
      return objectInfoCache.value;
    },
    attachments: { allowedHosts: config.ATTACHMENT_HOSTS, maxBytes: config.MAX_ATTACHMENT_MB * 1024 * 1024 },
    bans,
    bannedWords,
    metrics,
    reload: () => reload({ announce: true }),
    log,
    shard,
  };
  const commands = await loadCommands();
  wireEvents(client, commands, context);
  const commandSet = () => [...commands.values()].map((cmd) => cmd.definition(context));

  // /admin reload. The map is changed in place: the service, the commands and the
  // buttons all read this one. Jobs already accepted keep their definition (the service holds it).
  // Under SHARDS a reload given in one shard is followed by the others (the ledger file says
  // so); only the one that ran it registers the commands, which are the application's.
  const reloadSignal = new ReloadSignal(ledger);
  let reloading: Promise<ReloadReport> | undefined;
  const reload = (how: { announce: boolean }): Promise<ReloadReport> => {
    reloading ??= (async () => {
      const before = JSON.stringify(commandSet());
      const { workflows: loadedNow, problems } = await loadWorkflows(config.WORKFLOWS_DIR);
      const next = new Map(loadedNow.map((w) => [w.name, w]));
      const skipped = problems.map((p) => ({ file: basename(p.file), reason: problemReason(p) }));
      for (const s of await checkWorkflowsAgainstServer(next, pool, log)) skipped.push(s);
      const fingerprint = (w: LoadedWorkflow) => JSON.stringify([w.description, w.manifest, w.workflow]);
      const added = [...next.keys()].filter((n) => !workflows.has(n));
      const removed = [...workflows.keys()].filter((n) => !next.has(n));
      const changed = [...next.keys()].filter((n) => workflows.has(n) && fingerprint(workflows.get(n)!) !== fingerprint(next.get(n)!));
      workflows.clear();
      for (const [n, w] of next) workflows.set(n, w);
      let words: ReloadReport['bannedWords'];
      try {
        words = { count: bannedWords.reload() };
      } catch (err) {
        words = { error: (err as Error).message, count: bannedWords.size };
      }
      let registered: ReloadReport['commands'] = 'unchanged';
      const after = commandSet();
      if (JSON.stringify(after) !== before && how.announce) {
        if (!config.REGISTER_COMMANDS) registered = 'off';
        else {
          try {
            const applicationId = config.DISCORD_APPLICATION_ID ?? client.application?.id;
            if (!applicationId) throw new Error('the application id is not known yet');
            await registerCommands(client, applicationId, config.DISCORD_GUILD_ID, after);
            registered = 'registered';
          } catch (err) {
            registered = { error: (err as Error).message };
          }
        }
      }
      for (const s of problems) log.warn('workflow skipped', { problem: formatProblem(s) });
      if (how.announce) reloadSignal.announce();
      log.info('workflows reloaded', {
        names: [...workflows.keys()],
        added,
        removed,
        changed,
        skipped: skipped.length,
        commands: registered,
        ...(how.announce ? {} : { followed: 'another shard' }),
      });
      return { workflows: workflows.size, added, removed, changed, skipped, bannedWords: words, commands: registered };
    })().finally(() => (reloading = undefined));
    return reloading;
  };
  // Seconds, not a push: a reload is rare, and the ledger is the one thing every shard shares.
  const followTimer = setInterval(() => {
    if (!reloadSignal.takeNew()) return;
    reload({ announce: false }).catch((err: unknown) => log.warn('could not follow the reload of another shard', { error: err }));
  }, RELOAD_FOLLOW_MS);
  followTimer.unref();

  const ready = new Promise<Client<true>>((resolveReady) => {
    client.once(Events.ClientReady, resolveReady);
  }).then(async (c) => {
    try {
      const applicationId = config.DISCORD_APPLICATION_ID ?? c.application.id;
      if (config.REGISTER_COMMANDS && shard === 0) {
        await registerCommands(c, applicationId, config.DISCORD_GUILD_ID, [...commands.values()].map((cmd) => cmd.definition(context)));
        log.info('slash commands registered', { count: commands.size, guild: config.DISCORD_GUILD_ID ?? 'global' });
      }
      const resumed = await service.resume();
      log.info('bot ready', { user: c.user.tag, shard, resumed });
    } catch (err) {
      log.error('start-up failed', { error: err });
      throw err;
    }
  });
  ready.catch(() => {});
  await client.login(config.DISCORD_TOKEN);

  let stopped = false;
  return {
    client,
    context,
    ledger,
    bans,
    settings,
    pool,
    service,
    outbox,
    metrics,
    http,
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      await http?.close();
      clearInterval(pruneTimer);
      clearInterval(followTimer);
      service.stop();
      messenger.close();
      closeRest(interactionRest);
      outbox.close();
      await client.destroy();
      closeRest(client.rest);
      pool.stop();
      probe.close();
      bans.close();
      settings.close();
      ledger.close();
      log.info('bot stopped');
    },
  };
}

export async function registerCommands(
  client: Client,
  applicationId: string,
  guildId: string | undefined,
  body: unknown[],
): Promise<void> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  await client.rest.put(route, { body });
}

async function loadWorkflowsLogged(dir: string, log: Logger): Promise<Map<string, LoadedWorkflow>> {
  const { workflows, problems } = await loadWorkflows(dir);
  // A broken action is dropped alone; its workflow is offered without that button.
  for (const p of problems) log.warn(p.action === undefined ? 'workflow skipped' : 'result action skipped', { problem: formatProblem(p) });
  log.info('workflows loaded', { names: workflows.map((w) => w.name) });
  return new Map(workflows.map((w) => [w.name, w]));
}

/**
 * A workflow the first reachable server cannot run (a node class, an input, a
 * range or a fixed choice it lacks) is skipped with the reason logged; the
 * others still load. Without a reachable server, every workflow is kept.
 */
async function checkWorkflowsAgainstServer(
  workflows: Map<string, LoadedWorkflow>,
  pool: BackendPool,
  log: Logger,
): Promise<Array<{ file: string; reason: string }>> {
  const skipped: Array<{ file: string; reason: string }> = [];
  const backend = pool.backends.find((b) => b.healthy);
  if (!backend) {
    log.warn('no ComfyUI server reachable; workflows were checked against their files only');
    return skipped;
  }
  const info = await backend.client.http.objectInfo().catch(() => undefined);
  if (!info) return skipped;
  for (const [name, w] of workflows) {
    const problems = validateAgainstObjectInfo(w.manifest, w.workflow, info, w);
    if (problems.length === 0) continue;
    workflows.delete(name);
    for (const p of problems) {
      log.warn('workflow skipped: the ComfyUI server cannot run it', { workflow: name, server: backend.name, problem: formatProblem(p) });
      skipped.push({ file: basename(p.file), reason: `${backend.name}: ${problemReason(p)}` });
    }
  }
  // An action whose target the server cannot run goes too (its workflow stays).
  for (const p of checkActions(workflows.values(), (name) => workflows.get(name))) {
    log.warn('result action skipped', { problem: formatProblem(p) });
  }
  if (workflows.size > 25) {
    log.warn('Discord allows 25 subcommands; only the first 25 workflows are offered', { skipped: [...workflows.keys()].slice(25) });
  }
  return skipped;
}

/** A problem without its file's path (the answer names the file already). */
function problemReason(p: Problem): string {
  return `${p.option === undefined ? '' : `option "${p.option}": `}${p.message}. Fix: ${p.fix}`;
}

/** Every gateway shard of this process is connected (not reconnecting or resuming). */
function gatewayConnected(client: Client): boolean {
  return client.isReady() && client.ws.shards.size > 0 && client.ws.shards.every((s) => s.status === Status.Ready);
}

/** A random id kept in DATA_DIR, so a restarted bot reconnects under the same ComfyUI client id. */
function persistentId(dataDir: string): string {
  const file = join(dataDir, 'client-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
  } catch {
    // first start
  }
  const id = `discord-bot-${randomUUID().slice(0, 8)}`;
  writeFileSync(file, id);
  return id;
}
