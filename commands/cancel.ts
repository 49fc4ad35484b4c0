import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describeJob } from '../src/discord/job-view.ts';
import { canCancel, isServerManager } from '../src/discord/permissions.ts';
import { truncate } from '../src/text/format.ts';

export const command: Command = {
  name: 'cancel',
  definition: () =>
    new SlashCommandBuilder()
      .setName('cancel')
      .setDescription('Cancel one of your jobs (or, for server managers, everything: all)')
      .addStringOption((o) => o.setName('job').setDescription('Which job; "all" clears every queue').setAutocomplete(true))
      .toJSON(),
  async autocomplete(interaction, ctx) {
    const typed = String(interaction.options.getFocused()).toLowerCase();
    const jobs = ctx.service.ledger.activeForUser(interaction.user.id);
    const choices = jobs
      .map((j) => ({ name: truncate(`${j.id} · ${j.workflow} · ${describeJob(j)}`, 100), value: j.id }))
      .filter((c) => c.name.toLowerCase().includes(typed));
    if (isServerManager(interaction.memberPermissions) && 'all'.includes(typed)) {
      choices.push({ name: 'all — clear every queue and interrupt what runs', value: 'all' });
    }
    await interaction.respond(choices.slice(0, 25));
  },
  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const requested = interaction.options.getString('job');
    if (requested === 'all') {
      if (!isServerManager(interaction.memberPermissions)) {
        await interaction.editReply('⚠️ Only members with the Manage Server permission can cancel everything.');
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
      await interaction.editReply(`🛑 Cleared every queue and interrupted what was running (${ours} job(s) of this bot cancelled).`);
      return;
    }
    const job = requested ? ctx.service.ledger.get(requested) : ctx.service.ledger.activeForUser(interaction.user.id).at(-1);
    if (!job) {
      await interaction.editReply(
        requested ? `⚠️ There is no job \`${truncate(requested, 100)}\`. Pick one from the list the option suggests.` : 'You have no job running or waiting.',
      );
      return;
    }
    if (!canCancel(job.userId, interaction.user.id, interaction.memberPermissions)) {
      await interaction.editReply('⚠️ That job belongs to someone else; only they or a moderator can cancel it.');
      return;
    }
    const outcome = await ctx.service.cancel(job.id, interaction.user.id);
    await interaction.editReply(
      outcome === 'cancelled' ? `🛑 Cancelled job \`${job.id}\`.` : `Job \`${job.id}\` had already finished; nothing to cancel.`,
    );
  },
};
