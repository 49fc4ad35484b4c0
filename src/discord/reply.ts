// Answers to a command that failed: short, specific, in the user's language, visible
// to the user only when possible. The layers below raise codes and data (UserError,
// OptionValueError, ComfyUnavailableError's reason); ComfyUI's own texts (a node's
// validation message) pass through as they are inside a translated frame.
import { MessageFlags, type ChatInputCommandInteraction, type Interaction, type MessageComponentInteraction, type ModalSubmitInteraction } from 'discord.js';
import { ComfyUnavailableError, ComfyValidationError, type ComfyErrorDetail } from '../comfy/index.ts';
import { UserError } from '../jobs/user-error.ts';
import type { Logger } from '../log.ts';
import { OptionValueError, type OptionValueProblem } from '../workflows/apply.ts';
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
  if (err instanceof OptionValueError) return { kind: 'user', text: err.problems.map((p) => optionProblemText(p, tr)).join('\n') };
  if (err instanceof ComfyValidationError) {
    const lines = validationLines(err, tr).map((l) => `• ${l}`);
    return { kind: 'user', text: truncate(`${tr.t('comfy.refused')}\n${lines.join('\n')}`, 1900) };
  }
  if (err instanceof ComfyUnavailableError) return { kind: 'user', text: tr.t(`comfy.unavailable.${err.reason}`, { status: err.status ?? '?' }) };
  return { kind: 'internal', text: tr.t('error.internal') };
}

/** One value a user gave that the workflow does not allow. */
export function optionProblemText(p: OptionValueProblem, tr: Translator): string {
  return tr.t(`option.${p.code}`, p.data);
}

/** Logs a failed interaction as its class says and answers it wherever it still can be. */
export async function answerFailure(interaction: Interaction, err: unknown, log: Logger, tr: Translator): Promise<void> {
  const { kind, text } = classifyError(err, tr);
  if (kind === 'internal') log.error('interaction failed', { error: err, stack: err instanceof Error ? err.stack : undefined });
  // The log gets the domain's code and data (a UserError's message), not the user's words.
  else log.info('answered with a user error', { reason: err instanceof Error ? err.message : String(err) });
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

/**
 * ComfyUI's validation failure, one line per problem: the node (its title in the
 * workflow and its class), the input, and ComfyUI's own message and details.
 * The same shape as describeValidation (src/comfy/errors.ts), with our words translated.
 */
function validationLines(err: ComfyValidationError, tr: Translator): string[] {
  const lines: string[] = [];
  for (const [nodeId, nodeError] of Object.entries(err.nodeErrors)) {
    const title = err.workflow?.[nodeId]?._meta?.title;
    const who = title && title !== nodeError.class_type ? `${title} [${nodeError.class_type}]` : nodeError.class_type;
    for (const e of nodeError.errors) lines.push(`${who} (#${nodeId}) ${nodeProblem(e, tr)}`);
  }
  if (lines.length === 0) {
    const details = err.error.details && err.error.details !== err.error.message ? ` (${err.error.details})` : '';
    lines.push(`${err.error.message}${details}`);
  }
  return lines;
}

function nodeProblem(e: ComfyErrorDetail, tr: Translator): string {
  const input = typeof e.extra_info['input_name'] === 'string' ? `${e.extra_info['input_name']}: ` : '';
  if ('received_value' in e.extra_info) {
    return tr.t('comfy.refused_got', { problem: `${input}${e.message}`, value: JSON.stringify(e.extra_info['received_value']) });
  }
  return e.details ? `${input}${e.message} — ${e.details}` : `${input}${e.message}`;
}
