import { SlashCommandBuilder, type APIEmbed } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
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
  definition: () =>
    new SlashCommandBuilder()
      .setName('models')
      .setDescription('Models on the ComfyUI server (checkpoints, LoRAs, …)')
      .addStringOption((o) => o.setName('folder').setDescription('Model folder, e.g. checkpoints or loras').setAutocomplete(true))
      .addIntegerOption((o) => o.setName('page').setDescription('Page of a long list').setMinValue(1))
      .toJSON(),
  async autocomplete(interaction, ctx) {
    const typed = String(interaction.options.getFocused());
    const backend = await ctx.pool.pick([]).catch(() => undefined);
    const folders = backend ? await backend.client.http.modelFolders().catch(() => []) : [];
    await interaction.respond(filterChoices(folders, typed).map((f) => ({ name: f, value: f })));
  },
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const folder = interaction.options.getString('folder') ?? undefined;
    const backend = await ctx.pool.pick([]);
    if (!folder) {
      const folders = await backend.client.http.modelFolders();
      await interaction.editReply({
        embeds: [{ title: 'Model folders', description: folders.map((f) => `• ${f}`).join('\n').slice(0, 4000), footer: { text: 'Use /models folder:<name>' } }],
      });
      return;
    }
    const models = await backend.client.http.models(folder).catch((err: { code?: string }) => {
      if (err.code === 'not_found') return undefined;
      throw err;
    });
    if (!models) {
      // The folder is echoed shortened: a long typed value must not push the reply over Discord's 2,000 characters.
      await interaction.editReply(`⚠️ There is no model folder "${truncate(folder, 100)}". Pick one from the list the option suggests.`);
      return;
    }
    const pages = paginate(models);
    const page = Math.min(interaction.options.getInteger('page') ?? 1, pages.length);
    const embed: APIEmbed = {
      title: `${folder} (${models.length})`,
      description: models.length ? pages[page - 1]!.map((m) => `• ${m}`).join('\n') : 'No models in this folder.',
      footer: { text: pages.length > 1 ? `Page ${page} of ${pages.length} — use the page option for more` : backend.name },
    };
    await interaction.editReply({ embeds: [embed] });
  },
};
