// The buttons on job messages: Cancel, Re-roll, Retry, Use as input. Each is
// rebuilt from the ledger, so buttons keep working after a restart.
import {
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { BotContext } from './context.ts';
import { encodeCustomId, type CustomId } from './custom-ids.ts';
import { DISCORD_LIMITS, clip } from './limits.ts';
import type { Translator } from './i18n/index.ts';
import { translatorFor } from './locale.ts';
import { canCancel } from './permissions.ts';
import { startJob } from './start-job.ts';
import { UserError } from '../jobs/user-error.ts';
import { withUserDefaults } from '../jobs/user-settings.ts';

/** A button on a job's message; `id` is its decoded custom id (undefined: not one the bot wrote). */
export async function handleButton(interaction: ButtonInteraction, id: CustomId | undefined, ctx: BotContext): Promise<void> {
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
        ctx.service.retry(job.id, interaction.user.id, delivery, ctx.shard, id.action === 'reroll', who.priority),
      );
      return;
    case 'use': {
      const target = imageWorkflow(ctx);
      if (!target) {
        await interaction.reply({ content: `⚠️ ${tr.t('use.no_workflow')}`, flags: MessageFlags.Ephemeral });
        return;
      }
      const prompt = typeof job.params['prompt'] === 'string' ? job.params['prompt'] : '';
      const modal = new ModalBuilder()
        .setCustomId(encodeCustomId({ action: 'usemodal', job: job.id, image: id.image }))
        .setTitle(modalTitle(tr, target.name))
        .addLabelComponents(
          new LabelBuilder()
            .setLabel(tr.t('use.prompt'))
            .setTextInputComponent(new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph).setValue(prompt.slice(0, 4000)).setRequired(true)),
        );
      await interaction.showModal(modal);
      return;
    }
    case 'usemodal':
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
    default:
      return unknownJob(interaction, translatorFor(interaction, ctx.config.DEFAULT_LOCALE));
  }
}

async function unknownJob(interaction: ButtonInteraction | ModalSubmitInteraction, tr: Translator): Promise<void> {
  await interaction.reply({ content: `⚠️ ${tr.t('button.job_unknown')}`, flags: MessageFlags.Ephemeral });
}

/** Every action has a case above: adding one to custom-ids.ts without handling it does not compile. */
function unhandled(id: never): never {
  throw new Error(`no handler for the custom id ${JSON.stringify(id)}`);
}

/** "Use as input": the chosen output image becomes the image of an image workflow (img2img by default). */
async function handleUseModal(interaction: ModalSubmitInteraction, id: Extract<CustomId, { action: 'usemodal' }>, ctx: BotContext): Promise<void> {
  const job = ctx.service.ledger.get(id.job);
  const target = imageWorkflow(ctx);
  await startJob(interaction, ctx, { workflow: target?.name ?? '', values: {}, spoiler: job?.delivery.spoiler ?? false }, async (delivery, who) => {
    const result = job?.result;
    const output = result?.kind === 'success' ? result.outputs[id.image] : undefined;
    // Only a still can be an input image (the button is only on results that show one).
    const image = output && output.kind === 'image' ? output : undefined;
    const backend = result?.kind === 'success' ? ctx.pool.byUrl(result.server) : undefined;
    if (!job || !target || !image || !backend) throw new UserError('job.image_gone');
    const prompt = interaction.fields.getTextInputValue('prompt');
    const given: Record<string, unknown> = {};
    if (target.manifest.options.some((o) => o.name === 'prompt')) given['prompt'] = prompt;
    // A new job of the one who pressed: their saved defaults fill the rest, as in /generate.
    const { values } = withUserDefaults(ctx.settings.get(interaction.user.id), target, given);
    // The new prompt is screened before the image is fetched.
    ctx.service.screen(target.name, values, interaction.user.id);
    const file = await backend.client.http.view(image);
    const imageOption = target.manifest.options.find((o) => o.type === 'image');
    return ctx.service.submit({
      userId: interaction.user.id,
      workflow: target.name,
      values,
      attachments: { [imageOption!.name]: { bytes: file.bytes, filename: image.filename } },
      delivery,
      shard: ctx.shard,
      priority: who.priority,
    });
  });
}

/** A modal title holds 45 characters; a long workflow name is shortened, the rest kept. */
/** "<workflow> from this image" in the reader's language, the workflow's name shortened to fit Discord's 45 characters. */
function modalTitle(tr: Translator, name: string): string {
  const frame = Array.from(tr.t('use.title', { workflow: '' })).length;
  return tr.t('use.title', { workflow: clip(name, DISCORD_LIMITS.modalTitle - frame) });
}

function imageWorkflow(ctx: BotContext) {
  const all = [...ctx.workflows.values()];
  const takesImage = (w: (typeof all)[number]) =>
    w.manifest.options.some((o) => o.type === 'image') && !w.manifest.options.some((o) => o.type === 'mask' && o.required);
  return ctx.workflows.get('img2img') ?? all.find(takesImage);
}
