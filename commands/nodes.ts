import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { comboValues, describeInput } from '../src/comfy/index.ts';
import { truncate } from '../src/text/format.ts';
import { filterChoices } from '../src/workflows/choices.ts';

export const command: Command = {
  name: 'nodes',
  definition: () =>
    new SlashCommandBuilder()
      .setName('nodes')
      .setDescription("A node's inputs (types, defaults, ranges), or a summary by category")
      .addStringOption((o) => o.setName('class').setDescription('Node class, e.g. KSampler').setAutocomplete(true))
      .toJSON(),
  async autocomplete(interaction, ctx) {
    const info = await ctx.objectInfo().catch(() => ({}));
    const typed = String(interaction.options.getFocused());
    await interaction.respond(filterChoices(Object.keys(info), typed).map((c) => ({ name: c, value: c })));
  },
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const cls = interaction.options.getString('class');
    const backend = await ctx.pool.pick([]);
    if (cls) {
      const info = await backend.client.http.nodeInfo(cls);
      if (!info) {
        await interaction.editReply(`⚠️ ComfyUI has no node class "${truncate(cls, 100)}". Pick one from the list the option suggests.`);
        return;
      }
      const fields = (['required', 'optional'] as const).flatMap((section) =>
        Object.entries(info.input[section] ?? {}).map(([name, spec]) => {
          const choices = comboValues(spec);
          const value = choices ? `one of ${choices.slice(0, 15).join(', ')}${choices.length > 15 ? `, … (${choices.length})` : ''}` : describeInput(spec);
          return { name: `${name}${section === 'optional' ? ' (optional)' : ''}`, value: truncate(value || '—', 1024), inline: false };
        }),
      );
      await interaction.editReply({
        embeds: [
          {
            title: `${info.display_name ?? cls} (${cls})`,
            description: truncate(`${info.category}${info.description ? `\n${info.description}` : ''}`, 4000),
            fields: fields.slice(0, 25),
            footer: fields.length > 25 ? { text: `${fields.length - 25} more inputs not shown` } : undefined,
          },
        ],
      });
      return;
    }
    const all = await backend.client.http.objectInfo();
    const byCategory = new Map<string, number>();
    for (const info of Object.values(all)) {
      const top = info.category.split('/')[0] || '(none)';
      byCategory.set(top, (byCategory.get(top) ?? 0) + 1);
    }
    const lines = [...byCategory].sort((a, b) => b[1] - a[1]).map(([c, n]) => `• ${c}: ${n}`);
    await interaction.editReply({
      embeds: [{ title: `${Object.keys(all).length} node classes`, description: truncate(lines.join('\n'), 4000), footer: { text: 'Use /nodes class:<name> for one node' } }],
    });
  },
};
