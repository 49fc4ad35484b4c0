// English (United States): the complete catalogue, the source of every key, and
// the fallback for a key another language lacks. Placeholders: `{name}`,
// `{size, bytes}`, `{ms, duration}`, `{at, date}` and
// `{n, plural, one {…} other {…}}` (see ../message-format.ts).
import type { UserErrorCode } from '../../../jobs/user-error.ts';

export const messages = {
  // Units, for durations put together by the translator.
  'unit.ms': '{n} ms',
  'unit.seconds': '{s}s',
  'unit.minutes': '{m}m {s}s',
  'unit.hours': '{h}h {m}m',

  // Refusals the domain raises (UserError codes).
  'error.limits.concurrent':
    'You already have {active, plural, one {# job} other {# jobs}} running or waiting (the limit is {limit}). Wait for one to finish or cancel one with /cancel.',
  'error.limits.per_minute': 'You started {recent} jobs in the last minute (the limit is {limit}). Try again in a minute.',
  'error.workflow.unknown': 'There is no workflow called "{workflow}".',
  'error.workflow.nsfw_only': 'The workflow "{workflow}" runs only in age-restricted (NSFW) channels. Use it in one of those.',
  'error.workflow.not_installed': 'The workflow "{workflow}" is no longer installed here. Ask the server owner to re-register the commands.',
  'error.job.not_in_ledger': 'That job is no longer in the ledger, so it cannot be run again.',
  'error.job.input_gone': 'The input image of that job is no longer kept; start a new job with the image attached.',
  'error.job.image_gone': 'That image is no longer available; run the job again first.',
  'error.job.mask_needs_image': 'The mask "{mask}" needs its image "{image}" too.',
  'error.backend.unreachable_one': 'ComfyUI is not reachable right now. Try again in a minute; if it persists, tell the server owner.',
  'error.backend.unreachable_all': 'None of the ComfyUI servers is reachable right now. Try again in a minute.',
  'error.backend.no_model': 'No ComfyUI server has {models}. Pick one from the list the option suggests.',
  'error.attachment.not_image': 'The {option} "{name}" is not an image ({type}). Attach a PNG, JPEG or WEBP file.',
  'error.attachment.too_large': 'The {option} "{name}" is {size, bytes}; the limit is {limit, bytes}. Attach a smaller file.',
  'error.attachment.larger_than_limit': 'The {option} "{name}" is larger than {limit, bytes}. Attach a smaller file.',
  'error.attachment.no_address': 'The {option} "{name}" has no usable address. Attach it again.',
  'error.attachment.not_discord': 'The {option} "{name}" is not hosted on Discord, so it cannot be used. Upload the file itself.',
  'error.attachment.download_failed': 'The {option} "{name}" could not be downloaded from Discord. Try again.',
  'error.attachment.download_status': 'The {option} "{name}" could not be downloaded (HTTP {status}). Attach it again.',
  'error.access.guild': 'This bot is not enabled in this server.',
  'error.access.channel': 'This bot only works in {channels}.',
  'error.access.role': 'You need one of the roles this bot is limited to. Ask a moderator.',
  'error.access.banned': 'You are banned from using this bot.',
  'error.moderation.banned_word': 'Your {option} contains "{word}", which is not allowed here. Reword it and try again.',

  // Options the bot adds to every /generate workflow.
  'option.spoiler.description': 'Post the results as spoilers (blurred until clicked)',
} as const satisfies Record<`error.${UserErrorCode}`, string> & Record<string, string>;

export type MessageKey = keyof typeof messages;
