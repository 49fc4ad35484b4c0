import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { readInputSpec, type InputSpec } from '../src/comfy/index.ts';
import type { Translator } from '../src/discord/i18n/index.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { truncate } from '../src/text/format.ts';
import { filterChoices } from '../src/workflows/choices.ts';

/** A range's end as ComfyUI gave it (a number; anything else as JSON), or … when it has none. */
const bound = (v: unknown): string => (v === undefined ? '…' : typeof v === 'number' ? String(v) : JSON.stringify(v));

/** `INT (default 20, 1…10000)`, `one of euler, heun, …`: type names and values are ComfyUI's, the words ours. */
function describeInput(spec: InputSpec, tr: Translator): string {
  const { type, options, choices } = readInputSpec(spec);
  if (choices) {
    if (choices.length === 0) return tr.t('nodes.one_of', { choices: tr.t('nodes.none_available') });
    const shown = choices.slice(0, 15).join(', ');
    return choices.length > 15 ? tr.t('nodes.one_of_more', { choices: shown, n: choices.length }) : tr.t('nodes.one_of', { choices: shown });
  }
  const parts: string[] = [];
  if ('default' in options) parts.push(tr.t('nodes.default', { value: JSON.stringify(options['default']) }));
  if ('min' in options || 'max' in options) parts.push(`${bound(options['min'])}…${bound(options['max'])}`);
  if (options['multiline']) parts.push(tr.t('nodes.multiline'));
  return parts.length ? `${type} (${parts.join(', ')})` : type;
}

export const command: Command = {
  name: 'nodes',
  definition: ({ config: { DEFAULT_LOCALE: locale } }) =>
    describe(new SlashCommandBuilder().setName('nodes'), 'command.nodes', locale)
      .addStringOption((o) => describe(o.setName('class'), 'command.nodes.class', locale).setAutocomplete(true))
      .toJSON(),
  async autocomplete(interaction, ctx) {
    const info = await ctx.objectInfo().catch(() => ({}));
    const typed = String(interaction.options.getFocused());
    await interaction.respond(filterChoices(Object.keys(info), typed).map((c) => ({ name: c, value: c })));
  },
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const cls = interaction.options.getString('class');
    const backend = await ctx.pool.pick([]);
    if (cls) {
      const info = await backend.client.http.nodeInfo(cls);
      if (!info) {
        await interaction.editReply(`⚠️ ${tr.t('nodes.no_class', { class: truncate(cls, 100) })}`);
        return;
      }
      const fields = (['required', 'optional'] as const).flatMap((section) =>
        Object.entries(info.input[section] ?? {}).map(([name, spec]) => ({
          name: section === 'optional' ? tr.t('nodes.optional', { input: name }) : name,
          value: truncate(describeInput(spec, tr) || '—', 1024),
          inline: false,
        })),
      );
      await interaction.editReply({
        embeds: [
          {
            title: `${info.display_name ?? cls} (${cls})`,
            description: truncate(`${info.category}${info.description ? `\n${info.description}` : ''}`, 4000),
            fields: fields.slice(0, 25),
            footer: fields.length > 25 ? { text: tr.t('nodes.more_inputs', { n: fields.length - 25 }) } : undefined,
          },
        ],
      });
      return;
    }
    const all = await backend.client.http.objectInfo();
    const byCategory = new Map<string, number>();
    for (const info of Object.values(all)) {
      const top = info.category.split('/')[0] || tr.t('nodes.no_category');
      byCategory.set(top, (byCategory.get(top) ?? 0) + 1);
    }
    const lines = [...byCategory].sort((a, b) => b[1] - a[1]).map(([c, n]) => `• ${c}: ${tr.number(n)}`);
    await interaction.editReply({
      embeds: [
        {
          title: tr.t('nodes.classes', { n: Object.keys(all).length }),
          description: truncate(lines.join('\n'), 4000),
          footer: { text: tr.t('nodes.hint') },
        },
      ],
    });
  },
};
