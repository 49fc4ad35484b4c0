// /settings: a user's own defaults for the workflows' options (U4), and private results.
// show | set option value [workflow] | reset [option] [workflow] | private enabled
import { ApplicationCommandOptionType, MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import type { BotContext } from '../src/discord/context.ts';
import { descriptionJson } from '../src/discord/i18n/localizations.ts';
import type { Translator } from '../src/discord/i18n/index.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { classifyError } from '../src/discord/reply.ts';
import { checkSetting, SettingRefusedError, settableOptions, type UserSettings } from '../src/jobs/user-settings.ts';
import { truncate } from '../src/text/format.ts';
import { aspectValues } from '../src/workflows/aspect-option.ts';
import type { ManifestOption } from '../src/workflows/manifest.ts';
import type { LoadedWorkflow } from '../src/workflows/registry.ts';

const MAX_VALUE_LENGTH = 4000;
const MAX_CHOICES = 25;

const optionName = {
  name: 'option',
  type: ApplicationCommandOptionType.String,
  autocomplete: true,
  max_length: 32,
} as const;
const workflowName = {
  name: 'workflow',
  type: ApplicationCommandOptionType.String,
  autocomplete: true,
  max_length: 32,
} as const;

export const command: Command = {
  name: 'settings',
  definition: (ctx) => {
    const describe = (key: Parameters<typeof descriptionJson>[0]) => descriptionJson(key, ctx.config.DEFAULT_LOCALE);
    return {
      name: 'settings',
      ...describe('command.settings'),
      options: [
        { type: ApplicationCommandOptionType.Subcommand, name: 'show', ...describe('command.settings.show') },
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'set',
          ...describe('command.settings.set'),
          options: [
            { ...optionName, required: true, ...describe('command.settings.set.option') },
            {
              name: 'value',
              type: ApplicationCommandOptionType.String,
              required: true,
              autocomplete: true,
              max_length: MAX_VALUE_LENGTH,
              ...describe('command.settings.set.value'),
            },
            { ...workflowName, required: false, ...describe('command.settings.set.workflow') },
          ],
        },
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'reset',
          ...describe('command.settings.reset'),
          options: [
            { ...optionName, required: false, ...describe('command.settings.reset.option') },
            { ...workflowName, required: false, ...describe('command.settings.reset.workflow') },
          ],
        },
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'private',
          ...describe('command.settings.private'),
          options: [
            { name: 'enabled', type: ApplicationCommandOptionType.Boolean, required: true, ...describe('command.settings.private.enabled') },
          ],
        },
      ],
    };
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value).toLowerCase();
    const option = interaction.options.getString('option') ?? '';
    const workflow = interaction.options.getString('workflow') ?? '';
    const workflows = [...ctx.workflows.values()];
    if (focused.name === 'option') {
      // For reset, the options the user has saved; for set, every option a default can be saved for.
      const names = new Map<string, string[]>();
      if (interaction.options.getSubcommand() === 'reset') {
        const saved = ctx.settings.get(interaction.user.id);
        if (!workflow) for (const name of Object.keys(saved.defaults)) names.set(name, ['*']);
        for (const [w, values] of Object.entries(saved.workflows)) {
          if (workflow && w !== workflow) continue;
          for (const name of Object.keys(values)) names.set(name, [...(names.get(name) ?? []), w]);
        }
      } else {
        const scope = workflow ? workflows.filter((w) => w.name === workflow) : workflows;
        for (const w of scope) for (const o of settableOptions(w)) names.set(o.name, [...(names.get(o.name) ?? []), w.name]);
      }
      const matching = [...names.entries()].filter(([name]) => name.includes(typed)).sort(([a], [b]) => rank(a, typed) - rank(b, typed) || a.localeCompare(b));
      await interaction.respond(matching.slice(0, MAX_CHOICES).map(([name, ws]) => ({ name: truncate(`${name} (${ws.join(', ')})`, 100), value: name })));
      return;
    }
    if (focused.name === 'workflow') {
      const having = workflows.filter((w) => !option || settableOptions(w).some((o) => o.name === option));
      await interaction.respond(having.filter((w) => w.name.includes(typed)).slice(0, MAX_CHOICES).map((w) => ({ name: w.name, value: w.name })));
      return;
    }
    if (focused.name === 'value') {
      await interaction.respond(await valueChoices(interaction, ctx, option, workflow, String(focused.value)));
    }
  },

  async execute(interaction, ctx) {
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const userId = interaction.user.id;
    switch (interaction.options.getSubcommand()) {
      case 'show':
        await interaction.editReply(showSettings(ctx.settings.get(userId), tr));
        return;
      case 'set':
        await interaction.editReply(setSetting(interaction, ctx, tr));
        return;
      case 'reset':
        await interaction.editReply(resetSettings(interaction, ctx, tr));
        return;
      case 'private': {
        const enabled = interaction.options.getBoolean('enabled', true);
        ctx.settings.update(userId, (s) => {
          s.private = enabled;
        });
        await interaction.editReply(tr.t(enabled ? 'settings.private_enabled' : 'settings.private_disabled'));
        return;
      }
    }
  },
};

/** Names starting with what was typed first. */
function rank(name: string, typed: string): number {
  return name.startsWith(typed) ? 0 : 1;
}

function shown(value: string): string {
  return truncate(value.replaceAll('`', 'ˋ').replace(/\s+/g, ' '), 200);
}

