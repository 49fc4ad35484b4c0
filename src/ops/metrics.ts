// What /metrics shows, in Prometheus's text format (prom-client). Each bot has
// its own registry, so two bots in one process (tests) do not share counters.
//
// Labels carry nothing secret and stay few: workflow names (from the manifests),
// outcomes, server addresses without credentials or query (redactUrl), a fixed
// set of Discord route classes, and UserError codes. Never a token, a header
// value, a prompt or a user.
import { RESTEvents, type REST } from 'discord.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { redactUrl } from '../comfy/index.ts';
import type { BackendPool } from '../jobs/backends.ts';
import type { JobRow } from '../jobs/ledger.ts';
import type { JobService } from '../jobs/service.ts';

export interface BotMetricsOptions {
  /** Jobs waiting in the bot's own queue (not yet on a server). */
  botQueueDepth?: () => number;
  /** Process metrics (CPU, memory, event loop, GC): on when /metrics is served. */
  processMetrics?: boolean;
  /** Added to every series, e.g. `{ shard: '1' }` under SHARDS. */
  labels?: Record<string, string>;
}

/** Which of the bot's two REST clients sent a request. */
export type RestClientName = 'bot' | 'interaction';

const SECONDS = 1_000;
const DURATION_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1_800, 3_600];
const WAIT_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600];

export class BotMetrics {
  readonly registry = new Registry();
  private readonly jobsAccepted: Counter<'workflow'>;
  private readonly jobsFinished: Counter<'workflow' | 'outcome'>;
  private readonly jobDuration: Histogram<'workflow' | 'outcome'>;
  private readonly jobWait: Histogram<'workflow'>;
  private readonly discordRequests: Counter<'client' | 'route' | 'status'>;
  private readonly discord429: Counter<'client' | 'route' | 'scope'>;
  private readonly discordHeld: Counter<'client' | 'route' | 'global'>;
  private readonly socketReconnects: Counter<'server'>;
  private readonly socketCloses: Counter<'server'>;
  private readonly gatewayReconnects: Counter;
  private readonly refusals: Counter<'reason'>;
  private readonly attachmentsRefused: Counter<'reason'>;
  private pool: BackendPool | undefined;
  private botQueueDepth: () => number;

