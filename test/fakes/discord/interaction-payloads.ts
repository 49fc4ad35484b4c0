import { ApplicationCommandOptionType, ApplicationCommandType, ChannelType, ComponentType, InteractionContextType, InteractionType } from 'discord-api-types/v10';
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandInteractionDataOption,
  APIAttachment,
  APIBaseInteraction,
  APIChatInputApplicationCommandInteraction,
  APIDMChannel,
  APIInteractionDataResolved,
  APIInteractionGuildMember,
  APIMessage,
  APIMessageComponentInteraction,
  APIModalSubmitInteraction,
  APIUser,
  Locale,
} from 'discord-api-types/v10';
import { uploadLimitBytes, type FakeGuild, type FakeGuildChannel } from './fixtures.ts';

/** Who invokes, where, and with which permissions. */
export interface InvocationContext {
  applicationId: string;
  id: string;
  token: string;
  user: APIUser;
  guild?: FakeGuild;
  member?: APIInteractionGuildMember;
  channel: FakeGuildChannel | APIDMChannel;
  appPermissions: string;
  locale: Locale;
  /** Overrides the guild tier's `attachment_size_limit`; null leaves it out. */
  attachmentSizeLimit?: number | null;
}

/** Things options may refer to by id, so `resolved` can be filled like Discord does. */
export interface ResolvableThings {
  attachments: (id: string) => APIAttachment | undefined;
  users: (id: string) => APIUser | undefined;
}

// Fields discord.js reads unconditionally: a missing `entitlements` throws inside its packet handler.
function envelope<T extends InteractionType, D>(ctx: InvocationContext, type: T, data: D): APIBaseInteraction<T, D> {
  const inGuild = ctx.guild !== undefined;
  const channel = inGuild
    ? { ...ctx.channel, permissions: ctx.member?.permissions ?? '0' }
    : { ...ctx.channel };
  const payload: APIBaseInteraction<T, D> = {
    id: ctx.id,
    application_id: ctx.applicationId,
    type,
    data,
    token: ctx.token,
    version: 1,
    channel,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated for readers, but Discord still sends it
    channel_id: ctx.channel.id,
    app_permissions: ctx.appPermissions,
    locale: ctx.locale,
    entitlements: [],
    // Guild installs say which guild; in the bot's DM the guild install owner is "0".
    authorizing_integration_owners: { 0: ctx.guild?.id ?? '0' },
    context: inGuild ? InteractionContextType.Guild : InteractionContextType.BotDM,
    attachment_size_limit: ctx.attachmentSizeLimit ?? uploadLimitBytes(ctx.guild?.premiumTier ?? 0),
    ...(inGuild
      ? {
          guild_id: ctx.guild!.id,
          guild: { id: ctx.guild!.id, locale: ctx.guild!.preferredLocale, features: [] },
          guild_locale: ctx.guild!.preferredLocale,
          member: ctx.member!,
        }
      : { user: ctx.user }),
  };
  // Older API versions sent no limit: the field is left out.
  if (ctx.attachmentSizeLimit === null) delete (payload as Partial<APIBaseInteraction<T, D>>).attachment_size_limit;
  return payload;
}

export function chatInputInteraction(
  ctx: InvocationContext,
  command: { id: string; name: string; guildId?: string },
  options: APIApplicationCommandInteractionDataOption[] | undefined,
  extraAttachments: APIAttachment[],
  things: ResolvableThings,
): APIChatInputApplicationCommandInteraction {
  const resolved = resolveOptions(ctx, options ?? [], extraAttachments, things);
  return envelope(ctx, InteractionType.ApplicationCommand, {
    id: command.id,
    name: command.name,
    type: ApplicationCommandType.ChatInput,
    ...(command.guildId ? { guild_id: command.guildId } : {}),
    ...(options ? { options } : {}),
    ...(resolved ? { resolved } : {}),
  }) as APIChatInputApplicationCommandInteraction;
}

export function autocompleteInteraction(
  ctx: InvocationContext,
  command: { id: string; name: string; guildId?: string },
  options: APIApplicationCommandInteractionDataOption<InteractionType.ApplicationCommandAutocomplete>[],
): APIApplicationCommandAutocompleteInteraction {
  return envelope(ctx, InteractionType.ApplicationCommandAutocomplete, {
    id: command.id,
    name: command.name,
    type: ApplicationCommandType.ChatInput,
    ...(command.guildId ? { guild_id: command.guildId } : {}),
    options,
  }) as APIApplicationCommandAutocompleteInteraction;
}

