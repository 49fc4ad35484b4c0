// A refusal meant for the person who asked. The domain says what happened (a code
// and its data); the Discord layer says it in the user's language, from the
// catalogue key `error.<code>` (src/discord/i18n/locales/*), which must exist for
// every code here (the catalogue's type checks it).

export const USER_ERROR_CODES = [
  // limits
  'limits.concurrent', // { active, limit }
  'limits.per_minute', // { recent, limit }
  // workflows and jobs
  'workflow.unknown', // { workflow }
  'workflow.not_installed', // { workflow }: a command names a workflow that is gone
  'workflow.nsfw_only', // { workflow }: a manifest with "nsfw": true, outside an NSFW channel
  'job.not_in_ledger',
  'job.input_gone',
  'job.image_gone',
  'job.mask_needs_image', // { mask, image }
  // servers
  'backend.unreachable_one',
  'backend.unreachable_all',
  'backend.no_model', // { models }: "name (folder), …"
  // attachments
  'attachment.not_image', // { option, name, type }
  'attachment.too_large', // { option, name, size, limit } (bytes)
  'attachment.larger_than_limit', // { option, name, limit } (bytes; the size is only known to exceed it)
  'attachment.no_address', // { option, name }
  'attachment.not_discord', // { option, name }
  'attachment.download_failed', // { option, name }
  'attachment.download_status', // { option, name, status }
  // access
  'access.guild',
  'access.channel', // { channels }: mentions
  'access.role',
  'access.banned', // the user is banned from the bot (here or everywhere)
  // moderation
  'moderation.banned_word', // { option, word }: a text option contains a banned word
] as const;

export type UserErrorCode = (typeof USER_ERROR_CODES)[number];
export type UserErrorData = Record<string, string | number>;

export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    readonly data: UserErrorData = {},
  ) {
    // The message is for logs only: users see the catalogue's words.
    super(`${code}${Object.keys(data).length ? ` ${JSON.stringify(data)}` : ''}`);
  }
}
