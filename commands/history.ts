import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { describeJob } from '../src/discord/job-view.ts';
import { translatorFor } from '../src/discord/locale.ts';
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
    if (entry) {
      // ComfyUI's own status word (success, error) stays as it is.
      lines.push(entry.status?.status_str ? tr.t('history.comfy_status', { status: entry.status.status_str }) : tr.t('history.comfy_status_unknown'));
      for (const [node, out] of Object.entries(entry.outputs)) {
        for (const img of out.images ?? []) lines.push(tr.t('history.output', { node, file: img.filename }));
      }
    } else lines.push(tr.t(job ? 'history.gone_from_comfy' : 'history.unknown_id'));
    await interaction.editReply(truncate(lines.filter(Boolean).join('\n'), 2000));
  },
};
