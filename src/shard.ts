// One shard's process under the ShardingManager: the same bot, told its shard by discord.js.
process.env['SHARDING_MANAGER'] = 'true';
await import('./main.ts');
