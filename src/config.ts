// The bot's settings, from the environment (and .env), validated in one place.
import { z } from 'zod';

const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

const list = (fallback: string[] = []) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined ? fallback : v.split(',').map((s) => s.trim()).filter(Boolean)));

const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (digits only)');

const httpUrl = z.string().refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'must be an http:// or https:// address');

/**
 * A key whose value is empty or only whitespace is not set: `.env.example` lists every
 * key, most of them empty, and a copy of it must start the bot. Read every setting
 * through this, so each key, present or future, gets its default that way.
 */
export function setting(env: Record<string, string | undefined>, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value.trim() === '' ? undefined : value;
}

const SettingsSchema = z.object({
  DISCORD_TOKEN: z.string({ error: 'is missing: the bot token from the Discord developer portal' }),
  DISCORD_APPLICATION_ID: snowflake.optional(),
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_API_URL: httpUrl.optional(),
  COMFYUI_URL: z
    .string()
    .default('http://127.0.0.1:8188')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(httpUrl).min(1, 'needs at least one address')),
  /** JSON object of headers for every ComfyUI request, e.g. {"Authorization":"Bearer …"} for a proxy. */
  COMFYUI_HEADERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        const parsed = z.record(z.string(), z.string()).parse(JSON.parse(v));
        return parsed;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of header names to string values' });
        return z.NEVER;
      }
    }),
  ATTACHMENT_HOSTS: list(DISCORD_CDN_HOSTS),
  MAX_ATTACHMENT_MB: int(25, 1, 500),
  DATA_DIR: z.string().default('./data'),
  /** Days the users' input images are kept (for Re-roll and failover) after a job ends. */
  INPUT_RETENTION_DAYS: int(7, 1, 3650),
  WORKFLOWS_DIR: z.string().default('./workflows'),
  REGISTER_COMMANDS: bool(true),
  EDIT_INTERVAL_MS: int(1500, 250, 60_000),
  DISCORD_REQUESTS_PER_SECOND: int(40, 1, 50),
  /**
   * Per user: jobs waiting (in the bot's queue or on a server) or running at once, and
   * jobs accepted per minute. The queue is fair, so one user's waiting jobs do not hold
   * back anyone else's; these only bound what one person can park in it.
   */
  USER_MAX_CONCURRENT: int(10, 1, 1000),
  USER_JOBS_PER_MINUTE: int(20, 1, 10_000),
  /** Prompts of ours a ComfyUI server holds pending beyond the one it runs (0: every job sent at once, no bot queue). */
  BACKEND_QUEUE_DEPTH: int(1, 0, 100),
  /** How long the job at the head may wait for a busy server already using its checkpoint rather than switch another one. */
  AFFINITY_MAX_WAIT_MS: int(10_000, 0, 600_000),
  /** Role ids whose members' jobs go before everyone else's (fair among themselves). */
  PRIORITY_ROLES: list(),
  ALLOWED_GUILDS: list(),
  ALLOWED_CHANNELS: list(),
  ALLOWED_ROLES: list(),
  SHARDS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '1') return 1;
      if (v === 'auto') return 'auto' as const;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        ctx.addIssue({ code: 'custom', message: `must be "auto" or a positive whole number (got "${v}")` });
        return z.NEVER;
      }
      return n;
    }),
  COMFYUI_TIMEOUT_MS: int(15_000, 100, 600_000),
  /** Port of the metrics and health server (/metrics, /healthz, /readyz); unset = no server, 0 = any free port. */
  HTTP_PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65_535) {
        ctx.addIssue({ code: 'custom', message: `must be a port number from 0 to 65535, or empty for no server (got "${v}")` });
        return z.NEVER;
      }
      return n;
    }),
  /** Address the metrics and health server listens on; loopback unless a scraper elsewhere needs it. */
  HTTP_HOST: z.string().trim().default('127.0.0.1'),
  /** Words (or phrases) refused in prompts, comma-separated. */
  BANNED_WORDS: list(),
  /** A file of banned words, one a line (`#` starts a comment); re-read on reload. */
  BANNED_WORDS_FILE: z.string().trim().optional(),
  /** Every result posted outside NSFW channels is marked as a spoiler. */
  SPOILER_RESULTS: bool(false),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** The language for a user whose Discord locale, and whose server's, the bot has no catalogue for. */
  DEFAULT_LOCALE: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale tag such as en-US or zh-CN').default('en-US'),
});

/** Every key the bot reads. */
export const SETTING_KEYS: readonly string[] = Object.keys(SettingsSchema.shape);

/** The settings from an environment: only our keys, and an empty value counts as not set. */
export const ConfigSchema = z.preprocess((env) => {
  if (typeof env !== 'object' || env === null) return env;
  const set = SETTING_KEYS.map((k) => [k, setting(env as Record<string, string | undefined>, k)] as const);
  return Object.fromEntries(set.filter(([, v]) => v !== undefined));
}, SettingsSchema);

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`The bot cannot start; fix these settings (in .env or the environment):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and checks every setting; throws ConfigError naming each problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  // Never echo a value back: a malformed token is still a token.
  throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'} ${i.message}`));
}

/** Every value that must never appear in a log line or a reply. */
export function secretsOf(config: Config): string[] {
  return [config.DISCORD_TOKEN, ...Object.values(config.COMFYUI_HEADERS)].filter((s) => s.length >= 6);
}
