import { readWrite } from '../message-body.ts';
import { emojiKey, toAPIMessage, type StoredMessage } from '../message-store.ts';
import { createMessage, editMessage, messageResponse } from '../message-writes.ts';
import { addReaction, clearReactions, parseEmoji, removeReaction } from '../reactions.ts';
import { errors, noContent, ok, type RestResponse } from '../rest-responses.ts';
import type { RestRequest, RestRouter, RouteParams } from '../rest-router.ts';
import type { DiscordWorld } from '../world.ts';

/** Plain channel messages (not interaction webhooks) and reactions on any stored message. */
export function registerChannelMessageRoutes(router: RestRouter, world: DiscordWorld): void {
  // Resolves channel then message, answering 10003 / 10008 like Discord when either is unknown.
  const withMessage =
    (handler: (message: StoredMessage, params: RouteParams, req: RestRequest) => RestResponse | Promise<RestResponse>) =>
    (req: RestRequest, params: RouteParams): RestResponse | Promise<RestResponse> => {
      if (!world.channel(params['channel']!)) return errors.unknownChannel();
      const message = world.messages.byId.get(params['message']!);
      if (!message || message.channel_id !== params['channel']) return errors.unknownMessage();
      return handler(message, params, req);
    };

  router.on('POST', '/channels/:channel/messages', async (req, { channel }) => {
    const where = world.channel(channel!);
    if (where?.kind === 'dm' && where.channel.recipients?.some((u) => world.closedDms.has(u.id))) return errors.cannotMessageUser();
    return messageResponse(world, await createMessage(world, { channelId: channel!, write: readWrite(req.body), files: req.body.files ?? [] }));
  });

  router.on('GET', '/channels/:channel/messages', (req, { channel }) => {
    if (!world.channel(channel!)) return errors.unknownChannel();
    const limit = Math.min(Number(req.query['limit'] ?? 50), 100);
    const before = req.query['before'] ? BigInt(req.query['before']) : undefined;
    const after = req.query['after'] ? BigInt(req.query['after']) : undefined;
    const found = [...world.messages.byId.values()]
      .filter((m) => m.channel_id === channel)
      .filter((m) => (before === undefined || BigInt(m.id) < before) && (after === undefined || BigInt(m.id) > after))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
      .slice(0, limit);
    return ok(found.map((m) => toAPIMessage(m, world.botUser.id)));
  });

  router.on('GET', '/channels/:channel/messages/:message', withMessage((message) => ok(toAPIMessage(message, world.botUser.id))));

  router.on(
    'PATCH',
    '/channels/:channel/messages/:message',
    withMessage(async (message, _params, req) => {
      if (message.author.id !== world.botUser.id) return errors.cannotEditOthersMessage();
      return messageResponse(world, await editMessage(world, message, readWrite(req.body), req.body.files ?? [], { silent: false }));
    }),
  );

  router.on(
    'DELETE',
    '/channels/:channel/messages/:message',
    withMessage(async (message) => {
      world.messages.delete(message.id);
      await world.announceDelete(message);
      return noContent();
    }),
  );

  const reactionBase = '/channels/:channel/messages/:message/reactions';
  router.on(
    'PUT',
    `${reactionBase}/:emoji/:user`,
    withMessage(async (message, { emoji, user }) => {
      if (user !== '@me') return errors.methodNotAllowed();
      await addReaction(world, message, world.botUser, parseEmoji(emoji!));
      return noContent();
    }),
  );
  router.on(
    'DELETE',
    `${reactionBase}/:emoji/:user`,
    withMessage(async (message, { emoji, user }) => {
      await removeReaction(world, message, user === '@me' ? world.botUser.id : user!, parseEmoji(emoji!));
      return noContent();
    }),
  );
  router.on(
    'GET',
    `${reactionBase}/:emoji`,
    withMessage((message, { emoji }) => {
      const key = emojiKey(parseEmoji(emoji!));
      const ids = message.reactions.find((r) => emojiKey(r.emoji) === key)?.userIds ?? [];
      return ok(ids.map((id) => world.users.get(id)).filter(Boolean));
    }),
  );
  router.on(
    'DELETE',
    `${reactionBase}/:emoji`,
    withMessage(async (message, { emoji }) => {
      await clearReactions(world, message, parseEmoji(emoji!));
      return noContent();
    }),
  );
  router.on(
    'DELETE',
    reactionBase,
    withMessage(async (message) => {
      await clearReactions(world, message);
      return noContent();
    }),
  );
}
