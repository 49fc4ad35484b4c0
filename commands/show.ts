// /show job:<id>: a finished job of this server posted again (U6), with its results
// fetched anew from ComfyUI and buttons that act on the same job.
import { ApplicationCommandOptionType, MessageFlags } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { descriptionJson } from '../src/discord/i18n/localizations.ts';
import { describeJob } from '../src/discord/job-view.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { truncate } from '../src/text/format.ts';

const MAX_CHOICES = 25;

export const command: Command = {
  name: 'show',
  definition: (ctx) => ({
    name: 'show',
    ...descriptionJson('command.show', ctx.config.DEFAULT_LOCALE),
    options: [
      {
        name: 'job',
        type: ApplicationCommandOptionType.String,
        required: true,
        autocomplete: true,
        max_length: 40,
        ...descriptionJson('command.show.job', ctx.config.DEFAULT_LOCALE),
      },
    ],
  }),

  async autocomplete(interaction, ctx) {
    const typed = String(interaction.options.getFocused()).trim();
    // Someone else's private jobs are not offered (nor shown).
    const jobs = ctx.service.ledger
      .recentInGuild(interaction.guildId, MAX_CHOICES * 2, { idPrefix: typed, finishedOnly: true })
      .filter((j) => !j.delivery.private || j.userId === interaction.user.id)
      .slice(0, MAX_CHOICES);
    await interaction.respond(
      jobs.map((j) => ({ name: truncate(`${j.id} · ${j.workflow} · ${describeJob(j)}`, 100), value: j.id })),
    );
  },

  async execute(interaction, ctx) {
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const id = interaction.options.getString('job', true).trim();
    const job = ctx.service.ledger.get(id);
    const finished = job && (job.state === 'finished' || job.state === 'delivered') && job.result !== null && job.outcome !== 'rejected';
    // Refusals are for the asker alone; the job itself is posted for the channel.
    const refuse = (text: string) => interaction.reply({ content: `⚠️ ${text}`, flags: MessageFlags.Ephemeral });
    if (!job || job.outcome === 'rejected') return void (await refuse(tr.t('show.unknown', { job: truncate(id, 40) })));
    if (job.delivery.guildId !== interaction.guildId) return void (await refuse(tr.t('show.other_server')));
    if (job.delivery.private && job.userId !== interaction.user.id) return void (await refuse(tr.t('show.private')));
    if (!finished) return void (await refuse(tr.t('show.not_finished')));
    // A private job is shown to its owner alone, like its first delivery.
    const ephemeral = job.delivery.private === true;
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const header = tr.t('show.header', { by: interaction.user.id, job: job.id });
    const outcome = await ctx.messenger.showAgain(
      job,
      { applicationId: interaction.applicationId, token: interaction.token, channelId: interaction.channelId, ephemeral },
      header,
      tr,
    );
    if (outcome === 'gone') await interaction.editReply({ content: `⚠️ ${tr.t('show.gone', { job: job.id })}` });
    ctx.log.info('job shown again', { jobId: job.id, userId: interaction.user.id, outcome });
  },
};
