import { ApplicationCommandType, InteractionType, MessageType } from 'discord-api-types/v10';
import type { APIMessageInteractionMetadata } from 'discord-api-types/v10';
import type { UploadedFile } from './http-body.ts';
import type { InteractionRecord } from './interactions.ts';
import type { MessageWrite } from './message-body.ts';
import { createMessage, type WriteResult } from './message-writes.ts';
import type { DiscordWorld } from './world.ts';

export function metadataFor(record: InteractionRecord, originalResponseId?: string): APIMessageInteractionMetadata {
  const base = {
    id: record.id,
    user: record.user,
    authorizing_integration_owners: record.payload.authorizing_integration_owners,
    ...(originalResponseId ? { original_response_message_id: originalResponseId } : {}),
  };
  if (record.type === InteractionType.MessageComponent) {
    return { ...base, type: InteractionType.MessageComponent, interacted_message_id: record.sourceMessageId ?? '0' };
  }
  return { ...base, type: InteractionType.ApplicationCommand };
}

function messageTypeFor(record: InteractionRecord): MessageType {
  if (record.payload.type !== InteractionType.ApplicationCommand) return MessageType.Default;
  return record.payload.data.type === ApplicationCommandType.ChatInput ? MessageType.ChatInputCommand : MessageType.ContextMenuCommand;
}

/** A reply or follow-up: authored by the bot through the application's webhook. */
export function createInteractionMessage(
  world: DiscordWorld,
  record: InteractionRecord,
  write: MessageWrite,
  files: UploadedFile[],
  options: { loading?: boolean; followUpOf?: string } = {},
): Promise<WriteResult> {
  return createMessage(world, {
    channelId: record.channelId,
    write,
    files,
    type: messageTypeFor(record),
    ...(options.loading ? { loading: true } : {}),
    interaction: { token: record.token, metadata: metadataFor(record, options.followUpOf) },
  });
}
