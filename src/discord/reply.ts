// Answers to a command that failed: short, specific, visible to the user only when possible.
import { MessageFlags, type ChatInputCommandInteraction, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';
import { ComfyUnavailableError, ComfyValidationError } from '../comfy/index.ts';
import { UserError } from '../jobs/user-error.ts';
import { truncate } from '../text/format.ts';
import type { Translator } from './i18n/index.ts';

type Repliable = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction;

/** Words for the user; internal errors become a generic message (details go to the log). */
export function messageFor(err: unknown, tr: Translator): { text: string; expected: boolean } {
  if (err instanceof UserError) return { text: tr.t(`error.${err.code}`, err.data), expected: true };
  if (err instanceof ComfyValidationError) {
    const lines = err.lines().map((l) => `• ${l}`);
    return { text: truncate(`ComfyUI refused the workflow:\n${lines.join('\n')}`, 1900), expected: true };
  }
  if (err instanceof ComfyUnavailableError) return { text: unavailableText(err), expected: true };
  return { text: 'Something went wrong on our side; the server owner can find the details in the bot log.', expected: false };
}
/** Shows an error wherever the interaction can still be answered. */
export async function replyError(interaction: Repliable, text: string): Promise<void> {
  const content = `⚠️ ${text}`;
  if (interaction.deferred || interaction.replied) {
    await interaction.editReply({ content, embeds: [], components: [], files: [] });
  } else {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  }
}

/** What went wrong with ComfyUI, in words that tell the user whether trying again can help. */
function unavailableText(err: ComfyUnavailableError): string {
  switch (err.reason) {
    case 'timeout':
      return 'ComfyUI did not answer in time (it may be busy), so your job could not be queued. Try again in a minute; if it keeps happening, tell the server owner.';
    case 'server_error':
      return `ComfyUI had an internal error (HTTP ${err.status}) and did not queue the job. Try again; if it keeps happening, tell the server owner (the details are in the bot log).`;
    case 'bad_answer':
      return 'ComfyUI answered with something the bot cannot read (a proxy or another program may be answering in its place), so the job was not queued. Tell the server owner.';
    case 'unreachable':
      return 'ComfyUI is not reachable right now. Try again in a minute; if it persists, tell the server owner.';
  }
}
