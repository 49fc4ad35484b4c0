// The discord.js client with exactly the intents and partials the bot needs.
import { Client, GatewayIntentBits, Partials, type ClientOptions } from 'discord.js';

export function createDiscordClient(options: { apiUrl?: string; extra?: Partial<ClientOptions> } = {}): Client {
  return new Client({
    // Guilds fills the channel cache (reactions need it); GuildMessageReactions delivers ❌.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    // Reactions on messages sent before a restart arrive for uncached messages.
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    ...options.extra,
    // Every interaction token gets its own rate-limit handler; sweep them every minute
    // instead of every hour, or thousands of finished jobs' handlers stay in memory.
    rest: { handlerSweepInterval: 60_000, ...(options.apiUrl ? { api: options.apiUrl } : {}), ...options.extra?.rest },
  });
}
