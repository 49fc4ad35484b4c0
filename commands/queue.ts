import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { truncate } from '../src/text/format.ts';

/** Entries listed per section; the rest are counted. */
const SHOWN = 15;

export const command: Command = {
  name: 'queue',
  definition: (ctx) => describe(new SlashCommandBuilder().setName('queue'), 'command.queue', ctx.config.DEFAULT_LOCALE).toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const entry = (jobId: string, userId: string, workflow: string) => tr.t('queue.job', { user: userId, workflow, job: jobId });
    const list = (lines: string[]) =>
      lines.length > SHOWN ? [...lines.slice(0, SHOWN), tr.t('queue.more', { count: lines.length - SHOWN })] : lines;

    // The bot's own queue, in the order jobs will be sent.
    const state = ctx.service.queueState();
    const bot = state.waiting.map((j, i) => {
      const marks = [j.front !== null ? tr.t('queue.first') : undefined, j.priority ? tr.t('queue.priority') : undefined].filter(Boolean);
      return tr.t('queue.entry', { n: i + 1, job: [entry(j.id, j.userId, j.workflow), ...marks].join(' · ') });
    });
    const sections = [
      [
        state.waiting.length ? tr.t('queue.bot_heading', { count: state.waiting.length }) : tr.t('queue.bot_empty'),
        ...(state.paused ? [tr.t('queue.bot_paused')] : []),
        ...list(bot),
      ].join('\n'),
    ];

    // Then what each server runs and holds, as it says itself (other clients' prompts too).
    let onServers = 0;
    let reachable = true;
    const servers = await Promise.all(
      ctx.pool.backends.map(async (b) => {
        const q = await b.client.http.queue().catch(() => undefined);
        if (!q) {
          reachable = false;
          return tr.t('queue.server_unreachable', { server: b.name });
        }
        onServers += q.running.length + q.pending.length;
        const who = (promptId: string) => {
          const job = ctx.service.ledger.byPromptId(promptId);
          return job ? entry(job.id, job.userId, job.workflow) : tr.t('queue.other_client');
        };
        const lines = [
          ...q.running.map((e) => tr.t('queue.running', { job: who(e.promptId) })),
          ...list(q.pending.map((e, i) => tr.t('queue.entry', { n: i + 1, job: who(e.promptId) }))),
        ];
        return [tr.t('queue.server', { server: b.name, running: q.running.length, pending: q.pending.length }), ...lines].join('\n');
      }),
    );
    sections.push(...servers);
    const empty = state.waiting.length === 0 && onServers === 0 && reachable && !state.paused;
    await interaction.editReply({ content: truncate(empty ? tr.t('queue.empty') : sections.join('\n\n'), 2000), allowedMentions: { parse: [] } });
  },
};
