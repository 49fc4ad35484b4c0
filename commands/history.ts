import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { outputsOfAll, pathOf } from '../src/comfy/index.ts';
import type { Command } from '../src/discord/command.ts';
import type { Translator } from '../src/discord/i18n/index.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { describeJob } from '../src/discord/job-view.ts';
import { translatorFor } from '../src/discord/locale.ts';
import type { ResultOutput } from '../src/jobs/service.ts';
import { truncate } from '../src/text/format.ts';

const OUTCOME_ICON: Record<string, string> = { success: '✅', error: '❌', cancelled: '🛑', lost: '⚠️', rejected: '🚫' };

export const command: Command = {
  name: 'history',
  definition: ({ config: { DEFAULT_LOCALE: locale } }) =>
    describe(new SlashCommandBuilder().setName('history'), 'command.history', locale)
      .addStringOption((o) => describe(o.setName('job'), 'command.history.job', locale))
      .toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const id = interaction.options.getString('job');
    if (!id) {
      const jobs = ctx.service.ledger.recentForUser(interaction.user.id, 10);
      const lines = jobs.map((j) => {
        const icon = j.outcome ? (OUTCOME_ICON[j.outcome] ?? '•') : j.state === 'running' ? '🎨' : '⏳';
        // <t:…:R> is written by each reader's Discord client in their own language.
        return `${icon} \`${j.id}\` ${j.workflow} — ${truncate(describeJob(j), 80)} · <t:${Math.floor(j.createdAt / 1000)}:R>`;
      });
      await interaction.editReply(lines.length ? `${tr.t('history.recent')}\n${lines.join('\n')}` : tr.t('history.none'));
      return;
    }
    const job = ctx.service.ledger.get(id) ?? ctx.service.ledger.byPromptId(id);
    if (job && job.userId !== interaction.user.id) {
      await interaction.editReply(`⚠️ ${tr.t('history.not_yours')}`);
      return;
    }
    const promptId = job?.promptId ?? id;
    const backend = job ? ctx.pool.byUrl(job.server) : ctx.pool.backends[0];
    const entry = await backend?.client.http.historyOf(promptId).catch(() => undefined);
    const lines = [
      job
        ? tr.t('history.job', { id: job.id, workflow: job.workflow, outcome: tr.t(job.outcome ? `outcome.${job.outcome}` : `state.${job.state}`) })
        : tr.t('history.prompt', { id: promptId }),
      job ? `> ${describeJob(job)}` : '',
      job?.finishedAt && job.startedAt ? tr.t('history.took', { ms: job.finishedAt - job.startedAt }) : '',
    ];
    // ComfyUI's own status word (success, error) stays as it is.
    if (entry) lines.push(entry.status?.status_str ? tr.t('history.comfy_status', { status: entry.status.status_str }) : tr.t('history.comfy_status_unknown'));
    else lines.push(tr.t(job ? 'history.gone_from_comfy' : 'history.unknown_id'));
    // What the job posted (with what stayed on the server) as the ledger has it, else what ComfyUI lists.
    const outputs: ResultOutput[] = job?.result?.kind === 'success' ? job.result.outputs : entry ? outputsOfAll(entry.outputs) : [];
    lines.push(...outputLines(outputs, backend?.name ?? '?', tr));
    await interaction.editReply(truncate(lines.filter(Boolean).join('\n'), 2000));
  },
};

const KIND_ICON: Record<ResultOutput['kind'], string> = { image: '🖼️', animation: '🎞️', video: '🎬', audio: '🔊', model3d: '🧊', file: '📄', text: '📝' };

/** One line per output; a file that stayed on the server also says how the server owner fetches it. */
function outputLines(outputs: ResultOutput[], server: string, tr: Translator): string[] {
  if (outputs.length === 0) return [];
  const lines = [tr.t('history.outputs', { server })];
  let kept = false;
  for (const o of outputs) {
    const kind = tr.t(`kind.${o.kind}`);
    const icon = KIND_ICON[o.kind];
    if (o.kind === 'text') {
      lines.push(`${icon} ${tr.t('history.output_text', { kind, node: o.nodeId, text: truncate(o.text.replace(/\s+/g, ' '), 100) })}`);
      continue;
    }
    const path = pathOf(o);
    if (o.posted !== false) {
      lines.push(`${icon} ${tr.t('history.output_file', { kind, path, node: o.nodeId })}`);
      continue;
    }
    kept = true;
    lines.push(
      `${icon} ${
        o.size === undefined
          ? tr.t('history.output_kept_unknown_size', { kind, path, node: o.nodeId })
          : tr.t('history.output_kept', { kind, path, node: o.nodeId, size: o.size })
      }`,
    );
    lines.push(`   \`${fetchCommand(o)}\``);
  }
  if (kept) lines.push(tr.t('history.fetch_hint', { server }));
  return lines;
}

/** The CLI command that saves a file from the server (run where the bot's .env is, or with --url). */
function fetchCommand(file: Extract<ResultOutput, { filename: string }>): string {
  const quote = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  // A command line, the same in every language.
  const subfolder = file.subfolder ? ` --subfolder ${quote(file.subfolder)}` : ''; // i18n-ignore
  return `npm run comfy -- view ${quote(file.filename)}${subfolder} --type ${file.type} --out ${quote(file.filename)}`; // i18n-ignore
}
