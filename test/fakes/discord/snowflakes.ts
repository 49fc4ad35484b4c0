const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Issues real-looking snowflakes: discord.js derives `createdAt` from them and the gateway
 * routes guilds to shards by their timestamp bits, so random strings would not do.
 */
export class SnowflakeFactory {
  private lastMs = 0n;
  private increment = 0n;

  next(): string {
    let ms = BigInt(Date.now()) - DISCORD_EPOCH;
    // Keep ids strictly increasing even when the clock stalls or steps back.
    if (ms <= this.lastMs) {
      this.increment += 1n;
      if (this.increment > 0xfffn) {
        this.lastMs += 1n;
        this.increment = 0n;
      }
      ms = this.lastMs;
    } else {
      this.lastMs = ms;
      this.increment = 0n;
    }
    return ((ms << 22n) | (1n << 17n) | (1n << 12n) | this.increment).toString();
  }
}

function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

/** Same name, same id, across fakes and runs: tests can hard-code expectations about fixtures. */
export function stableSnowflake(name: string): string {
  const hash = fnv1a64(name);
  // 2020-01-01 plus up to ~12 days of spread keeps these ids clearly older than runtime ones.
  const ms = 1_577_836_800_000n - DISCORD_EPOCH + (hash >> 34n);
  return ((ms << 22n) | (hash & 0x3fffffn)).toString();
}

/** Discord's shard formula: shard_id = (guild_id >> 22) % num_shards. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** A stable guild id that the shard formula places on `shardId` of `shardCount`. */
export function guildIdOnShard(shardId: number, shardCount: number, name = `guild-on-${shardId}-of-${shardCount}`): string {
  const base = BigInt(stableSnowflake(name));
  const count = BigInt(shardCount);
  const current = (base >> 22n) % count;
  const shift = (BigInt(shardId) - current + count) % count;
  return (base + (shift << 22n)).toString();
}
