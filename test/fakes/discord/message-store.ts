import type {
  APIEmbed,
  APIMessage,
  APIMessageInteractionMetadata,
  APIMessageReference,
  APIMessageTopLevelComponent,
  APIPartialEmoji,
  APIUser,
  MessageType,
} from 'discord-api-types/v10';
import { toAPIAttachment, type StoredAttachment } from './cdn.ts';
import { componentsResponse, embedsResponse } from './component-response.ts';
import { Waiters } from './waiters.ts';

/** The parts of a message that an edit can change; every version is kept. */
export interface MessageContent {
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: StoredAttachment[];
  flags: number;
}

export interface MessageVersion extends MessageContent {
  at: number;
}

export interface StoredReaction {
  emoji: APIPartialEmoji;
  userIds: string[];
}

export interface StoredMessage extends MessageContent {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: APIUser;
  type: MessageType;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: APIMessageInteractionMetadata;
  message_reference?: APIMessageReference;
  /** Token of the interaction this message answers (reply, deferred reply or follow-up). */
  interactionToken?: string;
  reactions: StoredReaction[];
  /** Every version, oldest first; the last one equals the current content. */
  history: MessageVersion[];
}

export type NewMessage = Omit<StoredMessage, 'timestamp' | 'edited_timestamp' | 'reactions' | 'history' | 'tts'> & {
  tts?: boolean;
};

export class MessageStore {
  readonly byId = new Map<string, StoredMessage>();
  readonly deleted = new Map<string, StoredMessage>();
  private readonly waiters = new Waiters<StoredMessage>();

  create(message: NewMessage): StoredMessage {
    const stored: StoredMessage = {
      tts: false,
      ...message,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      reactions: [],
      history: [],
    };
    stored.history.push(snapshot(stored));
    this.byId.set(stored.id, stored);
    this.waiters.notify(stored);
    return stored;
  }

  edit(message: StoredMessage, next: MessageContent, options: { silent?: boolean } = {}): StoredMessage {
    Object.assign(message, next);
    // A deferred reply being filled in is not an "edit" in Discord's eyes.
    if (!options.silent) message.edited_timestamp = new Date().toISOString();
    message.history.push(snapshot(message));
    this.waiters.notify(message);
    return message;
  }

  /** Wakes waiters after a change that is not a new version (reactions). */
  touched(message: StoredMessage): void {
    this.waiters.notify(message);
  }

  delete(id: string): StoredMessage | undefined {
    const message = this.byId.get(id);
    if (!message) return undefined;
    this.byId.delete(id);
    this.deleted.set(id, message);
    return message;
  }

  waitFor(predicate: (message: StoredMessage) => boolean, timeoutMs: number): Promise<StoredMessage> {
    return this.waiters.wait(predicate, this.byId.values(), timeoutMs, () => {
      const recent = [...this.byId.values()]
        .slice(-10)
        .map((m) => `  ${m.id} in ${m.channel_id}: ${JSON.stringify(m.content.slice(0, 80))} (${m.attachments.length} attachments, ${m.history.length} versions)`)
        .join('\n');
      return `waitForMessage: no matching message within ${timeoutMs} ms; stored:\n${recent || '  (none)'}`;
    });
  }

  close(): void {
    this.waiters.rejectAll('waitForMessage: the fake was stopped');
  }
}

function snapshot(message: MessageContent): MessageVersion {
  return {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments,
    flags: message.flags,
    at: Date.now(),
  };
}

export function emojiKey(emoji: APIPartialEmoji): string {
  return emoji.id ?? emoji.name ?? '';
}

/** The message as Discord would return it to `viewerId` (for `me` on reactions). */
export function toAPIMessage(message: StoredMessage, viewerId: string): APIMessage {
  const api: APIMessage = {
    id: message.id,
    channel_id: message.channel_id,
    type: message.type,
    content: message.content,
    author: message.author,
    attachments: message.attachments.map(toAPIAttachment),
    embeds: embedsResponse(message.embeds),
    components: componentsResponse(message.components, message.attachments),
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: message.tts,
    timestamp: message.timestamp,
    edited_timestamp: message.edited_timestamp,
    flags: message.flags,
  };
  if (message.webhook_id) api.webhook_id = message.webhook_id;
  if (message.application_id) api.application_id = message.application_id;
  if (message.interaction_metadata) api.interaction_metadata = message.interaction_metadata;
  if (message.message_reference) api.message_reference = message.message_reference;
  if (message.reactions.length > 0) {
    api.reactions = message.reactions.map((r) => ({
      emoji: r.emoji,
      count: r.userIds.length,
      count_details: { burst: 0, normal: r.userIds.length },
      me: r.userIds.includes(viewerId),
      me_burst: false,
      burst_colors: [],
    }));
  }
  return api;
}
