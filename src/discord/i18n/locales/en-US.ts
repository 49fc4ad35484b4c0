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
  // A job's message while it waits in the bot's own queue (S4), and what happened to it.
  'job.waiting': '⏳ **Queued — position {position} of {total}**',
  'job.waiting_unknown': '⏳ **Queued**',
  'job.queue_paused': '⏸️ The queue is paused: your job starts when an admin resumes it.',
  'notice.server_down': 'The ComfyUI server {server} went down; your job is back at the front of the queue.',
  'notice.server_lost': 'The ComfyUI server {server} lost your job (it restarted); it is back at the front of the queue.',

  // /queue: the bot's queue in order, then what each server runs and holds.
  'queue.bot_heading': "**In the bot's queue** — {count, plural, one {# job waits} other {# jobs wait}}",
  'queue.bot_paused': '⏸️ Paused: nothing new goes to ComfyUI until an admin runs /admin resume.',
  'queue.bot_empty': "Nobody waits in the bot's queue.",
  'queue.entry': '{n}. {job}',
  'queue.job': '<@{user}> · {workflow} · job `{job}`',
  'queue.priority': '⭐ priority',
  'queue.first': '⏩ put first',
  'queue.more': '… and {count} more',
  'queue.server': '**{server}** — {running} running, {pending} waiting',
  'queue.server_unreachable': '**{server}**: unreachable',
  'queue.running': '▶️ {job}',
  'queue.other_client': 'another client',
  'queue.empty': 'The queue is empty.',

  // /status
  'status.queue_running': "▶️ Queue running: {count, plural, one {# job waits} other {# jobs wait}} in the bot's queue.",
  'status.queue_paused': "⏸️ Queue paused by an admin: {count, plural, one {# job waits} other {# jobs wait}} in the bot's queue; prompts already on the servers still run.",

  // /admin (Manage Server)
  'admin.description': 'Server admin: pause or resume the queue, put a job first',
  'admin.pause.description': 'Stop sending jobs to ComfyUI (prompts already there finish; new jobs wait)',
  'admin.resume.description': 'Send waiting jobs to ComfyUI again',
  'admin.first.description': 'Put a waiting job at the front of the queue',
  'admin.first.job.description': 'The job id, as /queue shows it',
  'admin.not_allowed': '⚠️ /admin is for members with the Manage Server permission.',
  'admin.paused': '⏸️ The queue is paused. Prompts already on the ComfyUI servers finish; new jobs are accepted and wait until /admin resume.',
  'admin.already_paused': 'The queue was already paused.',
  'admin.resumed': '▶️ The queue runs again: waiting jobs are being sent to ComfyUI.',
  'admin.not_paused': 'The queue was not paused.',
  'admin.first_done': '⏩ Job `{job}` goes next.',
  'admin.first_unknown': '⚠️ There is no job `{job}`.',
  'admin.first_not_waiting': "⚠️ Job `{job}` is not waiting in the bot's queue (it is already on a server or done), so it cannot be put first.",
} as const satisfies Record<`error.${UserErrorCode}`, string> & Record<string, string>;

export type MessageKey = keyof typeof messages;
