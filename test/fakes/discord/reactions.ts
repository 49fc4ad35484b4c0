import type { APIPartialEmoji, APIUser } from 'discord-api-types/v10';
import { emojiKey, type StoredMessage } from './message-store.ts';
import type { DiscordWorld } from './world.ts';

/** `👍`, `name:id` (as in REST paths) or `<:name:id>` (as in message content). */
export function parseEmoji(text: string): APIPartialEmoji {
  const custom = /^(?:<a?:|a:)?([\w~]+):(\d+)>?$/.exec(text);
  if (custom) return { id: custom[2]!, name: custom[1]! };
  return { id: null, name: text };
}

/** Records the reaction and dispatches MESSAGE_REACTION_ADD; resolves with how many sessions got it. */
export async function addReaction(world: DiscordWorld, message: StoredMessage, user: APIUser, emoji: APIPartialEmoji): Promise<number> {
  let reaction = message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
  if (!reaction) {
    reaction = { emoji, userIds: [] };
    message.reactions.push(reaction);
  }
  // Reacting twice with the same emoji is a no-op on Discord: no second event either.
  if (reaction.userIds.includes(user.id)) return 0;
  reaction.userIds.push(user.id);
  world.messages.touched(message);
  const guild = message.guild_id ? world.guilds.get(message.guild_id) : undefined;
  return world.dispatch(
    'MESSAGE_REACTION_ADD',
    {
      user_id: user.id,
      channel_id: message.channel_id,
      message_id: message.id,
      emoji,
      burst: false,
      type: 0,
      burst_colors: [],
      message_author_id: message.author.id,
      ...(guild ? { guild_id: guild.id, member: world.memberOf(guild, user) } : {}),
    },
    { guildId: guild?.id ?? null },
  );
}

export async function removeReaction(world: DiscordWorld, message: StoredMessage, userId: string, emoji: APIPartialEmoji): Promise<number> {
  const reaction = message.reactions.find((r) => emojiKey(r.emoji) === emojiKey(emoji));
  if (!reaction?.userIds.includes(userId)) return 0;
  reaction.userIds = reaction.userIds.filter((id) => id !== userId);
  if (reaction.userIds.length === 0) message.reactions = message.reactions.filter((r) => r !== reaction);
  world.messages.touched(message);
  return world.dispatch(
    'MESSAGE_REACTION_REMOVE',
    {
      user_id: userId,
      channel_id: message.channel_id,
      message_id: message.id,
      emoji,
      burst: false,
      type: 0,
      ...(message.guild_id ? { guild_id: message.guild_id } : {}),
    },
    { guildId: message.guild_id ?? null },
  );
}

export async function clearReactions(world: DiscordWorld, message: StoredMessage, emoji?: APIPartialEmoji): Promise<void> {
  const where = { channel_id: message.channel_id, message_id: message.id, ...(message.guild_id ? { guild_id: message.guild_id } : {}) };
  if (emoji) {
    message.reactions = message.reactions.filter((r) => emojiKey(r.emoji) !== emojiKey(emoji));
    world.messages.touched(message);
    await world.dispatch('MESSAGE_REACTION_REMOVE_EMOJI', { ...where, emoji }, { guildId: message.guild_id ?? null });
  } else {
    message.reactions = [];
    world.messages.touched(message);
    await world.dispatch('MESSAGE_REACTION_REMOVE_ALL', where, { guildId: message.guild_id ?? null });
  }
}