function showSettings(settings: UserSettings, tr: Translator): string {
  const lines = [tr.t('settings.title'), tr.t(settings.private ? 'settings.private_on' : 'settings.private_off')];
  const list = (values: Record<string, string>) => Object.entries(values).map(([name, value]) => `• ${name} = \`${shown(value)}\``);
  const global = list(settings.defaults);
  if (global.length > 0) lines.push('', tr.t('settings.every_workflow'), ...global);
  for (const [workflow, values] of Object.entries(settings.workflows)) {
    const own = list(values);
    if (own.length > 0) lines.push('', tr.t('settings.for_workflow', { workflow }), ...own);
  }
  const any = global.length > 0 || Object.values(settings.workflows).some((v) => Object.keys(v).length > 0);
  lines.push('', tr.t(any ? 'settings.explain' : 'settings.none'));
  return truncate(lines.join('\n'), 2000);
}

function setSetting(interaction: ChatInputCommandInteraction, ctx: BotContext, tr: Translator): string {
  const option = interaction.options.getString('option', true).trim();
  const value = interaction.options.getString('value', true);
  const workflow = interaction.options.getString('workflow')?.trim() || undefined;
  let scope: LoadedWorkflow[];
  try {
    scope = checkSetting(ctx.workflows.values(), { option, value, workflow });
  } catch (err) {
    if (!(err instanceof SettingRefusedError)) throw err;
    return `⚠️ ${refusalText(err, tr)}`;
  }
  // A default is text of the user's jobs: the banned words hold for it when it is saved, not only when it is used.
  for (const w of scope) ctx.service.screen(w.name, { [option]: value }, interaction.user.id);
  ctx.settings.update(interaction.user.id, (s) => {
    if (workflow === undefined) s.defaults[option] = value;
    else s.workflows[workflow] = { ...s.workflows[workflow], [option]: value };
  });
  ctx.log.info('user default saved', { userId: interaction.user.id, option, workflow: workflow ?? '*' });
  return workflow === undefined
    ? tr.t('settings.saved_everywhere', { option, value: shown(value), workflows: scope.map((w) => w.name).join(', ') })
    : tr.t('settings.saved_one', { option, value: shown(value), workflow });
}

/** Each workflow's refusal in its own words; workflows refusing in the same words share a line. */
function refusalText(err: SettingRefusedError, tr: Translator): string {
  const byText = new Map<string, string[]>();
  for (const r of err.refusals) {
    const text = classifyError(r.error, tr).text;
    byText.set(text, [...(byText.get(text) ?? []), r.workflow]);
  }
  return [...byText.entries()].map(([problem, workflows]) => tr.t('settings.refused', { workflow: workflows.join(', '), problem })).join('\n');
}

function resetSettings(interaction: ChatInputCommandInteraction, ctx: BotContext, tr: Translator): string {
  const option = interaction.options.getString('option')?.trim() || undefined;
  const workflow = interaction.options.getString('workflow')?.trim() || undefined;
  let removed = false;
  ctx.settings.update(interaction.user.id, (s) => {
    if (option === undefined && workflow === undefined) {
      removed = true;
      s.private = false;
      s.defaults = {};
      s.workflows = {};
      return;
    }
    for (const [name, values] of Object.entries(s.workflows)) {
      if (workflow !== undefined && name !== workflow) continue;
      for (const key of Object.keys(values)) {
        if (option !== undefined && key !== option) continue;
        delete values[key];
        removed = true;
      }
    }
    if (workflow === undefined && option !== undefined && option in s.defaults) {
      delete s.defaults[option];
      removed = true;
    }
  });
  if (option === undefined && workflow === undefined) return tr.t('settings.reset_all');
  if (option === undefined) return tr.t(removed ? 'settings.reset_workflow' : 'settings.reset_nothing_workflow', { workflow: workflow! });
  if (!removed) return tr.t('settings.reset_nothing', { option });
  return workflow === undefined ? tr.t('settings.reset_everywhere', { option }) : tr.t('settings.reset_one', { option, workflow });
}

/** Suggestions for the value: the option's fixed or server-side choices, its ratios, or true/false. */
async function valueChoices(interaction: AutocompleteInteraction, ctx: BotContext, optionName: string, workflow: string, typed: string) {
  const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
  const workflows = [...ctx.workflows.values()].filter((w) => !workflow || w.name === workflow);
  const option = workflows.flatMap((w) => settableOptions(w)).find((o) => o.name === optionName);
  if (!option) return [];
  const lower = typed.toLowerCase();
  const pairs = await choicesOf(option, typed, ctx, tr);
  return pairs
    .filter((c) => c.value.toLowerCase().includes(lower) || c.name.toLowerCase().includes(lower))
    .slice(0, MAX_CHOICES)
    .map((c) => ({ name: truncate(c.name, 100), value: c.value.slice(0, 100) }));
}

async function choicesOf(option: ManifestOption, typed: string, ctx: BotContext, tr: Translator): Promise<Array<{ name: string; value: string }>> {
  switch (option.type) {
    case 'choice': {
      const values = await ctx
        .catalog()
        .choices(option, typed)
        .catch(() => []);
      return values.map((v) => ({ name: v, value: v }));
    }
    case 'aspect':
      return aspectValues(option).map((a) => ({ name: tr.t(`aspect.${a}`), value: a }));
    case 'boolean':
      return [
        { name: 'true', value: 'true' },
        { name: 'false', value: 'false' },
      ];
    default:
      return typed ? [{ name: typed, value: typed }] : [];
  }
}
