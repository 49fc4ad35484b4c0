import type { RESTPostAPIApplicationCommandsJSONBody } from 'discord-api-types/v10';
import { created, errors, noContent, ok, type RestResponse } from '../rest-responses.ts';
import type { RestRequest, RestRouter, RouteParams } from '../rest-router.ts';
import type { DiscordWorld } from '../world.ts';

/** Command registration, global and per guild. */
export function registerApplicationRoutes(router: RestRouter, world: DiscordWorld): void {
  // Checks the application id and the guild, then hands over the scope (undefined = global).
  const scoped =
    (handler: (req: RestRequest, params: RouteParams, guildId: string | undefined) => RestResponse) =>
    (req: RestRequest, params: RouteParams): RestResponse => {
      if (params['app'] !== world.applicationId) return errors.missingAccess();
      const guildId = params['guild'];
      if (guildId !== undefined && !world.guilds.has(guildId)) return errors.unknownGuild();
      return handler(req, params, guildId);
    };

  const list = scoped((_req, _params, guildId) => ok(world.commands.list(guildId)));
  const overwrite = scoped((req, _params, guildId) => {
    if (!Array.isArray(req.body.json)) return errors.invalidFormBody('expected a JSON array of commands');
    return ok(world.commands.overwrite(req.body.json as RESTPostAPIApplicationCommandsJSONBody[], guildId));
  });
  const upsert = scoped((req, _params, guildId) => {
    const body = req.body.json as RESTPostAPIApplicationCommandsJSONBody | undefined;
    if (!body || typeof body.name !== 'string') return errors.invalidFormBody('name: required');
    const { command, created: isNew } = world.commands.upsert(body, guildId);
    return isNew ? created(command) : ok(command);
  });
  const remove = scoped((_req, params, guildId) =>
    world.commands.remove(params['command']!, guildId) ? noContent() : errors.unknownCommand(),
  );

  for (const base of ['/applications/:app/commands', '/applications/:app/guilds/:guild/commands']) {
    router.on('GET', base, list);
    router.on('PUT', base, overwrite);
    router.on('POST', base, upsert);
    router.on('DELETE', `${base}/:command`, remove);
  }
}