  constructor(options: BotMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.labels) this.registry.setDefaultLabels(options.labels);
    this.botQueueDepth = options.botQueueDepth ?? (() => 0);
    this.jobsAccepted = new Counter({
      name: 'comfycord_jobs_accepted_total',
      help: "Jobs accepted (recorded in the bot's queue), by workflow.",
      labelNames: ['workflow'],
      registers,
    });
    this.jobsFinished = new Counter({
      name: 'comfycord_jobs_finished_total',
      help: 'Jobs that ended, by workflow and outcome (success, error, cancelled, lost, rejected).',
      labelNames: ['workflow', 'outcome'],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'comfycord_job_duration_seconds',
      help: 'Time from the start of a job on ComfyUI to its end, by workflow and outcome.',
      labelNames: ['workflow', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.jobWait = new Histogram({
      name: 'comfycord_job_wait_seconds',
      help: 'Time a job waited between being accepted and starting to run, by workflow.',
      labelNames: ['workflow'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    const botQueueDepth = () => this.botQueueDepth();
    const backends = () => this.pool?.backends ?? [];
    new Gauge({
      name: 'comfycord_bot_queue_depth',
      help: "Jobs waiting in the bot's own queue for a server to have room (one queue for every shard).",
      registers,
      collect() {
        this.set(botQueueDepth());
      },
    });
    new Gauge({
      name: 'comfycord_server_queue_depth',
      help: "Prompts on a ComfyUI server's queue (running and pending, all clients), as of its last health check.",
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const b of backends()) {
          if (b.queueRemaining !== undefined) this.set({ server: redactUrl(b.url) }, b.queueRemaining);
        }
      },
    });
    new Gauge({
      name: 'comfycord_server_up',
      help: 'Whether a ComfyUI server counts as healthy (1) or down (0).',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const b of backends()) this.set({ server: redactUrl(b.url) }, b.healthy ? 1 : 0);
      },
    });
    this.discordRequests = new Counter({
      name: 'comfycord_discord_requests_total',
      help: 'Discord API responses, by REST client (bot token or interaction token), route class and HTTP status.',
      labelNames: ['client', 'route', 'status'],
      registers,
    });
    this.discord429 = new Counter({
      name: 'comfycord_discord_429_total',
      help: 'Discord API answers of 429 Too Many Requests, by REST client, route class and rate-limit scope.',
      labelNames: ['client', 'route', 'scope'],
      registers,
    });
    this.discordHeld = new Counter({
      name: 'comfycord_discord_rate_limit_waits_total',
      help: 'Requests discord.js held back to stay inside a rate limit it knew of, by REST client, route class and whether the limit was global.',
      labelNames: ['client', 'route', 'global'],
      registers,
    });
    this.gatewayReconnects = new Counter({
      name: 'comfycord_discord_gateway_reconnects_total',
      help: 'Times the Discord gateway connection was lost and reconnected.',
      registers,
    });
    this.socketReconnects = new Counter({
      name: 'comfycord_comfy_socket_reconnects_total',
      help: "Times a ComfyUI server's WebSocket opened again after being lost.",
      labelNames: ['server'],
      registers,
    });
    this.socketCloses = new Counter({
      name: 'comfycord_comfy_socket_closes_total',
      help: "Times a ComfyUI server's WebSocket closed (each is followed by a reconnect attempt).",
      labelNames: ['server'],
      registers,
    });
    this.refusals = new Counter({
      name: 'comfycord_requests_refused_total',
      help: 'Requests refused with a message to the user, by reason (the UserError code, e.g. moderation.banned_word).',
      labelNames: ['reason'],
      registers,
    });
    this.attachmentsRefused = new Counter({
      name: 'comfycord_attachments_refused_total',
      help: 'Attachments refused, by reason (the UserError code, e.g. attachment.too_large).',
      labelNames: ['reason'],
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The bot's own queue (the ledger's waiting jobs, one queue for every shard). */
  setBotQueueDepth(source: () => number): void {
    this.botQueueDepth = source;
  }

  /** Counts the jobs of a service: accepted, started (wait), ended (outcome, duration). */
  watchJobs(service: JobService): void {
    service.on('accepted', (job) => this.jobsAccepted.inc({ workflow: job.workflow }));
    service.on('update', (u) => {
      if (u.kind === 'started' && u.job.startedAt !== null) {
        this.jobWait.observe({ workflow: u.job.workflow }, Math.max(0, u.job.startedAt - u.job.createdAt) / SECONDS);
      }
    });
    service.on('ended', (job) => this.jobEnded(job));
  }

  private jobEnded(job: JobRow): void {
    const outcome = job.outcome ?? 'unknown';
    this.jobsFinished.inc({ workflow: job.workflow, outcome });
    if (job.startedAt !== null) {
      const end = job.finishedAt ?? Date.now();
      this.jobDuration.observe({ workflow: job.workflow, outcome }, Math.max(0, end - job.startedAt) / SECONDS);
    }
  }

  /** Server gauges read the pool at each scrape; socket closes and reconnects are counted as they happen. */
  watchServers(pool: BackendPool): void {
    this.pool = pool;
    for (const b of pool.backends) {
      const server = redactUrl(b.url);
      b.client.on('open', (e) => {
        if (e.reconnect) this.socketReconnects.inc({ server });
      });
      b.client.on('close', () => this.socketCloses.inc({ server }));
      // Present from the start, so a rate() over them works before the first drop.
      this.socketReconnects.inc({ server }, 0);
      this.socketCloses.inc({ server }, 0);
    }
  }

  /** Every answer Discord gives to one of the bot's REST clients. */
  watchRest(rest: REST, client: RestClientName): void {
    rest.on(RESTEvents.Response, (request, response) => {
      const route = routeClass(request.route);
      this.discordRequests.inc({ client, route, status: String(response.status) });
      if (response.status === 429) {
        const scope = response.headers.get('x-ratelimit-scope') ?? 'user';
        this.discord429.inc({ client, route, scope: ['user', 'global', 'shared'].includes(scope) ? scope : 'other' });
      }
    });
    rest.on(RESTEvents.RateLimited, (info) => {
      this.discordHeld.inc({ client, route: routeClass(info.route), global: String(info.global) });
    });
  }

  gatewayReconnected(): void {
    this.gatewayReconnects.inc();
  }

  /** A request refused with a message (a UserError code); attachment refusals are also counted on their own. */
  refused(code: string): void {
    this.refusals.inc({ reason: code });
    if (code.startsWith('attachment.')) this.attachmentsRefused.inc({ reason: code });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The kind of Discord route a request went to, from discord.js's bucket route
 * (ids already replaced). A fixed set, so the label stays small and never holds
 * an id or a token.
 */
export function routeClass(route: string): string {
  const path = route.split('?')[0] ?? '';
  if (/^\/interactions\/[^/]+\/[^/]+\/callback$/.test(path)) return 'interaction_callback';
  if (/^\/webhooks\//.test(path)) return 'interaction_webhook';
  if (/^\/channels\/[^/]+\/messages\/[^/]+\/reactions(\/|$)/.test(path)) return 'reactions';
  if (/^\/channels\/[^/]+\/messages(\/|$)/.test(path)) return 'channel_messages';
  if (/^\/channels\/[^/]+$/.test(path)) return 'channels';
  if (/^\/applications\/[^/]+(\/guilds\/[^/]+)?\/commands(\/|$)/.test(path)) return 'commands';
  if (/^\/guilds\/[^/]+\/members(\/|$)/.test(path)) return 'guild_members';
  if (/^\/gateway(\/bot)?$/.test(path)) return 'gateway';
  if (/^\/users\//.test(path)) return 'users';
  return 'other';
}
