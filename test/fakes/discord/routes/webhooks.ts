import { MessageFlags } from 'discord-api-types/v10';
import { createInteractionMessage } from '../interaction-messages.ts';
import type { InteractionRecord } from '../interactions.ts';
import { readWrite } from '../message-body.ts';
import { toAPIMessage, type StoredMessage } from '../message-store.ts';
import { editMessage, messageResponse } from '../message-writes.ts';
import { errors, noContent, ok, type RestResponse } from '../rest-responses.ts';
import type { RestRequest, RestRouter, RouteParams } from '../rest-router.ts';
import type { DiscordWorld } from '../world.ts';

/** Interaction webhooks: follow-ups and `@original`/follow-up edits, authorised by the token alone. */
export function registerWebhookRoutes(router: RestRouter, world: DiscordWorld): void {
  // Unknown or expired tokens get 401 50027, which is what a bot sees 15 minutes after the interaction.
  const withInteraction =
    (handler: (record: InteractionRecord, req: RestRequest, params: RouteParams) => RestResponse | Promise<RestResponse>) =>
    (req: RestRequest, params: RouteParams): RestResponse | Promise<RestResponse> => {
      if (params['app'] !== world.applicationId) return errors.unknownWebhook();
      const record = world.interactions.withToken(params['token']!);
      if (!record || record.expired) return errors.invalidWebhookToken();
      return handler(record, req, params);
    };

  const withMessage = (handler: (message: StoredMessage, record: InteractionRecord, req: RestRequest) => RestResponse | Promise<RestResponse>) =>
    withInteraction((record, req, params) => {
      const message = findMessage(world, record, params['message']!);
      return message ? handler(message, record, req) : errors.unknownMessage();
    });

  router.on(
    'POST',
    '/webhooks/:app/:token',
    withInteraction(async (record, req) => {
      if (record.callbacks.length === 0) return errors.unknownWebhook();
      const write = readWrite(req.body);
      const files = req.body.files ?? [];
      const original = record.originalMessageId ? world.messages.byId.get(record.originalMessageId) : undefined;
      // Discord fills a still-loading deferred reply with the first follow-up instead of
      // posting a new message; the reply keeps the ephemerality chosen at defer time.
      const result =
        original && original.flags & MessageFlags.Loading
          ? await editMessage(world, original, { ...write, flags: null }, files)
          : await createInteractionMessage(world, record, write, files, original ? { followUpOf: original.id } : {});
      if (result.error) return result.error;
      return req.query['wait'] === 'true' ? ok(toAPIMessage(result.message, world.botUser.id)) : noContent();
    }),
  );

  const messagePath = '/webhooks/:app/:token/messages/:message';
  router.on('GET', messagePath, withMessage((message) => ok(toAPIMessage(message, world.botUser.id))));
  router.on(
    'PATCH',
    messagePath,
    withMessage(async (message, _record, req) =>
      messageResponse(world, await editMessage(world, message, readWrite(req.body), req.body.files ?? [])),
    ),
  );
  router.on(
    'DELETE',
    messagePath,
    withMessage(async (message) => {
      world.messages.delete(message.id);
      await world.announceDelete(message);
      return noContent();
    }),
  );
}

function findMessage(world: DiscordWorld, record: InteractionRecord, id: string): StoredMessage | undefined {
  if (id === '@original') return record.originalMessageId ? world.messages.byId.get(record.originalMessageId) : undefined;
  const message = world.messages.byId.get(id);
  return message && (message.interactionToken === record.token || message.id === record.originalMessageId) ? message : undefined;
}
