// Runs the real bot (real discord.js) in-process against the fake Discord and
// one or more fake ComfyUIs, all on 127.0.0.1.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, type APIApplicationCommandInteractionDataOption, type APIAttachment, type Locale } from 'discord.js';
import { startBot, type BotOptions, type RunningBot } from '../../src/app.ts';
import { loadConfig, secretsOf } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { FakeDiscord, type StoredMessage } from '../fakes/discord/index.ts';
import { REPO_ROOT } from './recordings.ts';

export const BOT_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GtEsTt.secret-bot-token-never-logged-0123456';

export interface HarnessOptions {
  comfy?: Parameters<typeof FakeComfy.start>[0];
  /** More ComfyUI servers (multi-backend tests). */
  servers?: number;
  discord?: Parameters<typeof FakeDiscord.start>[0];
  env?: Record<string, string>;
  bot?: BotOptions;
  /** Reuse fakes and data of an earlier harness (restart tests). */
  reuse?: { comfies: FakeComfy[]; discord: FakeDiscord; dataDir: string };
  /** The Discord locale `generate` sends unless told otherwise (default en-US, the fake's). */
  locale?: Locale;
}

export interface Harness {
  comfy: FakeComfy;
  comfies: FakeComfy[];
  discord: FakeDiscord;
  bot: RunningBot;
  dataDir: string;
  logs: string[];
  /** Sends `/generate <workflow>` with options; returns the interaction token. */
  generate(
    workflow: string,
    options: Record<string, string | number | boolean>,
    extra?: { user?: string; attachments?: Record<string, APIAttachment>; roles?: string[]; channelId?: string; locale?: Locale; attachmentSizeLimit?: number | null },
  ): Promise<string>;
  /** Resolves with the job message (the interaction's reply) once `pred` holds for it. */
  reply(token: string, pred: (m: StoredMessage) => boolean, timeoutMs?: number): Promise<StoredMessage>;
  /** Stops the bot only (the fakes stay, for a restart). */
  stopBot(): Promise<void>;
  stop(): Promise<void>;
}

function optionType(v: string | number | boolean): ApplicationCommandOptionType {
  if (typeof v === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof v === 'number') return Number.isInteger(v) ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
  return ApplicationCommandOptionType.String;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const comfies =
    options.reuse?.comfies ??
    (await Promise.all(Array.from({ length: options.servers ?? 1 }, () => FakeComfy.start({ stepMs: 5, ...options.comfy }))));
  const discord = options.reuse?.discord ?? (await FakeDiscord.start(options.discord));
  const dataDir = options.reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'comfycord-'));
  const config = loadConfig({
    DISCORD_TOKEN: BOT_TOKEN,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_GUILD_ID: discord.guild.id,
    COMFYUI_URL: comfies.map((c) => c.url).join(','),
    ATTACHMENT_HOSTS: new URL(discord.cdnBase).host,
    DATA_DIR: dataDir,
    WORKFLOWS_DIR: join(REPO_ROOT, 'workflows'),
    EDIT_INTERVAL_MS: '250',
    LOG_LEVEL: 'debug',
    USER_JOBS_PER_MINUTE: '1000',
    USER_MAX_CONCURRENT: '100',
    ...options.env,
  });
  const logs: string[] = [];
  const bot = await startBot(config, {
    log: createLogger({ level: 'debug', secrets: secretsOf(config), write: (l) => logs.push(l) }),
    discord: { rest: { retries: 1, timeout: 5_000 }, waitGuildTimeout: 0 },
    healthIntervalMs: 200,
    ...options.bot,
  });
  await bot.ready;
  let botStopped = false;
  const harness: Harness = {
    comfy: comfies[0]!,
    comfies,
    discord,
    bot,
    dataDir,
    logs,
    async generate(workflow, values, extra = {}) {
      const opts: APIApplicationCommandInteractionDataOption[] = Object.entries(values).map(
        ([name, value]) => ({ name, type: optionType(value), value }) as APIApplicationCommandInteractionDataOption,
      );
      for (const [name, a] of Object.entries(extra.attachments ?? {})) {
        opts.push({ name, type: ApplicationCommandOptionType.Attachment, value: a.id });
      }
      const sent = await discord.sendSubcommand({
        name: 'generate',
        subcommand: workflow,
        options: opts,
        user: extra.user ?? 'ana',
        attachments: Object.values(extra.attachments ?? {}),
        ...(extra.roles ? { roles: extra.roles } : {}),
        ...(extra.channelId ? { channelId: extra.channelId } : {}),
        ...(extra.locale ?? options.locale ? { locale: extra.locale ?? options.locale } : {}),
        ...(extra.attachmentSizeLimit !== undefined ? { attachmentSizeLimit: extra.attachmentSizeLimit } : {}),
      });
      return sent.token;
    },
    reply(token, pred, timeoutMs = 15_000) {
      return discord.waitForMessage((m) => m.interactionToken === token && pred(m), timeoutMs);
    },
    async stopBot() {
      if (botStopped) return;
      botStopped = true;
      await bot.stop();
    },
    async stop() {
      await harness.stopBot();
      if (!options.reuse) {
        // The fake Discord rejects here when a request did not conform to Discord's OpenAPI
        // description (see FakeDiscord's checkConformance); the ComfyUIs stop all the same.
        try {
          await discord.stop();
        } finally {
          await Promise.all(comfies.map((c) => c.stop()));
        }
      }
    },
  };
  return harness;
}

/** The job id a result message names in its footer ("job <id>"). */
export function jobIdOf(message: StoredMessage): string {
  const id = /job (\w+)/.exec(message.embeds?.[0]?.footer?.text ?? '')?.[1];
  if (!id) throw new Error(`no job id in the footer of ${JSON.stringify(message.embeds?.[0]?.footer)}`);
  return id;
}
