// The buttons, menus and modals on job messages: Cancel, Re-roll, Retry, Use as
// input n, the manifest's per-image actions (Upscale n, Vary n, …), Edit (Remix)
// and 🗑️ Delete. Each is answered from its custom id and the ledger alone, so it
// keeps working after a restart and on old messages; the dispatcher (bot.ts) has
// checked access before any of this runs.
import {
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { Delivery, JobRow, Parent } from '../jobs/ledger.ts';
import { UserError } from '../jobs/user-error.ts';
import { withUserDefaults } from '../jobs/user-settings.ts';
import { actionValues } from '../workflows/actions.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import type { BotContext } from './context.ts';
import { decodeCustomId, encodeCustomId, type CustomId } from './custom-ids.ts';
import type { Translator } from './i18n/index.ts';
import { imageWorkflow } from './job-context.ts';
import { DISCORD_LIMITS, clip } from './limits.ts';
import { translatorFor } from './locale.ts';
import { canCancel, isServerManager } from './permissions.ts';
import { startJob } from './start-job.ts';

type Pressed = ButtonInteraction | StringSelectMenuInteraction;

/** Discord's limit on a text input's value. */
const TEXT_INPUT_MAX = 4000;

/** A button on a job's message; `id` is its decoded custom id (undefined: not one the bot wrote). */
export async function handleButton(interaction: Pressed, id: CustomId | undefined, ctx: BotContext): Promise<void> {
  const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
  const job = id && ctx.service.ledger.get(id.job);
  if (!id || !job) return unknownJob(interaction, tr);
  switch (id.action) {
    case 'cancel': {
      if (!canCancel(job.userId, interaction.user.id, interaction.memberPermissions)) {
        await interaction.reply({ content: `⚠️ ${tr.t('button.cancel_not_yours')}`, flags: MessageFlags.Ephemeral });
        return;
      }
      // The job's message itself changes to "Cancelled by …" when ComfyUI confirms.
      await interaction.deferUpdate();
      const outcome = await ctx.service.cancel(job.id, interaction.user.id);
      if (outcome !== 'cancelled') {
        await interaction.followUp({ content: tr.t('button.already_finished'), flags: MessageFlags.Ephemeral });
      }
      return;
    }
    case 'reroll':
    case 'retry':
      await startJob(interaction, ctx, { workflow: job.workflow, values: {}, spoiler: job.delivery.spoiler ?? false }, (delivery, who) =>
        ctx.service.retry(job.id, interaction.user.id, delivery, ctx.shard, id.action === 'reroll', { priority: who.priority }),
      );
      return;
    case 'use': {
      const target = imageWorkflow(ctx.workflows);
      if (!target) {
        await interaction.reply({ content: `⚠️ ${tr.t('use.no_workflow')}`, flags: MessageFlags.Ephemeral });
        return;
      }
      const modal = new ModalBuilder()
        .setCustomId(encodeCustomId({ action: 'usemodal', job: job.id, image: id.image }))
        .setTitle(modalTitle(tr, 'use.title', target.name))
        .addLabelComponents(textField(tr.t('use.prompt'), 'prompt', promptOf(job), true));
      await interaction.showModal(modal);
      return;
    }
    case 'act':
      return runAction(interaction, job, id, ctx);
    case 'pick': {
      // A menu option's value is the custom id of the button it stands for, on the same job.
      const chosen = interaction.isStringSelectMenu() ? decodeCustomId(interaction.values[0] ?? '') : undefined;
      if (!chosen || chosen.job !== job.id || (chosen.action !== 'act' && chosen.action !== 'use')) return unknownJob(interaction, tr);
      return handleButton(interaction, chosen, ctx);
    }
    case 'edit': {
      const workflow = ctx.workflows.get(job.workflow);
      const hasText = (name: string) => workflow?.manifest.options.some((o) => o.name === name && o.type === 'text') ?? false;
      if (!workflow) throw new UserError('workflow.not_installed', { workflow: job.workflow });
      if (!hasText('prompt')) {
        await interaction.reply({ content: `⚠️ ${tr.t('remix.no_prompt')}`, flags: MessageFlags.Ephemeral });
        return;
      }
      const modal = new ModalBuilder()
        .setCustomId(encodeCustomId({ action: 'editmodal', job: job.id }))
        .setTitle(modalTitle(tr, 'remix.title', workflow.name))
        .addLabelComponents(textField(tr.t('remix.prompt'), 'prompt', promptOf(job), true));
      if (hasText('negative')) {
        const negative = typeof job.params['negative'] === 'string' ? job.params['negative'] : '';
        modal.addLabelComponents(textField(tr.t('remix.negative'), 'negative', negative, false));
      }
      await interaction.showModal(modal);
      return;
    }
    case 'del':
      return deleteResult(interaction, job, ctx, tr);
    case 'usemodal':
    case 'editmodal':
      // A modal's id, never a button's.
      return unknownJob(interaction, tr);
    default:
      return unhandled(id);
  }
}

/** A modal's submit; `id` is its decoded custom id. */
export async function handleModal(interaction: ModalSubmitInteraction, id: CustomId | undefined, ctx: BotContext): Promise<void> {
  switch (id?.action) {
    case 'usemodal':
      return handleUseModal(interaction, id, ctx);
    case 'editmodal':
      return handleRemix(interaction, id, ctx);
    default:
      return unknownJob(interaction, translatorFor(interaction, ctx.config.DEFAULT_LOCALE));
  }
}

async function unknownJob(interaction: Pressed | ModalSubmitInteraction, tr: Translator): Promise<void> {
  await interaction.reply({ content: `⚠️ ${tr.t('button.job_unknown')}`, flags: MessageFlags.Ephemeral });
}

/** Every action has a case above: adding one to custom-ids.ts without handling it does not compile. */
function unhandled(id: never): never {
  throw new Error(`no handler for the custom id ${JSON.stringify(id)}`);
}

function promptOf(job: JobRow): string {
  return typeof job.params['prompt'] === 'string' ? job.params['prompt'] : '';
}

function textField(label: string, id: string, value: string, required: boolean): LabelBuilder {
  const input = new TextInputBuilder().setCustomId(id).setStyle(TextInputStyle.Paragraph).setRequired(required).setMaxLength(TEXT_INPUT_MAX);
  // Discord refuses an empty value; a longer one is cut to what a text input holds.
  if (value) input.setValue(value.slice(0, TEXT_INPUT_MAX));
  return new LabelBuilder().setLabel(label).setTextInputComponent(input);
}

/**
 * A manifest action on image n of a job: the action's target workflow with the
 * job's values where it has options of the same name, a new seed, `set` on top,
 * and the image fetched again from ComfyUI's output folder.
 */
async function runAction(interaction: Pressed, job: JobRow, id: Extract<CustomId, { action: 'act' }>, ctx: BotContext): Promise<void> {
  const source = ctx.workflows.get(job.workflow);
  const action = source?.manifest.actions[id.name];
  if (!action) throw new UserError('job.action_unknown', { action: id.name, workflow: job.workflow });
  const target = ctx.workflows.get(action.workflow);
  if (!target) throw new UserError('workflow.not_installed', { workflow: action.workflow });
  const parent: Parent = { job: job.id, workflow: job.workflow, action: id.name, image: id.image };
  await startJob(interaction, ctx, { workflow: target.name, values: {}, spoiler: job.delivery.spoiler ?? false }, (delivery, who) =>
    submitFromOutput(interaction, ctx, { job, index: id.image, target, imageOption: action.image, given: actionValues(target, action, job.params), parent }, delivery, who),
  );
}

/**
 * A new job of the one who pressed, on output `index` of `job`: their saved defaults
 * fill what `given` leaves empty; its prompt is screened before the image is fetched
 * again from ComfyUI's output folder.
 */
async function submitFromOutput(
  interaction: Pressed | ModalSubmitInteraction,
  ctx: BotContext,
  from: { job: JobRow; index: number; target: LoadedWorkflow; imageOption: string; given: Record<string, unknown>; parent: Parent },
  delivery: Delivery,
  who: { priority: boolean },
): Promise<JobRow> {
  const { values } = withUserDefaults(ctx.settings.get(interaction.user.id), from.target, from.given);
  ctx.service.screen(from.target.name, values, interaction.user.id);
  const image = await ctx.service.outputAsInput(from.job, from.index);
  return ctx.service.submit({
    userId: interaction.user.id,
    workflow: from.target.name,
    values,
    attachments: { [from.imageOption]: image },
    delivery,
    shard: ctx.shard,
    exempt: isServerManager(interaction.memberPermissions),
    parent: from.parent,
    priority: who.priority,
  });
}

/** "Use as input": the chosen output image becomes the image of an image workflow (img2img by default). */
async function handleUseModal(interaction: ModalSubmitInteraction, id: Extract<CustomId, { action: 'usemodal' }>, ctx: BotContext): Promise<void> {
  const job = ctx.service.ledger.get(id.job);
  const target = imageWorkflow(ctx.workflows);
  await startJob(interaction, ctx, { workflow: target?.name ?? '', values: {}, spoiler: job?.delivery.spoiler ?? false }, async (delivery, who) => {
    const imageOption = target?.manifest.options.find((o) => o.type === 'image');
    if (!job || !target || !imageOption) throw new UserError('job.image_gone');
    const prompt = interaction.fields.getTextInputValue('prompt');
    const given: Record<string, unknown> = {};
    if (target.manifest.options.some((o) => o.name === 'prompt')) given['prompt'] = prompt;
    const parent: Parent = { job: job.id, workflow: job.workflow, action: 'use', image: id.image };
    return submitFromOutput(interaction, ctx, { job, index: id.image, target, imageOption: imageOption.name, given, parent }, delivery, who);
  });
}

/** Remix: the same workflow and values with the prompt (and negative) from the modal, and always a new seed. */
async function handleRemix(interaction: ModalSubmitInteraction, id: Extract<CustomId, { action: 'editmodal' }>, ctx: BotContext): Promise<void> {
  const job = ctx.service.ledger.get(id.job);
  if (!job) return unknownJob(interaction, translatorFor(interaction, ctx.config.DEFAULT_LOCALE));
  const values: Record<string, unknown> = { prompt: interaction.fields.getTextInputValue('prompt') };
  const negative = interaction.fields.fields.has('negative') ? interaction.fields.getTextInputValue('negative') : undefined;
  if (negative !== undefined) values['negative'] = negative;
  await startJob(interaction, ctx, { workflow: job.workflow, values, spoiler: job.delivery.spoiler ?? false }, (delivery, who) =>
    ctx.service.retry(job.id, interaction.user.id, delivery, ctx.shard, true, {
      values,
      parent: { job: job.id, workflow: job.workflow, action: 'remix', image: null },
      priority: who.priority,
    }),
  );
}

/**
 * 🗑️ Delete: the requester or a member with Manage Messages removes every message
 * of the job's result (the one pressed on too, e.g. a /show re-post); the job stays
 * in the ledger and /history. Anyone else is told so, and nothing is deleted.
 */
async function deleteResult(interaction: Pressed, job: JobRow, ctx: BotContext, tr: Translator): Promise<void> {
  if (!canCancel(job.userId, interaction.user.id, interaction.memberPermissions)) {
    await interaction.reply({ content: `⚠️ ${tr.t('delete.not_yours')}`, flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const pressedOn = interaction.message.flags.has(MessageFlags.Ephemeral) ? undefined : { channelId: interaction.message.channelId, messageId: interaction.message.id };
  const outcome = await ctx.messenger.deleteResult(job, pressedOn);
  await interaction.editReply({ content: `🗑️ ${tr.t(outcome === 'all' ? 'delete.done' : 'delete.some_left', { job: job.id })}` });
}

/** "<frame> <workflow>" in the reader's language, the workflow's name shortened to fit Discord's 45 characters. */
function modalTitle(tr: Translator, key: 'use.title' | 'remix.title', name: string): string {
  const frame = Array.from(tr.t(key, { workflow: '' })).length;
  return tr.t(key, { workflow: clip(name, DISCORD_LIMITS.modalTitle - frame) });
}
