import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { truncate } from '../src/text/format.ts';

export const command: Command = {
  name: 'queue',
  definition: () => new SlashCommandBuilder().setName('queue').setDescription('What runs now and what waits, in run order').toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const sections: string[] = [];
    let total = 0;
    for (const b of ctx.pool.backends) {
      const q = await b.client.http.queue().catch(() => undefined);
      if (!q) {
        sections.push(`**${b.name}**: unreachable`);
        continue;
      }
      total += q.running.length + q.pending.length;
      const who = (promptId: string) => {
        const job = ctx.service.ledger.byPromptId(promptId);
        return job ? `<@${job.userId}> · ${job.workflow} · job \`${job.id}\`` : 'another client';
      };
      const lines = [
        ...q.running.map((e) => `▶️ ${who(e.promptId)}`),
        ...q.pending.map((e, i) => `${i + 1}. ${who(e.promptId)}`),
      ];
      const head = ctx.pool.backends.length > 1 ? `**${b.name}** — ` : '';
      sections.push(`${head}${q.running.length} running, ${q.pending.length} waiting${lines.length ? `\n${lines.join('\n')}` : ''}`);
    }
    const content = total === 0 && sections.every((s) => !s.includes('unreachable')) ? 'The queue is empty.' : `${total} job(s) in total\n${sections.join('\n\n')}`;
    await interaction.editReply({ content: truncate(content, 2000), allowedMentions: { parse: [] } });
  },
};
