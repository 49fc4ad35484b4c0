// The controls under a finished job's result: a row for the job (Re-roll, Edit,
// Delete) and the per-image actions (Upscale n, Vary n, Use as input n, the
// manifest's own), numbered like the images' embeds. Discord allows 5 action rows
// of 5 buttons: one row per action kind with a numbered button per image when that
// fits, else a string select per kind, else selects listing every (action, image).
// Pure: what to show and a translator in, components out.
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APISelectMenuOption,
  type APIStringSelectComponent,
} from 'discord.js';
import { encodeCustomId } from './custom-ids.ts';
import type { Translator } from './i18n/index.ts';

/** Discord's limits on message components. */
export const COMPONENT_LIMITS = { rows: 5, buttonsPerRow: 5, selectOptions: 25, label: 80, placeholder: 150 } as const;

/** A kind of per-image action, labelled in the reader's language. */
export interface ImageAction {
  /** A manifest action's name, or `use` for "Use as input". */
  name: string;
  label: string;
  emoji?: string;
}

export interface ResultControls {
  job: string;
  /** The outputs the per-image actions apply to (their index; shown as number index + 1), in the message's order. */
  images: number[];
  actions: ImageAction[];
  /** Remix: the workflow has a prompt to edit. */
  edit: boolean;
}

export type ResultRow = APIActionRowComponent<APIComponentInMessageActionRow>;

export function button(label: string, customId: string, style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger, emoji?: string): APIButtonComponent {
  return { type: ComponentType.Button, style, label: clipLabel(label), custom_id: customId, ...(emoji ? { emoji: { name: emoji } } : {}) };
}

function clipLabel(text: string, max: number = COMPONENT_LIMITS.label): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The custom id of one action on one image: `use:<job>:<n>` for "Use as input" (as always), `act:<job>:<name>:<n>` for the others. */
function actionId(job: string, name: string, image: number): string {
  return name === 'use' ? encodeCustomId({ action: 'use', job, image }) : encodeCustomId({ action: 'act', job, name, image });
}

export function resultComponents(c: ResultControls, tr: Translator): ResultRow[] {
  const top: APIButtonComponent[] = [
    button(tr.t('button.reroll'), encodeCustomId({ action: 'reroll', job: c.job }), ButtonStyle.Primary, '🎲'),
    ...(c.edit ? [button(tr.t('button.edit'), encodeCustomId({ action: 'edit', job: c.job }), ButtonStyle.Secondary, '✏️')] : []),
    button(tr.t('button.delete'), encodeCustomId({ action: 'del', job: c.job }), ButtonStyle.Danger, '🗑️'),
  ];
  const rows: ResultRow[] = [{ type: ComponentType.ActionRow, components: top }];
  // The custom id holds two digits for the image.
  const images = c.images.filter((i) => i <= 99);
  if (images.length === 0 || c.actions.length === 0) return rows;
  const room = COMPONENT_LIMITS.rows - rows.length;
  const n = images.length;
  const k = c.actions.length;
  const number = (image: number) => image + 1;

  if (n === 1 && k <= room * COMPONENT_LIMITS.buttonsPerRow) {
    // One image: its actions side by side, unnumbered.
    const buttons = c.actions.map((a) => button(a.label, actionId(c.job, a.name, images[0]!), ButtonStyle.Secondary, a.emoji));
    for (let i = 0; i < buttons.length; i += COMPONENT_LIMITS.buttonsPerRow) {
      rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + COMPONENT_LIMITS.buttonsPerRow) });
    }
    return rows;
  }
  if (n <= COMPONENT_LIMITS.buttonsPerRow && k <= room) {
    // A row per action, a button per image: "Upscale 1 · Upscale 2 · …".
    for (const a of c.actions) {
      rows.push({
        type: ComponentType.ActionRow,
        components: images.map((image) =>
          button(tr.t('button.numbered', { action: a.label, n: number(image) }), actionId(c.job, a.name, image), ButtonStyle.Secondary, a.emoji),
        ),
      });
    }
    return rows;
  }
  const option = (a: ImageAction, image: number, label: string): APISelectMenuOption => ({
    label: clipLabel(label, 100),
    value: actionId(c.job, a.name, image),
    ...(a.emoji ? { emoji: { name: a.emoji } } : {}),
  });
  if (k <= room && n <= COMPONENT_LIMITS.selectOptions) {
    // A menu per action: "Upscale: pick an image" → Image 1 … Image n.
    c.actions.forEach((a, menu) => {
      const options = images.map((image) => option(a, image, tr.t('select.image', { n: number(image) })));
      rows.push(selectRow(c.job, menu, tr.t('select.placeholder', { action: a.label }), options));
    });
    return rows;
  }
  // Many actions: menus listing every action on every image, 25 to a menu.
  const all = c.actions.flatMap((a) => images.map((image) => option(a, image, tr.t('button.numbered', { action: a.label, n: number(image) }))));
  for (let menu = 0; menu < room && menu * COMPONENT_LIMITS.selectOptions < all.length; menu++) {
    const options = all.slice(menu * COMPONENT_LIMITS.selectOptions, (menu + 1) * COMPONENT_LIMITS.selectOptions);
    rows.push(selectRow(c.job, menu, tr.t('select.placeholder_any'), options));
  }
  return rows;
}

function selectRow(job: string, menu: number, placeholder: string, options: APISelectMenuOption[]): ResultRow {
  const select: APIStringSelectComponent = {
    type: ComponentType.StringSelect,
    custom_id: encodeCustomId({ action: 'pick', job, menu }),
    placeholder: clipLabel(placeholder, COMPONENT_LIMITS.placeholder),
    options,
  };
  return { type: ComponentType.ActionRow, components: [select] };
}
