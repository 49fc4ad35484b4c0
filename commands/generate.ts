// /generate <workflow> …: one subcommand per workflow in workflows/, options from its manifest.
import type { ChatInputCommandInteraction } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { checkAttachment, downloadAttachment, type AttachmentKind } from '../src/discord/attachments.ts';
import { descriptionJson } from '../src/discord/i18n/localizations.ts';
import { checkWorkflowPlace, deferJobReply, startJob } from '../src/discord/start-job.ts';
import { MAX_SUBCOMMANDS, readValues, SPOILER_OPTION, subcommandJson } from '../src/discord/workflow-options.ts';
import type { BotContext } from '../src/discord/context.ts';
import type { Attachment } from '../src/jobs/service.ts';
import { UserError } from '../src/jobs/user-error.ts';
import { withUserDefaults } from '../src/jobs/user-settings.ts';
import { isUploadOption } from '../src/workflows/manifest.ts';
import type { LoadedWorkflow } from '../src/workflows/registry.ts';

function workflowOf(interaction: { options: { getSubcommand(): string } }, ctx: BotContext): LoadedWorkflow {
  const name = interaction.options.getSubcommand();
  const w = ctx.workflows.get(name);
  if (!w) throw new UserError('workflow.not_installed', { workflow: name });
  return w;
}

async function readAttachments(interaction: ChatInputCommandInteraction, w: LoadedWorkflow, ctx: BotContext) {
  const picked = w.manifest.options.filter(isUploadOption).flatMap((o) => {
    const a = interaction.options.getAttachment(o.name);
    const kind: AttachmentKind = o.type === 'mask' ? 'image' : o.type;
    return a ? [{ option: o.name, a, kind }] : [];
  });
  const files: Record<string, Attachment> = {};
  // Every attachment is checked before any is downloaded.
  for (const { option, a, kind } of picked) checkAttachment(option, a, ctx.attachments, kind);
  await Promise.all(
    picked.map(async ({ option, a, kind }) => {
      files[option] = { bytes: await downloadAttachment(option, a, ctx.attachments, kind), filename: a.name };
    }),
  );
  return files;
}

export const command: Command = {
  name: 'generate',
  definition: (ctx) => ({
    name: 'generate',
    ...descriptionJson('command.generate', ctx.config.DEFAULT_LOCALE),
    options: [...ctx.workflows.values()].slice(0, MAX_SUBCOMMANDS).map((w) => subcommandJson(w, ctx.config.DEFAULT_LOCALE)),
  }),
  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const w = ctx.workflows.get(interaction.options.getSubcommand());
    const option = w?.manifest.options.find((o) => o.name === focused.name);
    if (!option || option.type !== 'choice') return interaction.respond([]);
    const values = await ctx
      .catalog()
      .choices(option, String(focused.value))
      .catch(() => []);
    await interaction.respond(values.map((v) => ({ name: v.slice(0, 100), value: v.slice(0, 100) })));
  },
  async execute(interaction, ctx) {
    // Defer first: downloads and uploads may take longer than Discord's 3 seconds.
    // A refusal or failure from here on is shown in this reply by the dispatcher.
    const reply = await deferJobReply(interaction, ctx);
    const w = workflowOf(interaction, ctx);
    // The user's saved defaults fill what they left empty (/settings); what they gave wins.
    const { values, skipped } = withUserDefaults(ctx.settings.get(interaction.user.id), w, readValues(interaction, w));
    if (skipped.length > 0) ctx.log.info('saved defaults the workflow no longer allows were not used', { userId: interaction.user.id, workflow: w.name, options: skipped });
    // Where it may run and what the text says are known now: refuse before downloading anything.
    checkWorkflowPlace(interaction, ctx, w.name);
    ctx.service.screen(w.name, values, interaction.user.id);
    const attachments = await readAttachments(interaction, w, ctx);
    const spoiler = interaction.options.getBoolean(SPOILER_OPTION) ?? false;
    await startJob(interaction, ctx, { workflow: w.name, values, attachments, reply, spoiler });
  },
};
