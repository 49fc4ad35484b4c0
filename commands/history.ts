import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describeJob } from '../src/discord/job-view.ts';
import { formatDuration, truncate } from '../src/text/format.ts';

const OUTCOME_ICON: Record<string, string> = { success: '✅', error: '❌', cancelled: '🛑', lost: '⚠️', rejected: '🚫' };

export const command: Command = {
  name: 'history',
  definition: () =>
    new SlashCommandBuilder()
      .setName('history')
      .setDescription('Your recent jobs, or one job with its outputs and status')
      .addStringOption((o) => o.setName('job').setDescription('A job id or ComfyUI prompt id'))
      .toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply({ ephemeral: true });
    const id = interaction.options.getString('job');
    if (!id) {
      const jobs = ctx.service.ledger.recentForUser(interaction.user.id, 10);
      const lines = jobs.map((j) => {
        const icon = j.outcome ? (OUTCOME_ICON[j.outcome] ?? '•') : j.state === 'running' ? '🎨' : '⏳';
        return `${icon} \`${j.id}\` ${j.workflow} — ${truncate(describeJob(j), 80)} · <t:${Math.floor(j.createdAt / 1000)}:R>`;
      });
      await interaction.editReply(lines.length ? `Your recent jobs:\n${lines.join('\n')}` : 'You have no jobs yet. Start one with /generate.');
      return;
    }
    const job = ctx.service.ledger.get(id) ?? ctx.service.ledger.byPromptId(id);
    if (job && job.userId !== interaction.user.id) {
      await interaction.editReply('⚠️ That job belongs to someone else.');
      return;
    }
    const promptId = job?.promptId ?? id;
    const backend = job ? ctx.pool.byUrl(job.server) : ctx.pool.backends[0];
    const entry = await backend?.client.http.historyOf(promptId).catch(() => undefined);
    const lines = [
      job ? `Job \`${job.id}\` (${job.workflow}): ${job.outcome ?? job.state}` : `Prompt \`${promptId}\``,
      job ? `> ${describeJob(job)}` : '',
      job?.finishedAt && job.startedAt ? `Took ${formatDuration(job.finishedAt - job.startedAt)}` : '',
    ];
    if (entry) {
      lines.push(`ComfyUI: ${entry.status?.status_str ?? 'unknown'}`);
      for (const [node, out] of Object.entries(entry.outputs)) {
        for (const img of out.images ?? []) lines.push(`• node ${node}: ${img.filename}`);
      }
    } else lines.push(job ? 'ComfyUI no longer has this prompt in its history.' : 'Neither this bot nor ComfyUI knows that id.');
    await interaction.editReply(truncate(lines.filter(Boolean).join('\n'), 2000));
  },
};
