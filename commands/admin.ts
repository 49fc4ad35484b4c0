// /admin <subcommand>: the server owner's controls (Manage Server). Each
// subcommand is one entry of `actions`: how it is declared and what it does;
// adding one (ban, reload, free, purge…) is adding an entry.
import {
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import type { BotContext } from '../src/discord/context.ts';
import { catalogues, FALLBACK_LOCALE, type MessageKey, type Translator } from '../src/discord/i18n/index.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { isServerManager } from '../src/discord/permissions.ts';
import { truncate } from '../src/text/format.ts';

export interface AdminAction {
  /** Adds the subcommand's description and options (its name is its key in `actions`). */
  declare(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder;
  /** Does it and returns the answer, in the admin's language (shown only to them). */
  run(interaction: ChatInputCommandInteraction, ctx: BotContext, tr: Translator): Promise<string> | string;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  /** It may take longer than Discord's 3 s to answer (it asks ComfyUI or re-reads files): the reply is deferred. */
  slow?: boolean;
}

/** English description plus its translations, as Discord's `description_localizations` wants them. */
function described<T extends { setDescription(d: string): T; setDescriptionLocalizations(l: Record<string, string>): T }>(
  builder: T,
  key: MessageKey,
): T {
  const localizations: Record<string, string> = {};
  for (const [locale, messages] of catalogues) if (locale !== FALLBACK_LOCALE) localizations[locale] = messages[key];
  return builder.setDescription(catalogues.get(FALLBACK_LOCALE)![key]).setDescriptionLocalizations(localizations);
}

export const actions: Record<string, AdminAction> = {
  pause: {
    declare: (sub) => described(sub, 'admin.pause.description'),
    run: (_interaction, ctx, tr) => tr.t(ctx.service.setPaused(true) ? 'admin.paused' : 'admin.already_paused'),
  },
  resume: {
    declare: (sub) => described(sub, 'admin.resume.description'),
    run: (_interaction, ctx, tr) => tr.t(ctx.service.setPaused(false) ? 'admin.resumed' : 'admin.not_paused'),
  },
  first: {
    declare: (sub) =>
      described(sub, 'admin.first.description').addStringOption((o) =>
        described(o.setName('job').setRequired(true).setAutocomplete(true), 'admin.first.job.description'),
      ),
    run(interaction, ctx, tr) {
      const job = interaction.options.getString('job', true).trim();
      const outcome = ctx.service.putFirst(job);
      return tr.t(outcome === 'first' ? 'admin.first_done' : outcome === 'unknown' ? 'admin.first_unknown' : 'admin.first_not_waiting', { job });
    },
    async autocomplete(interaction, ctx) {
      const typed = String(interaction.options.getFocused()).toLowerCase();
      const choices = ctx.service
        .queueState()
        .waiting.map((j, i) => {
          const row = ctx.service.ledger.get(j.id);
          const prompt = typeof row?.params['prompt'] === 'string' ? ` · ${row.params['prompt']}` : '';
          return { name: truncate(`${i + 1}. ${j.id} · ${j.workflow}${prompt}`, 100), value: j.id };
        })
        .filter((c) => c.name.toLowerCase().includes(typed));
      await interaction.respond(choices.slice(0, 25));
    },
  },
  ban: {
    declare: (sub) =>
      described(sub, 'admin.ban.description')
        .addUserOption((o) => described(o.setName('user').setRequired(true), 'admin.ban.user.description'))
        .addStringOption((o) => described(o.setName('reason').setMaxLength(200), 'admin.ban.reason.description')),
    run(interaction, ctx, tr) {
      const user = interaction.options.getUser('user', true);
      const reason = interaction.options.getString('reason')?.trim() || null;
      if (user.id === interaction.user.id) return tr.t('admin.ban_self');
      if (user.bot) return tr.t('admin.ban_bot');
      // A ban from /admin holds in the server it was given in (the store also knows bans everywhere).
      const guildId = interaction.guildId;
      const again = ctx.bans.isBanned(user.id, guildId) && ctx.bans.get(user.id, guildId) !== undefined;
      ctx.bans.ban(user.id, { guildId, by: interaction.user.id, reason });
      ctx.log.info('user banned from the bot', { userId: user.id, guildId, by: interaction.user.id });
      const answer = tr.t(again ? 'admin.ban_again' : 'admin.banned', { user: user.id });
      return reason ? `${answer}\n${tr.t('admin.banned_reason', { reason })}` : answer;
    },
  },
  unban: {
    declare: (sub) =>
      described(sub, 'admin.unban.description').addUserOption((o) => described(o.setName('user').setRequired(true), 'admin.unban.user.description')),
    run(interaction, ctx, tr) {
      const user = interaction.options.getUser('user', true);
      const lifted = ctx.bans.unban(user.id, interaction.guildId);
      if (lifted) ctx.log.info('user unbanned', { userId: user.id, guildId: interaction.guildId, by: interaction.user.id });
      return tr.t(lifted ? 'admin.unbanned' : 'admin.not_banned', { user: user.id });
    },
  },
  reload: {
    declare: (sub) => described(sub, 'admin.reload.description'),
    slow: true,
    async run(_interaction, ctx, tr) {
      const r = await ctx.reload();
      const names = (list: string[]) => list.map((n) => `\`${n}\``).join(', ');
      const lines = [tr.t('admin.reload.heading', { count: r.workflows, words: r.bannedWords.count })];
      if (r.added.length) lines.push(tr.t('admin.reload.added', { names: names(r.added) }));
      if (r.removed.length) lines.push(tr.t('admin.reload.removed', { names: names(r.removed) }));
      if (r.changed.length) lines.push(tr.t('admin.reload.changed', { names: names(r.changed) }));
      if (!r.added.length && !r.removed.length && !r.changed.length) lines.push(tr.t('admin.reload.unchanged'));
      if ('error' in r.bannedWords) lines.push(tr.t('admin.reload.words_failed', { error: r.bannedWords.error }));
      if (r.commands === 'registered') lines.push(tr.t('admin.reload.registered'));
      else if (r.commands === 'unchanged') lines.push(tr.t('admin.reload.not_registered'));
      else if (r.commands === 'off') lines.push(tr.t('admin.reload.register_off'));
      else lines.push(tr.t('admin.reload.register_failed', { error: truncate(r.commands.error, 300) }));
      // Last, one line a file (its first problem): a folder of broken files must not push the summary out of Discord's 2,000 characters.
      // The reason is the operator's text from the file checks (English, like ComfyUI's own errors).
      const skipped = new Map<string, Array<{ reason: string }>>();
      for (const s of r.skipped) skipped.set(s.file, [...(skipped.get(s.file) ?? []), s]);
      for (const [file, problems] of skipped) {
        const values = { file: `\`${file}\``, reason: truncate(problems[0]?.reason ?? '', 250), more: problems.length - 1 };
        lines.push(tr.t(problems.length > 1 ? 'admin.reload.skipped_more' : 'admin.reload.skipped', values));
      }
      return lines.join('\n');
    },
  },
  free: {
    declare: (sub) => described(sub, 'admin.free.description'),
    slow: true,
    async run(_interaction, ctx, tr) {
      const outcomes = await ctx.pool.free();
      return [
        tr.t('admin.free.heading'),
        ...outcomes.map((o) => (o.ok ? tr.t('admin.free.ok', { server: o.name }) : tr.t('admin.free.failed', { server: o.name, error: truncate(o.error ?? '', 200) }))),
      ].join('\n');
    },
  },
  purge: {
    declare: (sub) =>
      described(sub, 'admin.purge.description').addIntegerOption((o) =>
        described(o.setName('older_than_days').setRequired(true).setMinValue(0).setMaxValue(36_500), 'admin.purge.days.description'),
      ),
    slow: true,
    async run(interaction, ctx, tr) {
      const days = interaction.options.getInteger('older_than_days', true);
      if (days < 0) return tr.t('admin.purge.days.description');
      const { jobs, orphanInputFolders } = await ctx.service.purge(days * 86_400_000);
      return tr.t('admin.purged', { jobs, days, folders: orphanInputFolders });
    },
  },
};

export const command: Command = {
  name: 'admin',
  definition: () => {
    const builder = described(new SlashCommandBuilder().setName('admin'), 'admin.description')
      // Discord shows it only to members with Manage Server; the handler checks again (the setting can be changed per server).
      .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
      .setContexts(InteractionContextType.Guild);
    for (const [name, action] of Object.entries(actions)) builder.addSubcommand((sub) => action.declare(sub.setName(name)));
    // Discord's OpenAPI description types the permission set as an integer (discord.js writes a string).
    const json = builder.toJSON();
    return { ...json, default_member_permissions: Number(json.default_member_permissions) as unknown as string };
  },
  async autocomplete(interaction, ctx) {
    if (!isServerManager(interaction.memberPermissions)) return interaction.respond([]);
    await actions[interaction.options.getSubcommand()]?.autocomplete?.(interaction, ctx);
  },
  async execute(interaction, ctx) {
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    if (!isServerManager(interaction.memberPermissions)) {
      await interaction.reply({ content: tr.t('admin.not_allowed'), flags: MessageFlags.Ephemeral });
      return;
    }
    const action = actions[interaction.options.getSubcommand()]!;
    ctx.log.info('admin command', { userId: interaction.user.id, subcommand: interaction.options.getSubcommand() });
    if (!action.slow) {
      await interaction.reply({ content: await action.run(interaction, ctx, tr), flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    await interaction.editReply({ content: truncate(await action.run(interaction, ctx, tr), 2000) });
  },
};
