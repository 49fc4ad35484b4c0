import { ApplicationCommandType, ApplicationIntegrationType, InteractionContextType } from 'discord-api-types/v10';
import type { APIApplicationCommand, RESTPostAPIApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { SnowflakeFactory } from './snowflakes.ts';

/** Registered application commands, global (`guildId` undefined) or per guild. */
export class CommandRegistry {
  private readonly scopes = new Map<string, Map<string, APIApplicationCommand>>();

  constructor(
    private readonly applicationId: string,
    private readonly ids: SnowflakeFactory,
  ) {}

  list(guildId?: string): APIApplicationCommand[] {
    return [...(this.scopes.get(scopeKey(guildId))?.values() ?? [])];
  }

  /** Bulk overwrite: commands keep their id when their name and type survive, as on Discord. */
  overwrite(bodies: RESTPostAPIApplicationCommandsJSONBody[], guildId?: string): APIApplicationCommand[] {
    const previous = this.scopes.get(scopeKey(guildId)) ?? new Map<string, APIApplicationCommand>();
    const next = new Map<string, APIApplicationCommand>();
    for (const body of bodies) {
      const command = this.build(body, guildId, previous.get(commandKey(body))?.id);
      next.set(commandKey(body), command);
    }
    this.scopes.set(scopeKey(guildId), next);
    return [...next.values()];
  }

  upsert(body: RESTPostAPIApplicationCommandsJSONBody, guildId?: string): { command: APIApplicationCommand; created: boolean } {
    const scope = this.scopes.get(scopeKey(guildId)) ?? new Map<string, APIApplicationCommand>();
    this.scopes.set(scopeKey(guildId), scope);
    const existing = scope.get(commandKey(body));
    const command = this.build(body, guildId, existing?.id);
    scope.set(commandKey(body), command);
    return { command, created: !existing };
  }

  remove(id: string, guildId?: string): boolean {
    const scope = this.scopes.get(scopeKey(guildId));
    for (const [key, command] of scope ?? []) {
      if (command.id === id) return scope!.delete(key);
    }
    return false;
  }

  /** The id an invocation should carry: the registered one, or a stable stand-in. */
  find(name: string, type: ApplicationCommandType, guildId?: string | null): APIApplicationCommand | undefined {
    const key = `${type}:${name}`;
    return (guildId ? this.scopes.get(scopeKey(guildId))?.get(key) : undefined) ?? this.scopes.get(scopeKey())?.get(key);
  }

  private build(body: RESTPostAPIApplicationCommandsJSONBody, guildId: string | undefined, id: string | undefined): APIApplicationCommand {
    const command: APIApplicationCommand = {
      id: id ?? this.ids.next(),
      application_id: this.applicationId,
      version: this.ids.next(),
      type: body.type ?? ApplicationCommandType.ChatInput,
      name: body.name,
      name_localizations: body.name_localizations ?? null,
      description: 'description' in body && body.description !== undefined ? body.description : '',
      description_localizations: ('description_localizations' in body ? body.description_localizations : null) ?? null,
      options: 'options' in body && body.options ? body.options : [],
      // Sent as an integer (as Discord's OpenAPI description types it in requests), answered as a string.
      default_member_permissions: body.default_member_permissions === undefined || body.default_member_permissions === null ? null : String(body.default_member_permissions),
      nsfw: body.nsfw ?? false,
      integration_types: body.integration_types ?? [ApplicationIntegrationType.GuildInstall],
      contexts: body.contexts ?? [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel],
    };
    if (guildId) command.guild_id = guildId;
    return command;
  }
}

function scopeKey(guildId?: string | null): string {
  return guildId ?? 'global';
}

function commandKey(body: { name: string; type?: ApplicationCommandType }): string {
  return `${body.type ?? ApplicationCommandType.ChatInput}:${body.name}`;
}