export function componentInteraction(
  ctx: InvocationContext,
  message: APIMessage,
  component: { customId: string; componentType: ComponentType; values?: string[] },
): APIMessageComponentInteraction {
  const data =
    component.componentType === ComponentType.Button
      ? { custom_id: component.customId, component_type: ComponentType.Button }
      : { custom_id: component.customId, component_type: component.componentType, values: component.values ?? [] };
  return { ...envelope(ctx, InteractionType.MessageComponent, data), message } as APIMessageComponentInteraction;
}

export function modalSubmitInteraction(
  ctx: InvocationContext,
  customId: string,
  fields: Record<string, string>,
  message?: APIMessage,
): APIModalSubmitInteraction {
  // Each text input sits in a label, as in the modals the bot shows (action rows in modals are deprecated).
  const components = Object.entries(fields).map(([id, value], i) => ({
    type: ComponentType.Label as const,
    id: 2 * i + 1,
    component: { type: ComponentType.TextInput as const, id: 2 * i + 2, custom_id: id, value },
  }));
  return {
    ...envelope(ctx, InteractionType.ModalSubmit, { custom_id: customId, components }),
    ...(message ? { message } : {}),
  } as APIModalSubmitInteraction;
}

/** Marks the option named `focused` (at any depth) as the one being typed. */
export function focusOption(
  options: APIApplicationCommandInteractionDataOption[],
  focused: string,
): APIApplicationCommandInteractionDataOption<InteractionType.ApplicationCommandAutocomplete>[] {
  return options.map((option) => {
    if ('options' in option && option.options) {
      return { ...option, options: focusOption(option.options, focused) } as APIApplicationCommandInteractionDataOption<InteractionType.ApplicationCommandAutocomplete>;
    }
    if (option.name !== focused || !('value' in option)) return option;
    // While typing, Discord sends the raw text as a string, even for number options.
    return { ...option, value: String(option.value), focused: true } as APIApplicationCommandInteractionDataOption<InteractionType.ApplicationCommandAutocomplete>;
  });
}

function flatten(options: APIApplicationCommandInteractionDataOption[]): APIApplicationCommandInteractionDataOption[] {
  return options.flatMap((o) => ('options' in o && o.options ? flatten(o.options) : [o]));
}

function resolveOptions(
  ctx: InvocationContext,
  options: APIApplicationCommandInteractionDataOption[],
  extraAttachments: APIAttachment[],
  things: ResolvableThings,
): APIInteractionDataResolved | undefined {
  const resolved: Required<APIInteractionDataResolved> = { attachments: {}, users: {}, members: {}, roles: {}, channels: {} };
  for (const attachment of extraAttachments) resolved.attachments[attachment.id] = attachment;
  for (const option of flatten(options)) {
    if (!('value' in option)) continue;
    const value = String(option.value);
    switch (option.type) {
      case ApplicationCommandOptionType.Attachment: {
        const attachment = resolved.attachments[value] ?? things.attachments(value);
        if (attachment) resolved.attachments[value] = attachment;
        break;
      }
      case ApplicationCommandOptionType.User:
      case ApplicationCommandOptionType.Mentionable: {
        const user = things.users(value);
        if (user) {
          resolved.users[value] = user;
          const member = ctx.guild?.members.get(value);
          if (member) {
            const { user: _user, deaf: _deaf, mute: _mute, ...rest } = member;
            resolved.members[value] = { ...rest, permissions: '0' };
          }
        }
        const role = ctx.guild?.roles.find((r) => r.id === value);
        if (role) resolved.roles[value] = role;
        break;
      }
      case ApplicationCommandOptionType.Role: {
        const role = ctx.guild?.roles.find((r) => r.id === value);
        if (role) resolved.roles[value] = role;
        break;
      }
      case ApplicationCommandOptionType.Channel: {
        const channel = ctx.guild?.channels.find((c) => c.id === value);
        if (channel) {
          resolved.channels[value] = {
            id: channel.id,
            name: channel.name,
            type: ChannelType.GuildText,
            permissions: ctx.member?.permissions ?? '0',
          };
        }
        break;
      }
      default:
        break;
    }
  }
  const present = Object.fromEntries(Object.entries(resolved).filter(([, map]) => Object.keys(map).length > 0));
  return Object.keys(present).length > 0 ? present : undefined;
}
