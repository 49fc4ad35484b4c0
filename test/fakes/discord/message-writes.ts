import { MessageFlags, MessageType } from 'discord-api-types/v10';
import type { APIMessageInteractionMetadata, APIUser } from 'discord-api-types/v10';
import type { UploadedFile } from './http-body.ts';
import { buildContent, type MessageWrite } from './message-body.ts';
import type { StoredMessage } from './message-store.ts';
import { errors, ok, type RestResponse } from './rest-responses.ts';
import { toAPIMessage } from './message-store.ts';
import type { DiscordWorld } from './world.ts';

export type WriteResult = { message: StoredMessage; error?: undefined } | { error: RestResponse };

export interface CreateOptions {
  channelId: string;
  write: MessageWrite;
  files: UploadedFile[];
  author?: APIUser;
  type?: MessageType;
  /** Deferred replies start empty with the LOADING flag. */
  loading?: boolean;
  interaction?: { token: string; metadata: APIMessageInteractionMetadata };
}

/** Creates a message the way a POST to Discord would, announcing it on the gateway. */
export async function createMessage(world: DiscordWorld, options: CreateOptions): Promise<WriteResult> {
  const where = world.channel(options.channelId);
  if (!where) return { error: errors.unknownChannel() };
  const requestedFlags = options.write.flags ?? 0;
  const ephemeral = Boolean(options.interaction && requestedFlags & MessageFlags.Ephemeral);
  const built = buildContent({
    write: options.interaction ? options.write : { ...options.write, flags: requestedFlags & ~MessageFlags.Ephemeral },
    files: options.files,
    uploadLimit: world.uploadLimit(options.channelId),
    store: world.uploadsTo(options.channelId, ephemeral),
    allowEmpty: options.loading ?? false,
  });
  if (built.error) return built;
  const content = built.content;
  if (options.loading) content.flags |= MessageFlags.Loading;
  const reference = options.write.message_reference;
  const message = world.messages.create({
    ...content,
    id: world.ids.next(),
    channel_id: options.channelId,
    ...(where.guild ? { guild_id: where.guild.id } : {}),
    author: options.author ?? world.botUser,
    type: options.type ?? (reference ? MessageType.Reply : MessageType.Default),
    tts: options.write.tts ?? false,
    ...(reference ? { message_reference: { ...reference, channel_id: reference.channel_id ?? options.channelId } } : {}),
    ...(options.interaction
      ? {
          webhook_id: world.applicationId,
          application_id: world.applicationId,
          interaction_metadata: options.interaction.metadata,
          interactionToken: options.interaction.token,
        }
      : {}),
  });
  await world.announce('MESSAGE_CREATE', message);
  return { message };
}

/** Applies an edit; `silent` fills a deferred reply without marking it edited. */
export async function editMessage(
  world: DiscordWorld,
  message: StoredMessage,
  write: MessageWrite,
  files: UploadedFile[],
  options: { silent?: boolean } = {},
): Promise<WriteResult> {
  const built = buildContent({
    previous: message,
    write,
    files,
    uploadLimit: world.uploadLimit(message.channel_id),
    store: world.uploadsTo(message.channel_id, Boolean(message.flags & MessageFlags.Ephemeral)),
  });
  if (built.error) return built;
  const silent = options.silent ?? Boolean(message.flags & MessageFlags.Loading);
  world.messages.edit(message, built.content, { silent });
  await world.announce('MESSAGE_UPDATE', message);
  return { message };
}

export function messageResponse(world: DiscordWorld, result: WriteResult): RestResponse {
  return result.error ?? ok(toAPIMessage(result.message, world.botUser.id));
}
