// What Discord says about the channel an interaction came from.
import type { Channel } from 'discord.js';

/**
 * Discord's NSFW (age-restricted) mark. A thread has no mark of its own: it is
 * NSFW when its parent channel is. A channel the bot does not know (not cached)
 * and a DM are not NSFW.
 */
export function isNsfwChannel(channel: Channel | null | undefined): boolean {
  if (!channel) return false;
  if (channel.isThread()) return channel.parent?.nsfw ?? false;
  return 'nsfw' in channel && channel.nsfw === true;
}
