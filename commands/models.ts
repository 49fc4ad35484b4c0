import { SlashCommandBuilder, type APIEmbed } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { truncate } from '../src/text/format.ts';
import { filterChoices } from '../src/workflows/choices.ts';

/** Embed descriptions hold 4096 characters; stay well below so a page reads easily. */
const PAGE_CHARS = 3500;

export function paginate(items: string[], maxChars = PAGE_CHARS): string[][] {
  const pages: string[][] = [[]];
  let size = 0;
  for (const item of items) {
    const line = item.length + 3;
    if (size + line > maxChars && pages[pages.length - 1]!.length > 0) {
      pages.push([]);
      size = 0;
    }
    pages[pages.length - 1]!.push(item);
    size += line;
  }
  return pages;
}

export const command: Command = {
  name: 'models',
  definition: ({ config: { DEFAULT_LOCALE: locale } }) =>
    describe(new SlashCommandBuilder().setName('models'), 'command.models', locale)
      .addStringOption((o) => describe(o.setName('folder'), 'command.models.folder', locale).setAutocomplete(true))
      .addIntegerOption((o) => describe(o.setName('page'), 'command.models.page', locale).setMinValue(1))
      .toJSON(),
  async autocomplete(interaction, ctx) {
    const typed = String(interaction.options.getFocused());
    const backend = await ctx.pool.pick([]).catch(() => undefined);
    const folders = backend ? await backend.client.http.modelFolders().catch(() => []) : [];
    await interaction.respond(filterChoices(folders, typed).map((f) => ({ name: f, value: f })));
  },
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const folder = interaction.options.getString('folder') ?? undefined;
    const backend = await ctx.pool.pick([]);
    if (!folder) {
      const folders = await backend.client.http.modelFolders();
      await interaction.editReply({
        embeds: [
          { title: tr.t('models.folders'), description: folders.map((f) => `• ${f}`).join('\n').slice(0, 4000), footer: { text: tr.t('models.folders_hint') } },
        ],
      });
      return;
    }
    const models = await backend.client.http.models(folder).catch((err: { code?: string }) => {
      if (err.code === 'not_found') return undefined;
      throw err;
    });
    if (!models) {
      // The folder is echoed shortened: a long typed value must not push the reply over Discord's 2,000 characters.
      await interaction.editReply(`⚠️ ${tr.t('models.no_folder', { folder: truncate(folder, 100) })}`);
      return;
    }
    const pages = paginate(models);
    const page = Math.min(interaction.options.getInteger('page') ?? 1, pages.length);
    const embed: APIEmbed = {
      title: `${folder} (${tr.number(models.length)})`,
      description: models.length ? pages[page - 1]!.map((m) => `• ${m}`).join('\n') : tr.t('models.empty'),
      footer: { text: pages.length > 1 ? tr.t('models.page', { page, pages: pages.length }) : backend.name },
    };
    await interaction.editReply({ embeds: [embed] });
  },
};
