// The discord.js client with exactly the intents and partials the bot needs.
import { createRequire } from 'node:module';
import { Client, DefaultRestOptions, GatewayIntentBits, Partials, REST, type ClientOptions, type RESTOptions } from 'discord.js';
import { fitRequest } from './limits.ts';

/**
 * The HTTP agent of the undici that @discordjs/rest is built on (6.x). Without an
 * agent of its own, discord.js sends through the process-wide one, which is made
 * by whichever copy of undici loads first: when that is the bot's own undici 7
 * (the ComfyUI client), it cannot encode the FormData discord.js hands it and
 * every upload fails ("action is not a function"). Found from discord.js's own
 * dependencies, so it is always the copy discord.js expects.
 */
function discordAgent(): NonNullable<RESTOptions['agent']> {
  const fromDiscord = createRequire(createRequire(import.meta.url).resolve('discord.js'));
  const fromRest = createRequire(fromDiscord.resolve('@discordjs/rest'));
  const { Agent } = fromRest('undici') as { Agent: new () => NonNullable<RESTOptions['agent']> };
  return new Agent();
}

export interface DiscordClientOptions {
  apiUrl?: string;
  extra?: Partial<ClientOptions>;
  /** Told when a request had texts over Discord's limits and was cut to fit (their JSON paths). */
  onShortened?: (fields: string[], method: string) => void;
}

export function createDiscordClient(options: DiscordClientOptions = {}): Client {
  const send = options.extra?.rest?.makeRequest ?? DefaultRestOptions.makeRequest;
  return new Client({
    // Guilds fills the channel cache (reactions need it); GuildMessageReactions delivers ❌.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    // Reactions on messages sent before a restart arrive for uncached messages.
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    ...options.extra,
    // Every interaction token gets its own rate-limit handler; sweep them every minute
    // instead of every hour, or thousands of finished jobs' handlers stay in memory.
    rest: {
      handlerSweepInterval: 60_000,
      agent: discordAgent(),
      ...(options.apiUrl ? { api: options.apiUrl } : {}),
      ...options.extra?.rest,
      // Every request, the interaction REST's too (it copies these options), fits Discord's limits.
      makeRequest: (url, init) => {
        const cut = fitRequest(init);
        if (cut.length > 0) options.onShortened?.(cut, init.method ?? 'GET');
        return send(url, init);
      },
    },
  });
}

/**
 * Client options for a process that is not a ShardingManager's child. discord.js reads its own
 * SHARDS variable (the shard ids the manager gives each child) from the environment, where .env
 * put ours (how many shards): with SHARDS=1 it would identify as shard 1 of 1, which Discord
 * refuses, and an empty SHARDS= does not even parse. Such a process is the one shard.
 */
export const UNSHARDED = { shards: [0], shardCount: 1 } satisfies Partial<ClientOptions>;

/**
 * A REST client for requests made with an interaction token (editing a command's reply).
 * Discord does not count them against the bot's global rate limit, but discord.js's
 * own REST does: sharing it would hold 100 result edits behind each other at 50 a second.
 * Each token's own route limit still applies, from Discord's headers.
 */
export function createInteractionRest(client: Client): REST {
  return new REST({ ...client.options.rest, agent: discordAgent(), globalRequestsPerSecond: Number.MAX_SAFE_INTEGER });
}

/** Stops the interval timers a REST client runs and closes its connections. */
export function closeRest(rest: REST): void {
  rest.clearHandlerSweeper();
  rest.clearHashSweeper();
  void (rest.agent as { close?: () => Promise<void> } | null)?.close?.().catch(() => {});
}
