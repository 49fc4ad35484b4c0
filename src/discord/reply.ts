// Answers to a command that failed: short, specific, visible to the user only when possible.
import { MessageFlags, type ChatInputCommandInteraction, type Interaction, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';
import { ComfyUnavailableError, ComfyValidationError } from '../comfy/index.ts';
import { UserError } from '../jobs/user-error.ts';
import type { Logger } from '../log.ts';
import { OptionValueError } from '../workflows/apply.ts';
import { truncate } from '../text/format.ts';
import type { Translator } from './i18n/index.ts';

type Repliable = ChatInputCommandInteraction | MessageComponentInteraction | ModalSubmitInteraction;

/**
 * Whose fault an error is, decided here for every path (commands, buttons,
 * modals, job start, access refusals): the user's gets its own words, in their
 * language; ours gets a generic message and goes to the log with its stack.
 */
export type ErrorClass = { kind: 'user'; text: string } | { kind: 'internal'; text: string };

export function classifyError(err: unknown, tr: Translator): ErrorClass {
  // NoBackendError is a UserError.
  if (err instanceof UserError) return { kind: 'user', text: tr.t(`error.${err.code}`, err.data) };
  if (err instanceof OptionValueError) return { kind: 'user', text: err.message };
  if (err instanceof ComfyValidationError) {
    const lines = err.lines().map((l) => `• ${l}`);
    return { kind: 'user', text: truncate(`ComfyUI refused the workflow:\n${lines.join('\n')}`, 1900) };
  }
  if (err instanceof ComfyUnavailableError) return { kind: 'user', text: unavailableText(err) };
  return { kind: 'internal', text: 'Something went wrong on our side; the server owner can find the details in the bot log.' };
}

/** Logs a failed interaction as its class says and answers it wherever it still can be. */
export async function answerFailure(interaction: Interaction, err: unknown, log: Logger, tr: Translator): Promise<void> {
  const { kind, text } = classifyError(err, tr);
  if (kind === 'internal') log.error('interaction failed', { error: err, stack: err instanceof Error ? err.stack : undefined });
  else log.info('answered with a user error', { reason: text });
  if (interaction.isAutocomplete()) {
    if (!interaction.responded) await interaction.respond([]).catch(() => {});
  } else if (interaction.isChatInputCommand() || interaction.isMessageComponent() || interaction.isModalSubmit()) {
    await replyError(interaction, text).catch((e: unknown) => log.warn('could not show the error', { error: e }));
  }
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
