import { InteractionResponseType, InteractionType, MessageFlags } from 'discord-api-types/v10';
import type { ParsedBody } from '../http-body.ts';
import { createInteractionMessage } from '../interaction-messages.ts';
import type { AutocompleteChoices, InteractionRecord } from '../interactions.ts';
import type { MessageWrite } from '../message-body.ts';
import { toAPIMessage, type StoredMessage } from '../message-store.ts';
import { editMessage } from '../message-writes.ts';
import { errors, noContent, ok, type RestResponse } from '../rest-responses.ts';
import type { RestRouter } from '../rest-router.ts';
import type { DiscordWorld } from '../world.ts';

interface CallbackBody {
  type?: unknown;
  data?: Record<string, unknown>;
}

// Which callback types each interaction type accepts, per Discord's docs.
const ALLOWED: Record<number, number[]> = {
  [InteractionType.ApplicationCommand]: [4, 5, 9, 12],
  [InteractionType.MessageComponent]: [4, 5, 6, 7, 9, 12],
  [InteractionType.ApplicationCommandAutocomplete]: [8],
  [InteractionType.ModalSubmit]: [4, 5, 6, 7],
};

/** POST /interactions/{id}/{token}/callback: the bot's first answer to an interaction. */
export function registerInteractionCallbackRoute(router: RestRouter, world: DiscordWorld): void {
  router.on('POST', '/interactions/:id/:token/callback', async (req, { id, token }) => {
    const record = world.interactions.withToken(token!);
    if (!record || record.id !== id || record.expired) return errors.unknownInteraction();
    const body = callbackBody(req.body);
    if (typeof body.type !== 'number') return errors.invalidFormBody('type: required');
    if (record.callbacks.length > 0) return errors.alreadyAcknowledged();
    if (!ALLOWED[record.type]?.includes(body.type)) {
      return errors.invalidFormBody(`type: callback ${body.type} is not valid for interaction type ${record.type}`);
    }
    // One of the callback types listed above.
    const type = body.type as InteractionResponseType;

    // Recorded before the side effects so that waiters woken by them already see it,
    // and so a concurrent second callback is refused as on Discord.
    const callback = { type, ...(body.data !== undefined ? { data: body.data } : {}), at: Date.now() };
    record.callbacks.push(callback);
    const outcome = await respond(world, record, type, body.data ?? {}, req.body);
    if ('status' in outcome) {
      record.callbacks = record.callbacks.filter((c) => c !== callback);
      return outcome;
    }
    if (type === InteractionResponseType.ApplicationCommandAutocompleteResult) {
      record.autocomplete?.resolve(((body.data?.['choices'] ?? []) as AutocompleteChoices));
    }
    if (type === InteractionResponseType.Modal) record.modal = body.data;

    if (req.query['with_response'] !== 'true') return noContent();
    const message = outcome.message;
    return ok({
      interaction: {
        id: record.id,
        type: record.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: Boolean(message.flags & MessageFlags.Loading),
              response_message_ephemeral: Boolean(message.flags & MessageFlags.Ephemeral),
            }
          : {}),
      },
      // The resource says what happened to a message: created (4, also for a deferred reply) or
      // updated (7, also for a deferred update); a modal or autocomplete answer has none.
      ...(message ? { resource: { type: resourceType(type), message: toAPIMessage(message, world.botUser.id) } } : {}),
    });
  });
}

function resourceType(callbackType: InteractionResponseType): InteractionResponseType {
  return callbackType === InteractionResponseType.DeferredMessageUpdate || callbackType === InteractionResponseType.UpdateMessage
    ? InteractionResponseType.UpdateMessage
    : InteractionResponseType.ChannelMessageWithSource;
}

function callbackBody(body: ParsedBody): CallbackBody {
  const source = body.payload ?? body.json;
  return source && typeof source === 'object' ? source : {};
}

async function respond(
  world: DiscordWorld,
  record: InteractionRecord,
  type: InteractionResponseType,
  data: MessageWrite,
  body: ParsedBody,
): Promise<{ message?: StoredMessage } | RestResponse> {
  const files = body.files ?? [];
  switch (type) {
    case InteractionResponseType.ChannelMessageWithSource: {
      const result = await createInteractionMessage(world, record, data, files);
      if (result.error) return result.error;
      record.originalMessageId = result.message.id;
      return { message: result.message };
    }
    case InteractionResponseType.DeferredChannelMessageWithSource: {
      const flags = (data.flags ?? 0) & MessageFlags.Ephemeral;
      const result = await createInteractionMessage(world, record, { flags }, [], { loading: true });
      if (result.error) return result.error;
      record.originalMessageId = result.message.id;
      return { message: result.message };
    }
    case InteractionResponseType.DeferredMessageUpdate:
    case InteractionResponseType.UpdateMessage: {
      const source = record.sourceMessageId ? world.messages.byId.get(record.sourceMessageId) : undefined;
      if (!source) return errors.unknownMessage();
      // From now on `@original` is the message the component sits on.
      record.originalMessageId = source.id;
      if (type === InteractionResponseType.DeferredMessageUpdate) return { message: source };
      const result = await editMessage(world, source, data, files, { silent: false });
      return result.error ?? { message: result.message };
    }
    default:
      return {};
  }
}
