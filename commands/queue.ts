import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { truncate } from '../src/text/format.ts';

export const command: Command = {
  name: 'queue',
  definition: (ctx) => describe(new SlashCommandBuilder().setName('queue'), 'command.queue', ctx.config.DEFAULT_LOCALE).toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply();
    // A public answer others read too, in the language of the one who asked.
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const sections: string[] = [];
    let total = 0;
    let unreachable = false;
    for (const b of ctx.pool.backends) {
      const q = await b.client.http.queue().catch(() => undefined);
      if (!q) {
        unreachable = true;
        sections.push(`**${b.name}**: ${tr.t('queue.unreachable')}`);
        continue;
      }
      total += q.running.length + q.pending.length;
      const who = (promptId: string) => {
        const job = ctx.service.ledger.byPromptId(promptId);
        return job ? tr.t('queue.job', { user: `<@${job.userId}>`, workflow: job.workflow, id: job.id }) : tr.t('queue.other_client');
      };
      const lines = [
        ...q.running.map((e) => `▶️ ${who(e.promptId)}`),
        ...q.pending.map((e, i) => `${i + 1}. ${who(e.promptId)}`),
      ];
      const head = ctx.pool.backends.length > 1 ? `**${b.name}** — ` : '';
      const counts = tr.t('queue.server', { running: q.running.length, waiting: q.pending.length });
      sections.push(`${head}${counts}${lines.length ? `\n${lines.join('\n')}` : ''}`);
    }
    const content = total === 0 && !unreachable ? tr.t('queue.empty') : `${tr.t('queue.total', { n: total })}\n${sections.join('\n\n')}`;
    await interaction.editReply({ content: truncate(content, 2000), allowedMentions: { parse: [] } });
  },
};
