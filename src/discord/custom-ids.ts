// Every custom id the bot puts on a button or a modal, declared once: each action
// names its fields, in the order they are written (`action:field:field`). Buttons
// and modals are answered from the id alone (and the ledger), so they keep working
// after a restart; the format is the one the bot always wrote, so old messages too.
import { z } from 'zod';

/** Discord's limit on `custom_id`. */
export const MAX_CUSTOM_ID_LENGTH = 100;

/** A field's schema decodes the text between the colons into its value, and encodes it back. */
type Field = z.ZodType<unknown, string>;

const jobId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);
/** Which output image of a job (0 = the first). */
const imageIndex = z.codec(z.string().regex(/^(0|[1-9]\d?)$/), z.number().int().min(0).max(99), {
  decode: (text) => Number(text),
  encode: (n) => String(n),
});

/** A manifest action's name (see manifest.ts). */
const actionName = z.string().regex(/^[a-z0-9_-]{1,32}$/);
/** Which string select of a message (0 = the first). */
const menuIndex = z.codec(z.string().regex(/^[0-9]$/), z.number().int().min(0).max(9), {
  decode: (text) => Number(text),
  encode: (n) => String(n),
});

/** Adding an action is one line here; the compiler then asks every `switch (id.action)` to handle it. */
const ACTIONS = {
  /** The job message's Cancel button. */
  cancel: { job: jobId },
  /** Re-roll: the same options with a new seed. */
  reroll: { job: jobId },
  /** Try again / Retry: the same options and seed. */
  retry: { job: jobId },
  /** "Use as input" on an output image: opens the prompt modal. */
  use: { job: jobId, image: imageIndex },
  /** The "Use as input" modal's submit. */
  usemodal: { job: jobId, image: imageIndex },
  /** A manifest action (Upscale, Vary, …) on one output image. */
  act: { job: jobId, name: actionName, image: imageIndex },
  /** A string select of per-image actions; each option's value is the custom id of the button it stands for. */
  pick: { job: jobId, menu: menuIndex },
  /** Edit (Remix): opens the modal with the prompt and negative. */
  edit: { job: jobId },
  /** The Remix modal's submit. */
  editmodal: { job: jobId },
  /** 🗑️ Delete: removes the job's result messages (the job stays in /history). */
  del: { job: jobId },
} as const satisfies Record<string, Record<string, Field>>;

type Actions = typeof ACTIONS;
export type CustomIdAction = keyof Actions;

/** One decoded custom id: `{ action: 'use', job: 'abc', image: 0 }`. */
export type CustomId = {
  [A in CustomIdAction]: { action: A } & { -readonly [F in keyof Actions[A]]: z.output<Actions[A][F]> };
}[CustomIdAction];

/** The custom id of one action; throws if a value does not fit its field (a bug, not user input). */
export function encodeCustomId(id: CustomId): string {
  const fields = ACTIONS[id.action] as Record<string, Field>;
  const values = id as unknown as Record<string, unknown>;
  const parts = Object.entries(fields).map(([name, schema]) => z.encode(schema, values[name]));
  const text = [id.action, ...parts].join(':');
  if (text.length > MAX_CUSTOM_ID_LENGTH) throw new RangeError(`custom id "${text}" is longer than ${MAX_CUSTOM_ID_LENGTH} characters`);
  return text;
}

/** The action a custom id stands for, or undefined for anything the bot did not write. */
export function decodeCustomId(text: string): CustomId | undefined {
  if (text.length > MAX_CUSTOM_ID_LENGTH) return undefined;
  const [action, ...parts] = text.split(':');
  if (!action || !Object.hasOwn(ACTIONS, action)) return undefined;
  const fields = Object.entries(ACTIONS[action as CustomIdAction] as Record<string, Field>);
  if (parts.length !== fields.length) return undefined;
  const decoded: Record<string, unknown> = { action };
  for (const [i, [name, schema]] of fields.entries()) {
    const result = z.safeDecode(schema, parts[i]!);
    if (!result.success) return undefined;
    decoded[name] = result.data;
  }
  return decoded as CustomId;
}
