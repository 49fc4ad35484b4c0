// Components and embeds as Discord returns them (its MessageResponse), from what the sender wrote:
// every component gets a numeric `id` (the sender's, else the next free one, depth first from 1),
// and the fields Discord fills in when they are left out.
import { ComponentType } from 'discord-api-types/v10';
import type { APIEmbed, APIMessageTopLevelComponent } from 'discord-api-types/v10';
import type { StoredAttachment } from './cdn.ts';
import { stableSnowflake } from './snowflakes.ts';

type Component = Record<string, unknown> & { type: ComponentType; id?: number };

const SELECTS = new Set<number>([
  ComponentType.StringSelect,
  ComponentType.UserSelect,
  ComponentType.RoleSelect,
  ComponentType.MentionableSelect,
  ComponentType.ChannelSelect,
]);

export function componentsResponse(components: APIMessageTopLevelComponent[], attachments: StoredAttachment[]): APIMessageTopLevelComponent[] {
  const taken = new Set<number>();
  walk(components as unknown as Component[], (c) => {
    if (typeof c.id === 'number' && c.id > 0) taken.add(c.id);
  });
  let next = 1;
  const nextId = (): number => {
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  };
  const media = (value: unknown): unknown => unfurled(value, attachments);
  const convert = (c: Component): Component => {
    const out: Component = { ...c, id: typeof c.id === 'number' && c.id > 0 ? c.id : nextId() };
    if (Array.isArray(c['components'])) out['components'] = (c['components'] as Component[]).map(convert);
    if (c['accessory']) out['accessory'] = convert(c['accessory'] as Component);
    if (SELECTS.has(c.type)) {
      out['min_values'] ??= 1;
      out['max_values'] ??= 1;
    }
    switch (c.type) {
      case ComponentType.Container:
        out['accent_color'] ??= null;
        out['spoiler'] ??= false;
        break;
      case ComponentType.Separator:
        out['spacing'] ??= 1;
        out['divider'] ??= true;
        break;
      case ComponentType.Thumbnail:
        out['media'] = media(c['media']);
        out['description'] ??= null;
        out['spoiler'] ??= false;
        break;
      case ComponentType.MediaGallery:
        out['items'] = ((c['items'] ?? []) as Array<Record<string, unknown>>).map((item) => ({
          ...item,
          media: media(item['media']),
          description: item['description'] ?? null,
          spoiler: item['spoiler'] ?? false,
        }));
        break;
      case ComponentType.File: {
        const file = c['file'] as { url?: string } | undefined;
        const attachment = attachmentFor(file?.url, attachments);
        out['file'] = media(file);
        out['name'] ??= attachment?.filename ?? '';
        out['size'] ??= attachment?.size ?? 0;
        out['spoiler'] ??= false;
        break;
      }
    }
    return out;
  };
  return (components as unknown as Component[]).map(convert) as unknown as APIMessageTopLevelComponent[];
}

/** Embeds written by a bot are "rich" ones; a field says whether it is inline. */
export function embedsResponse(embeds: APIEmbed[]): APIEmbed[] {
  return embeds.map((e) => ({
    type: 'rich' as APIEmbed['type'],
    ...e,
    ...(e.fields ? { fields: e.fields.map((f) => ({ ...f, inline: f.inline ?? false })) } : {}),
  }));
}

function walk(components: Component[], visit: (c: Component) => void): void {
  for (const c of components) {
    visit(c);
    if (Array.isArray(c['components'])) walk(c['components'] as Component[], visit);
    if (c['accessory']) walk([c['accessory'] as Component], visit);
  }
}

// `attachment://name` points at one of the message's files; Discord answers with its CDN address.
function unfurled(value: unknown, attachments: StoredAttachment[]): unknown {
  const url = (value as { url?: string } | undefined)?.url ?? '';
  const attachment = attachmentFor(url, attachments);
  const address = attachment?.url ?? url;
  return {
    ...(value as object),
    id: stableSnowflake(`media:${address}`),
    url: address,
    proxy_url: attachment?.proxy_url ?? address,
    ...(attachment ? { attachment_id: attachment.id, content_type: attachment.content_type ?? null } : {}),
  };
}

function attachmentFor(url: string | undefined, attachments: StoredAttachment[]): StoredAttachment | undefined {
  if (!url?.startsWith('attachment://')) return undefined;
  const name = url.slice('attachment://'.length);
  return attachments.find((a) => a.filename === name);
}
