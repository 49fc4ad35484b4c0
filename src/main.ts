// `npm start`: the bot, or with SHARDS set, a ShardingManager running one bot process per shard.
import 'dotenv/config';
import { ShardingManager } from 'discord.js';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBot } from './app.ts';
import { ConfigError, loadConfig, secretsOf } from './config.ts';
import { UNSHARDED } from './discord/client.ts';
import { relayQueueEvents } from './jobs/queue-signal.ts';
import { createLogger } from './log.ts';

async function main(): Promise<void> {
  // Inside a shard, discord.js's own SHARDS variable (this process's shard ids) replaces ours.
  const isShard = Boolean(process.env['SHARDING_MANAGER']);
  let config;
  try {
    config = loadConfig(isShard ? { ...process.env, SHARDS: undefined } : process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: err }));

  if (config.SHARDS !== 1 && !isShard) {
    // shard.ts under tsx (npm run dev), shard.js once built (npm start).
    const here = fileURLToPath(import.meta.url);
    const manager = new ShardingManager(join(dirname(here), `shard${extname(here)}`), {
      token: config.DISCORD_TOKEN,
      totalShards: config.SHARDS,
      execArgv: process.execArgv,
      respawn: true,
    });
    manager.on('shardCreate', (shard) => {
      log.info('shard started', { shard: shard.id });
      // The shards share one queue: what one changes, the others hear of at once.
      relayQueueEvents(shard, () => manager.shards.values());
    });
    await manager.spawn();
    const stop = () => {
      for (const shard of manager.shards.values()) shard.kill();
      process.exit(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }

  const bot = await startBot(config, { log, discord: isShard ? {} : UNSHARDED });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // Jobs keep running on ComfyUI; the ledger re-attaches them at the next start.
    const force = setTimeout(() => process.exit(0), 4_000);
    force.unref();
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await bot.ready.catch((err: unknown) => {
    log.error('the bot could not start', { error: err });
    process.exit(1);
  });
}

await main();
