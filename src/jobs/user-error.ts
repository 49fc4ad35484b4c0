// What the domain tells a person, as a code and its data: refusals (UserError),
// notices about a running job, and why a job was lost. The Discord layer says each
// in the reader's language, from the catalogue keys `error.<code>`, `notice.<code>`
// and `lost.<code>` (src/discord/i18n/locales/*), which must exist for every code
// here (the catalogue's type checks it). Nothing here is an English sentence.

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
  'job.output_gone', // { image, job }: ComfyUI's output folder no longer has image n of that job
  'job.action_unknown', // { action, workflow }: a result button whose action the workflow no longer declares
  'job.mask_needs_image', // { mask, image }
  // servers
  'backend.unreachable_one',
  'backend.unreachable_all',
  'backend.no_model', // { models }: "name (folder), …"
  // attachments
  'attachment.not_image', // { option, name, type }
  'attachment.not_video', // { option, name, type }: a content type, or ".ext" when the name does not fit
  'attachment.not_audio', // { option, name, type }: the same
  'attachment.video_contents', // { option, name }: named like a video, but its bytes are not one
  'attachment.audio_contents', // { option, name }: named like a sound file, but its bytes are not one
  'attachment.too_large', // { option, name, size, limit } (bytes)
  'attachment.larger_than_limit', // { option, name, limit } (bytes; the size is only known to exceed it)
  'attachment.no_address', // { option, name }
  'attachment.not_discord', // { option, name }
  'attachment.download_failed', // { option, name }
  'attachment.download_status', // { option, name, status }
  // saved defaults (/settings)
  'settings.unknown_option', // { option, options }: no workflow has it (options: the ones that can be saved)
  'settings.not_in_workflow', // { option, workflow, options }
  'settings.always_given', // { option }: required wherever it exists
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

/** News about a job while it waits or runs, shown above its progress. */
export const NOTICE_CODES = [
  'moved.server_down', // { from, to }: its server went down, the job now waits on another
  'moved.server_lost', // { from, to }: its server forgot it (restarted), it was queued again elsewhere
  'server_down', // { server }: its server stopped answering; back at the front of the bot's queue
  'server_lost', // { server }: its server restarted and forgot it; back at the front of the bot's queue
  'private.continues_in_dm', // a private job outlives its interaction token: the result comes by DM
] as const;
export type NoticeCode = (typeof NOTICE_CODES)[number];
export interface Notice {
  code: NoticeCode;
  data: UserErrorData;
}

/** Why a job ended without a result and without an error of ComfyUI's own. */
export const LOST_CODES = [
  'server_forgot', // ComfyUI no longer knows the prompt (neither queued nor in its history)
  'server_removed', // the job's server is no longer configured
  'not_moved', // { error }: it left a dead server and no other took it; `cause` when the reason was a refusal
  'not_sent', // { error }: taken from the bot's queue, no server took it (refused, or kept failing); `cause` when a refusal
  'result_unreadable', // the ledger holds a result this version cannot read
] as const;
export type LostCode = (typeof LOST_CODES)[number];
export interface LostReason {
  code: LostCode;
  data: UserErrorData;
  /** The refusal that kept another server from taking it (e.g. none has the model). */
  cause?: { code: UserErrorCode; data: UserErrorData };
}
