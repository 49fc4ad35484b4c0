// /generate <workflow> …: one subcommand per workflow in workflows/, options from its manifest.
import type { ChatInputCommandInteraction } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { downloadAttachment } from '../src/discord/attachments.ts';
import { descriptionJson } from '../src/discord/i18n/localizations.ts';
import { checkWorkflowPlace, deferJobReply, startJob } from '../src/discord/start-job.ts';
import { MAX_SUBCOMMANDS, readValues, SPOILER_OPTION, subcommandJson } from '../src/discord/workflow-options.ts';
import type { BotContext } from '../src/discord/context.ts';
import type { Attachment } from '../src/jobs/service.ts';
import { UserError } from '../src/jobs/user-error.ts';
import type { LoadedWorkflow } from '../src/workflows/registry.ts';

function workflowOf(interaction: { options: { getSubcommand(): string } }, ctx: BotContext): LoadedWorkflow {
  const name = interaction.options.getSubcommand();
  const w = ctx.workflows.get(name);
  if (!w) throw new UserError('workflow.not_installed', { workflow: name });
  return w;
}

async function readAttachments(interaction: ChatInputCommandInteraction, w: LoadedWorkflow, ctx: BotContext) {
  const picked = w.manifest.options
    .filter((o) => o.type === 'image' || o.type === 'mask')
    .flatMap((o) => {
      const a = interaction.options.getAttachment(o.name);
      return a ? [{ option: o.name, a }] : [];
    });
  const files: Record<string, Attachment> = {};
  // Every attachment is checked before any is downloaded.
  await Promise.all(
    picked.map(async ({ option, a }) => {
      files[option] = { bytes: await downloadAttachment(option, a, ctx.attachments), filename: a.name };
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
    const reply = await deferJobReply(interaction);
    const w = workflowOf(interaction, ctx);
    const values = readValues(interaction, w);
    // Where it may run and what the text says are known now: refuse before downloading anything.
    checkWorkflowPlace(interaction, ctx, w.name);
    ctx.service.screen(w.name, values, interaction.user.id);
    const attachments = await readAttachments(interaction, w, ctx);
    const spoiler = interaction.options.getBoolean(SPOILER_OPTION) ?? false;
    await startJob(interaction, ctx, { workflow: w.name, values, attachments, reply, spoiler });
  },
};
