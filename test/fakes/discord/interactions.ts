import { randomBytes } from 'node:crypto';
import type { APICommandAutocompleteInteractionResponseCallbackData, APIInteraction, APIUser, InteractionType } from 'discord-api-types/v10';

export type AutocompleteChoices = NonNullable<APICommandAutocompleteInteractionResponseCallbackData['choices']>;

export interface InteractionCallbackRecord {
  type: number;
  data?: unknown;
  at: number;
}

/** One interaction the fake sent, and what the bot did with it. */
export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType;
  guildId: string | null;
  channelId: string;
  user: APIUser;
  payload: APIInteraction;
  callbacks: InteractionCallbackRecord[];
  /** Once true, webhook calls with this token get 401 code 50027 and callbacks 404 code 10062. */
  expired: boolean;
  /** The message `@original` designates (reply, deferred reply, or the component's message). */
  originalMessageId?: string;
  /** For component interactions: the message the component sits on. */
  sourceMessageId?: string;
  /** Data of a type 9 (modal) callback. */
  modal?: unknown;
  autocomplete?: {
    resolve: (choices: AutocompleteChoices) => void;
    reject: (error: Error) => void;
  };
}

export function newInteractionToken(id: string): string {
  // Same alphabet and prefix as Discord's tokens; url-safe so it needs no escaping in paths.
  return `aW50ZXJhY3Rpb246${Buffer.from(`${id}:${randomBytes(48).toString('base64url')}`).toString('base64url')}`;
}

export class InteractionRegistry {
  private readonly byToken = new Map<string, InteractionRecord>();
  private readonly byId = new Map<string, InteractionRecord>();

  add(record: InteractionRecord): void {
    this.byToken.set(record.token, record);
    this.byId.set(record.id, record);
  }

  withToken(token: string): InteractionRecord | undefined {
    return this.byToken.get(token);
  }

  withId(id: string): InteractionRecord | undefined {
    return this.byId.get(id);
  }

  all(): InteractionRecord[] {
    return [...this.byId.values()];
  }

  close(): void {
    for (const record of this.byId.values()) record.autocomplete?.reject(new Error('sendAutocomplete: the fake was stopped'));
  }
}
