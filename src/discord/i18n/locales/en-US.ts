// English (United States): the complete catalogue, the source of every key, and
// the fallback for a key another language lacks. Placeholders: `{name}`,
// `{size, bytes}`, `{ms, duration}`, `{at, date}` and
// `{n, plural, one {…} other {…}}` (see ../message-format.ts). Emoji and Markdown
// around a message are the code's; a message is the words only.
import type { LostCode, NoticeCode, UserErrorCode } from '../../../jobs/user-error.ts';
import type { OptionProblemCode } from '../../../workflows/apply.ts';
import type { UnavailableReason } from '../../../comfy/index.ts';

export const messages = {
  // Units, for durations put together by the translator.
  'unit.ms': '{n} ms',
  'unit.seconds': '{s}s',
  'unit.minutes': '{m}m {s}s',
  'unit.hours': '{h}h {m}m',

  // Slash commands as Discord lists them (descriptions; names are not translated, see README).
  'command.generate': 'Run a ComfyUI workflow',
  'command.queue': 'What runs now and what waits, in run order',
  'command.status': 'ComfyUI servers: reachable, queue, VRAM, versions',
  'command.models': 'Models on the ComfyUI server (checkpoints, LoRAs, …)',
  'command.models.folder': 'Model folder, e.g. checkpoints or loras',
  'command.models.page': 'Page of a long list',
  'command.nodes': "A node's inputs (types, defaults, ranges), or a summary by category",
  'command.nodes.class': 'Node class, e.g. KSampler',
  'command.history': 'Your recent jobs, or one job with its outputs and status',
  'command.history.job': 'A job id or ComfyUI prompt id',
  'command.cancel': 'Cancel one of your jobs (or, for server managers, everything: all)',
  'command.cancel.job': 'Which job; "all" clears every queue',
  'command.unknown': 'Unknown command /{command}; the commands may need re-registering.',

  // A job's message while it waits and runs.
  'job.queued': 'Queued',
  'job.queued_position': 'Queued — position {position}',
  'job.queued_position_of': 'Queued — position {position} of {total}',
  'job.running': 'Running',
  'job.step': 'step {value}/{max}',
  'job.preview': 'Live preview',
  'job.continues': 'This job continues in a new message: {link}',

  // News about a waiting or running job (Notice codes).
  'notice.moved.server_down': 'The ComfyUI server {from} went down; your job was moved to {to}.',
  'notice.moved.server_lost': 'The ComfyUI server {from} lost your job (it restarted); it was queued again on {to}.',

  // A job's message when it ends.
  'job.done': '{user} done in {ms, duration}',
  'job.footer': 'job {id}',
  'job.footer_cached': 'cached · job {id}',
  'job.failed': '{user} the job failed: {message}',
  'job.failed_in': '{user} the job failed in {node}: {message}',
  'job.failed_in_node': '{user} the job failed in {node} (#{id}): {message}',
  'job.cancelled': 'Cancelled.',
  'job.cancelled_by': 'Cancelled by {user}.',
  'job.lost': '{user} your job was lost: {reason}. Press **{retry}** to run it again with the same settings.',
  'lost.server_forgot': 'ComfyUI no longer knows this prompt: it is neither queued nor in its history (the server probably restarted)',
  'lost.server_removed': 'its ComfyUI server is no longer configured',
  'lost.not_moved': 'it could not be moved to another ComfyUI server ({error})',
  'lost.not_sent': 'it could not be sent to a ComfyUI server ({error})',
  'lost.result_unreadable': 'its result could not be read from the job ledger',
  'field.seed': 'Seed',
  'field.steps': 'Steps',
  'field.cfg': 'CFG',
  'field.checkpoint': 'Checkpoint',
  'field.sampler': 'Sampler',
  'field.denoise': 'Denoise',
  'field.width': 'Width',
  'field.height': 'Height',
  'field.aspect': 'Aspect',
  'field.batch': 'Batch',
  'field.lora': 'LoRA',
  'field.time': 'Time',
  'note.missing': '{n, plural, one {# output} other {# outputs}} could not be fetched from ComfyUI.',
  'note.reencoded': "Some images were re-encoded as JPEG to fit Discord's {limit, bytes} upload limit.",
  'note.too_large':
    "{n, plural, one {{files} is too large for Discord's {limit, bytes} upload limit even as a low-quality JPEG; it is in the {folders} folder of the ComfyUI server.} other {{files} are too large for Discord's {limit, bytes} upload limit even as a low-quality JPEG; they are in the {folders} folder of the ComfyUI server.}}",
  'note.and_more': '{files} and {n} more',
  'note.original_deleted': '(The original message of this job was deleted.)',

  // Buttons and the modal behind "Use as input".
  'button.cancel': 'Cancel',
  'button.reroll': 'Re-roll',
  'button.use': 'Use as input',
  'button.try_again': 'Try again',
  'button.retry': 'Retry',
  'button.job_unknown': 'This job is no longer known to the bot.',
  'button.cancel_not_yours': 'Only the person who started this job, or a moderator, can cancel it.',
  'button.already_finished': 'That job had already finished.',
  'use.no_workflow': 'No workflow here takes an input image.',
  'use.title': '{workflow} from this image',
  'use.prompt': 'Prompt',

  // /cancel
  'cancel.all_choice': 'all — clear every queue and interrupt what runs',
  'cancel.all_not_allowed': 'Only members with the Manage Server permission can cancel everything.',
  'cancel.all_done': 'Cleared every queue and interrupted what was running ({n, plural, one {# job} other {# jobs}} of this bot cancelled).',
  'cancel.no_such_job': 'There is no job `{id}`. Pick one from the list the option suggests.',
  'cancel.nothing': 'You have no job running or waiting.',
  'cancel.not_yours': 'That job belongs to someone else; only they or a moderator can cancel it.',
  'cancel.done': 'Cancelled job `{id}`.',
  'cancel.already_finished': 'Job `{id}` had already finished; nothing to cancel.',

  // /history
  'history.recent': 'Your recent jobs:',
  'history.none': 'You have no jobs yet. Start one with /generate.',
  'history.not_yours': 'That job belongs to someone else.',
  'history.job': 'Job `{id}` ({workflow}): {outcome}',
  'history.prompt': 'Prompt `{id}`',
  'history.took': 'Took {ms, duration}',
  'history.comfy_status': 'ComfyUI: {status}',
  'history.comfy_status_unknown': 'ComfyUI: unknown',
  'history.gone_from_comfy': 'ComfyUI no longer has this prompt in its history.',
  'history.unknown_id': 'Neither this bot nor ComfyUI knows that id.',
  'outcome.success': 'done',
  'outcome.error': 'failed',
  'outcome.cancelled': 'cancelled',
  'outcome.lost': 'lost',
  'outcome.rejected': 'refused',
  'state.submitting': 'being submitted',
  'state.queued': 'waiting',
  'state.running': 'running',
  'state.finished': 'finished',
  'state.delivered': 'delivered',
  'state.waiting': "waiting in the bot's queue",
  'state.dispatching': 'being sent to ComfyUI',

  // /queue

  // /status
  'status.title': 'ComfyUI status',
  'status.reachable': 'reachable',
  'status.unreachable': 'unreachable',
  'status.socket_connected': 'socket connected',
  'status.socket_disconnected': 'socket disconnected',
  'status.queue': 'Queue: {n}',
  'status.queue_unknown': 'Queue: ?',
  'status.last_event': 'Last event: {ms, duration} ago',
  'status.no_event': 'Last event: none yet',
  'status.vram': '{device}: {free, bytes} free of {total, bytes}',
  'status.error': 'Error: {error}',

  // /models
  'models.folders': 'Model folders',
  'models.folders_hint': 'Use /models folder:<name>',
  'models.no_folder': 'There is no model folder "{folder}". Pick one from the list the option suggests.',
  'models.empty': 'No models in this folder.',
  'models.page': 'Page {page} of {pages} — use the page option for more',

  // /nodes
  'nodes.no_class': 'ComfyUI has no node class "{class}". Pick one from the list the option suggests.',
  'nodes.optional': '{input} (optional)',
  'nodes.one_of': 'one of {choices}',
  'nodes.one_of_more': 'one of {choices}, … ({n})',
  'nodes.none_available': '(none available)',
  'nodes.default': 'default {value}',
  'nodes.multiline': 'multiline',
  'nodes.more_inputs': '{n, plural, one {# more input not shown} other {# more inputs not shown}}',
  'nodes.classes': '{n, plural, one {# node class} other {# node classes}}',
  'nodes.no_category': '(none)',
  'nodes.hint': 'Use /nodes class:<name> for one node',

  // Values a user gave that a workflow does not allow (OptionValueError codes).
  'option.required': '{option} is required',
  'option.image_required': '{option} is required: attach an image',
  'option.not_image': '{option} must be an image',
  'option.file_required': '{option} is required: attach a file',
  'option.not_file': '{option} must be an uploaded file',
  'option.not_text': '{option} must be text (got {got})',
  'option.not_integer': '{option} must be a whole number (got {got})',
  'option.not_number': '{option} must be a number (got {got})',
  'option.not_boolean': '{option} must be true or false (got {got})',
  'option.not_choice': '{option} must be one of the offered choices (got {got})',
  'option.too_long': '{option} is too long: {length} characters, at most {max}',
  'option.too_short': '{option} is too short: {length} characters, at least {min}',
  'option.range': '{option} must be between {min} and {max} (got {got})',
  'option.at_least': '{option} must be at least {min} (got {got})',
  'option.at_most': '{option} must be at most {max} (got {got})',
  'option.multiple_of': '{option} must be a multiple of {step} (got {got}; try {below} or {above})',
  'option.not_listed': '{option} must be one of {choices} (got {got})',
  'option.mask_without_image': '{option} belongs to the image "{image}": attach that image too',
  'option.unknown_options': '{workflow} has no option {options}; its options are {known}',

  // ComfyUI refusing or failing a request: its own texts stay as they are inside these.
  'comfy.refused': 'ComfyUI refused the workflow:',
  'comfy.refused_got': '{problem} — got {value}',
  'comfy.unavailable.timeout':
    'ComfyUI did not answer in time (it may be busy), so your job could not be queued. Try again in a minute; if it keeps happening, tell the server owner.',
  'comfy.unavailable.server_error':
    'ComfyUI had an internal error (HTTP {status}) and did not queue the job. Try again; if it keeps happening, tell the server owner (the details are in the bot log).',
  'comfy.unavailable.bad_answer':
    'ComfyUI answered with something the bot cannot read (a proxy or another program may be answering in its place), so the job was not queued. Tell the server owner.',
  'comfy.unavailable.unreachable': 'ComfyUI is not reachable right now. Try again in a minute; if it persists, tell the server owner.',
  'error.internal': 'Something went wrong on our side; the server owner can find the details in the bot log.',

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
  'error.attachment.not_video': 'The {option} "{name}" is not a video ({type}). Attach an MP4, WEBM or MOV file.',
  'error.attachment.not_audio': 'The {option} "{name}" is not a sound file ({type}). Attach a FLAC, MP3, OGG, OPUS, WAV or M4A file.',
  'error.attachment.video_contents':
    'The {option} "{name}" is named like a video, but its contents are not a video file (it may be another file renamed). Attach the video itself.',
  'error.attachment.audio_contents':
    'The {option} "{name}" is named like a sound file, but its contents are not audio (it may be another file renamed). Attach the sound file itself.',
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

  // The option the bot adds to every /generate workflow.
  'command.generate.spoiler': 'Post the results as spoilers (blurred until clicked)',
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
  'admin.description': 'Server admin: the queue, bans, reload, ComfyUI memory, old jobs',
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
  'admin.ban.description': 'Ban a member from using the bot in this server',
  'admin.ban.user.description': 'Who to ban',
  'admin.ban.reason.description': 'Why (kept with the ban, shown to admins only)',
  'admin.unban.description': 'Let a banned member use the bot again',
  'admin.unban.user.description': 'Who to unban',
  'admin.banned': '🚫 <@{user}> is banned from using the bot in this server: their commands, buttons and reactions do nothing. Jobs they started before still finish.',
  'admin.banned_reason': 'Reason: {reason}',
  'admin.ban_again': '🚫 <@{user}> was already banned; the ban now names you and this reason.',
  'admin.ban_self': '⚠️ You cannot ban yourself.',
  'admin.ban_bot': '⚠️ Bots do not use the bot; there is nothing to ban.',
  'admin.unbanned': '✅ <@{user}> may use the bot again.',
  'admin.not_banned': '<@{user}> was not banned in this server.',
  'admin.reload.description': 'Re-read the workflows folder and the banned words, and register the commands again',
  'admin.reload.heading': '🔄 Reloaded: {count, plural, one {# workflow} other {# workflows}} offered, {words, plural, one {# banned word} other {# banned words}}.',
  'admin.reload.added': '➕ Added: {names}',
  'admin.reload.removed': '➖ Removed: {names} (jobs already accepted still run with it)',
  'admin.reload.changed': '✏️ Changed: {names} (jobs already accepted keep the old version)',
  'admin.reload.unchanged': 'No workflow changed.',
  'admin.reload.skipped': '⚠️ Skipped {file}: {reason}',
  'admin.reload.skipped_more': '⚠️ Skipped {file}: {reason} (and {more, plural, one {# more problem} other {# more problems}}: `npm run comfy -- workflows validate` lists them)',
  'admin.reload.registered': 'The slash commands were registered again.',
  'admin.reload.not_registered': 'The slash commands did not change.',
  'admin.reload.register_off': 'REGISTER_COMMANDS is off: run `npm run register` for Discord to show the change.',
  'admin.reload.register_failed': '⚠️ Discord refused the new commands: {error}',
  'admin.reload.words_failed': '⚠️ The banned words could not be re-read; the previous list stays: {error}',
  'admin.free.description': 'Unload the models and free the memory on every ComfyUI server',
  'admin.free.heading': '🧹 ComfyUI /free (unload models, free memory):',
  'admin.free.ok': '✅ {server}: done',
  'admin.free.failed': '⚠️ {server}: {error}',
  'admin.purge.description': 'Delete finished jobs older than some days, with the files kept for them',
  'admin.purge.days.description': 'Age in days (0 = every finished job)',
  'admin.purged': '🗑️ Deleted {jobs, plural, one {# finished job} other {# finished jobs}} older than {days, plural, one {# day} other {# days}} and their kept input files ({folders, plural, one {# old folder} other {# old folders}} without a job too). Their buttons no longer work.',
  // Refusals of /settings (UserError codes).
  'error.settings.unknown_option': 'No workflow has an option "{option}" you can save a default for. You can save: {options}.',
  'error.settings.not_in_workflow': '{workflow} has no option "{option}" you can save a default for. Its options are: {options}.',
  'error.settings.always_given': '"{option}" must be given with every job, so a saved default would never be used.',

  // Aspect ratios, as Discord lists them for an aspect option.
  'aspect.1:1': '1:1 (square)',
  'aspect.2:3': '2:3 (portrait)',
  'aspect.3:2': '3:2 (landscape)',
  'aspect.3:4': '3:4 (portrait)',
  'aspect.4:3': '4:3 (landscape)',
  'aspect.9:16': '9:16 (tall)',
  'aspect.16:9': '16:9 (wide)',

  // /settings
  'command.settings': "Your own defaults for the workflows' options, and private results",
  'command.settings.show': 'Show your saved defaults',
  'command.settings.set': 'Save a default for an option you leave empty',
  'command.settings.set.option': 'The option, e.g. steps, negative or checkpoint',
  'command.settings.set.value': 'The value, checked like the option itself',
  'command.settings.set.workflow': 'Only for this workflow (default: every workflow that has the option)',
  'command.settings.reset': 'Remove saved defaults: one option, or all of them',
  'command.settings.reset.option': 'The option to remove (default: all of them, and private results off)',
  'command.settings.reset.workflow': 'Only its default for this workflow',
  'command.settings.private': 'Show your jobs to you alone',
  'command.settings.private.enabled': "true: only you see your jobs' progress and results",
  'settings.title': '**Your settings**',
  'settings.private_on': '🔒 Private results: **on** (your jobs are shown to you alone)',
  'settings.private_off': '🔓 Private results: off',
  'settings.every_workflow': 'For every workflow that has the option:',
  'settings.for_workflow': 'For {workflow} only:',
  'settings.none': 'No saved defaults. Save one with `/settings set`.',
  'settings.explain': 'A default fills in an option you leave empty: an option you give always wins, and a default for one workflow beats one for every workflow.',
  'settings.saved_everywhere': '✅ Saved: **{option}** = `{value}` for every workflow that has it ({workflows}).',
  'settings.saved_one': '✅ Saved: **{option}** = `{value}` for {workflow}.',
  'settings.refused': 'Not saved. {workflow}: {problem}',
  'settings.reset_all': '🗑️ All your saved defaults were removed, and private results are off.',
  'settings.reset_everywhere': '🗑️ Your defaults for **{option}** were removed.',
  'settings.reset_one': '🗑️ Your default for **{option}** in {workflow} was removed.',
  'settings.reset_workflow': '🗑️ Your defaults for {workflow} were removed.',
  'settings.reset_nothing_workflow': 'You had no saved default for {workflow}.',
  'settings.reset_nothing': 'You had no saved default for **{option}**.',
  'settings.private_enabled': '🔒 Private results on: from your next job, its progress and results are shown to you alone.',
  'settings.private_disabled': '🔓 Private results off: your next jobs are posted in the channel.',

  // /show
  'command.show': 'Post a finished job of this server again, with its results and buttons',
  'command.show.job': 'The job id (in the footer of its result, and in /history)',
  'show.header': '🔁 Shown again by <@{by}> · job `{job}`',
  'show.unknown': 'There is no job `{job}`. A job id is in the footer of its result and in /history.',
  'show.other_server': 'That job was made in another server, so it cannot be shown here.',
  'show.not_finished': 'That job has not finished yet; its own message shows how far it is.',
  'show.gone': 'ComfyUI no longer has the results of job `{job}`: they were removed from its output folder, or its server is no longer configured.',

  // Private results (/settings private)
  'notice.private.continues_in_dm': 'This job takes longer than 15 minutes; its result will come to you in a direct message.',
  'private.dm_closed': '<@{user}> your private job `{job}` has finished, but I cannot send you a direct message. Use `/show job:{job}` to see it; only you will.',
  'show.private': 'That job is private: only the person who started it can show it.',

  // What a job produced, by kind (in sentences about one output).
  'kind.image': 'image',
  'kind.animation': 'animation',
  'kind.video': 'video',
  'kind.audio': 'audio',
  'kind.model3d': '3D model',
  'kind.file': 'file',
  'kind.text': 'text',

  // Notes under a result about outputs that are not images.
  'note.no_outputs':
    'The workflow finished but produced no outputs (its output nodes saved no file and showed no text). If that is unexpected, tell the server owner: the workflow may lack a Save node.',
  'note.kept_on_server':
    '`{name}` ({kind}, {size, bytes}) is larger than the {limit, bytes} Discord accepts here, so it was not posted. It stays on the ComfyUI server: `/history job:{job}` shows how to get it.',
  'note.kept_on_server_unknown_size':
    '`{name}` ({kind}) is larger than the {limit, bytes} Discord accepts here, so it was not posted. It stays on the ComfyUI server: `/history job:{job}` shows how to get it.',
  'note.refused_by_discord':
    'Discord refused the files as too large ({names}), so the message has none; they stay on the ComfyUI server: `/history job:{job}` shows how to get them.',
  'note.text_attached': 'The whole text is attached as {file}.',
  'note.overflow_refused': 'Discord refused {names} as too large; they stay on the ComfyUI server (`/history job:{job}` lists them).',

  // /history job:<id>: what a job produced.
  'history.outputs': '**Outputs** (ComfyUI server {server}):',
  'history.output_file': '{kind} `{path}` (node {node})',
  'history.output_kept': '{kind} `{path}` (node {node}), {size, bytes}: too large for Discord, so it was not posted',
  'history.output_kept_unknown_size': '{kind} `{path}` (node {node}): too large for Discord, so it was not posted',
  'history.output_text': '{kind} (node {node}): {text}',
  'history.fetch_hint': 'Files that were not posted stay on the ComfyUI server {server}; the server owner can save each with the command under it.',
} as const satisfies Record<`error.${UserErrorCode}`, string> &
  Record<`notice.${NoticeCode}`, string> &
  Record<`lost.${LostCode}`, string> &
  Record<`option.${OptionProblemCode}`, string> &
  Record<`comfy.unavailable.${UnavailableReason}`, string> &
  Record<string, string>;

export type MessageKey = keyof typeof messages;
