import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { describeJob } from '../src/discord/job-view.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { canCancel, isServerManager } from '../src/discord/permissions.ts';
import { truncate } from '../src/text/format.ts';

export const command: Command = {
  name: 'cancel',
  definition: ({ config: { DEFAULT_LOCALE: locale } }) =>
    describe(new SlashCommandBuilder().setName('cancel'), 'command.cancel', locale)
      .addStringOption((o) => describe(o.setName('job'), 'command.cancel.job', locale).setAutocomplete(true))
      .toJSON(),
  async autocomplete(interaction, ctx) {
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const typed = String(interaction.options.getFocused()).toLowerCase();
    const jobs = ctx.service.ledger.activeForUser(interaction.user.id);
    const choices = jobs
      .map((j) => ({ name: truncate(`${j.id} · ${j.workflow} · ${describeJob(j)}`, 100), value: j.id }))
      .filter((c) => c.name.toLowerCase().includes(typed));
    if (isServerManager(interaction.memberPermissions) && 'all'.includes(typed)) {
      choices.push({ name: truncate(tr.t('cancel.all_choice'), 100), value: 'all' });
    }
    await interaction.respond(choices.slice(0, 25));
  },
  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const requested = interaction.options.getString('job');
    if (requested === 'all') {
      if (!isServerManager(interaction.memberPermissions)) {
        await interaction.editReply(`⚠️ ${tr.t('cancel.all_not_allowed')}`);
        return;
      }
      let ours = 0;
      for (const job of ctx.service.ledger.unfinished()) {
        if (job.state === 'finished') continue;
        if ((await ctx.service.cancel(job.id, interaction.user.id)) === 'cancelled') ours++;
      }
      for (const b of ctx.pool.backends.filter((x) => x.healthy)) {
        await b.client.http.clearQueue();
        await b.client.http.interrupt();
      }
      await interaction.editReply(`🛑 ${tr.t('cancel.all_done', { n: ours })}`);
      return;
    }
    const job = requested ? ctx.service.ledger.get(requested) : ctx.service.ledger.activeForUser(interaction.user.id).at(-1);
    if (!job) {
      // The id is echoed shortened: a long typed value must not push the reply over Discord's 2,000 characters.
      await interaction.editReply(requested ? `⚠️ ${tr.t('cancel.no_such_job', { id: truncate(requested, 100) })}` : tr.t('cancel.nothing'));
      return;
    }
    if (!canCancel(job.userId, interaction.user.id, interaction.memberPermissions)) {
      await interaction.editReply(`⚠️ ${tr.t('cancel.not_yours')}`);
      return;
    }
    const outcome = await ctx.service.cancel(job.id, interaction.user.id);
    await interaction.editReply(outcome === 'cancelled' ? `🛑 ${tr.t('cancel.done', { id: job.id })}` : tr.t('cancel.already_finished', { id: job.id }));
  },
};
