import { ApplicationFlags } from 'discord-api-types/v10';
import type { APIApplication } from 'discord-api-types/v10';
import { toAPIGuild } from '../fixtures.ts';
import { errors, ok } from '../rest-responses.ts';
import type { RestRouter } from '../rest-router.ts';
import type { DiscordWorld } from '../world.ts';

export interface BasicsConfig {
  shards: number;
  gatewayUrl: () => string;
}

/** Gateway discovery, users, guilds and channels: the read-only lookups bots make. */
export function registerBasicRoutes(router: RestRouter, world: DiscordWorld, config: BasicsConfig): void {
  const gatewayBot = () =>
    ok({
      // No query string: @discordjs/ws appends ?v=10&encoding=json itself.
      url: config.gatewayUrl(),
      shards: config.shards,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
    });
  router.on('GET', '/gateway/bot', gatewayBot);
  router.on('GET', '/gateway', () => ok({ url: config.gatewayUrl() }));

  // The current user comes with the fields only its owner sees.
  router.on('GET', '/users/@me', () => ok({ ...world.botUser, mfa_enabled: false, locale: 'en-US', verified: true }));
  router.on('GET', '/users/:user', (_req, { user }) => {
    const found = world.users.get(user!);
    return found ? ok(found) : errors.unknownUser();
  });
  router.on('GET', '/applications/@me', () => ok(application(world)));
  // Opens (or finds) the DM channel with a user, as Discord does for POST /users/@me/channels.
  router.on('POST', '/users/@me/channels', (req) => {
    const recipient = (req.body.json as { recipient_id?: unknown } | undefined)?.recipient_id;
    const user = typeof recipient === 'string' ? world.users.get(recipient) : undefined;
    return user ? ok(world.dmChannelWith(user)) : errors.unknownUser();
  });

  router.on('GET', '/guilds/:guild', (req, { guild }) => {
    const found = world.guilds.get(guild!);
    if (!found) return errors.unknownGuild();
    const counts = req.query['with_counts'] === 'true' ? { approximate_member_count: found.members.size, approximate_presence_count: 0 } : {};
    return ok({ ...toAPIGuild(found), ...REST_GUILD_FIELDS, ...counts });
  });
  router.on('GET', '/guilds/:guild/channels', (_req, { guild }) => {
    const found = world.guilds.get(guild!);
    return found ? ok(found.channels) : errors.unknownGuild();
  });
  router.on('GET', '/guilds/:guild/roles', (_req, { guild }) => {
    const found = world.guilds.get(guild!);
    return found ? ok(found.roles) : errors.unknownGuild();
  });
  router.on('GET', '/guilds/:guild/members/:user', (_req, { guild, user }) => {
    const found = world.guilds.get(guild!);
    if (!found) return errors.unknownGuild();
    const member = found.members.get(user!);
    return member ? ok(member) : errors.unknownMember();
  });

  router.on('GET', '/channels/:channel', (_req, { channel }) => {
    const found = world.channel(channel!);
    return found ? ok(found.channel) : errors.unknownChannel();
  });
}

// Fields GET /guilds/{id} always has (Discord's GuildResponse) that the gateway's guild lacks.
const REST_GUILD_FIELDS = {
  home_header: null,
  region: 'deprecated',
  widget_enabled: false,
  widget_channel_id: null,
  max_stage_video_channel_users: 50,
  max_video_channel_users: 25,
  nsfw: false,
};

function application(world: DiscordWorld): Partial<APIApplication> {
  return {
    id: world.applicationId,
    name: world.botUser.username,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    team: null,
    flags: ApplicationFlags.GatewayMessageContentLimited,
    bot: world.botUser,
  };
}
