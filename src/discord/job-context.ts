// What a job's message shows that comes from its workflow's manifest: the
// per-image actions with their labels in the reader's language, whether Remix
// has a prompt to edit, and the name of the action a job came from.
import type { JobRow } from '../jobs/ledger.ts';
import type { Action } from '../workflows/manifest.ts';
import type { LoadedWorkflow } from '../workflows/registry.ts';
import type { MessageKey, Translator } from './i18n/index.ts';
import type { JobContext } from './job-view.ts';
import type { ImageAction } from './result-components.ts';

/** Actions whose label the catalogue has, in every language (a manifest's own label wins). */
const BUILT_IN: Record<string, { key: MessageKey; emoji: string }> = {
  upscale: { key: 'action.upscale', emoji: '🔍' },
  vary_subtle: { key: 'action.vary_subtle', emoji: '🌱' },
  vary_strong: { key: 'action.vary_strong', emoji: '🌪️' },
};

type Workflows = Pick<Map<string, LoadedWorkflow>, 'get' | 'values'>;

/** An action's label for the reader: the manifest's in their language, its own, the catalogue's, else its name. */
export function actionLabel(workflow: LoadedWorkflow | undefined, name: string, tr: Translator): string {
  const action: Action | undefined = workflow?.manifest.actions[name];
  const language = tr.locale.split('-')[0];
  const localizations = workflow?.manifest.localizations ?? {};
  const tag = Object.keys(localizations).find((t) => t === tr.locale) ?? Object.keys(localizations).find((t) => t.split('-')[0] === language);
  const own = tag ? localizations[tag]?.actions[name]?.label : undefined;
  if (own) return own;
  if (action?.label) return action.label;
  const builtIn = BUILT_IN[name];
  if (builtIn) return tr.t(builtIn.key);
  // The bot's own per-image button (a job made by "Use as input" names it so).
  if (name === 'use') return tr.t('button.use');
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The workflow "Use as input" runs: img2img, else the first that takes an image without requiring a mask. */
export function imageWorkflow(workflows: Workflows): LoadedWorkflow | undefined {
  const all = [...workflows.values()];
  const takesImage = (w: LoadedWorkflow) =>
    w.manifest.options.some((o) => o.type === 'image') && !w.manifest.options.some((o) => o.type === 'mask' && o.required);
  return workflows.get('img2img') ?? all.find(takesImage);
}

export function jobContext(job: JobRow, workflows: Workflows, tr: Translator): JobContext {
  const workflow = workflows.get(job.workflow);
  const actions: ImageAction[] = Object.entries(workflow?.manifest.actions ?? {}).map(([name, action]) => ({
    name,
    label: actionLabel(workflow, name, tr),
    ...((action.emoji ?? BUILT_IN[name]?.emoji) ? { emoji: action.emoji ?? BUILT_IN[name]!.emoji } : {}),
  }));
  if (imageWorkflow(workflows)) actions.push({ name: 'use', label: tr.t('button.use'), emoji: '🖼️' });
  const parent = job.parent;
  return {
    actions,
    edit: Boolean(workflow?.manifest.options.some((o) => o.name === 'prompt' && o.type === 'text')),
    ...(parent && parent.image !== null ? { parentAction: actionLabel(workflows.get(parent.workflow), parent.action, tr) } : {}),
  };
}
