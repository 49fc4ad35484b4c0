// The manifest a server owner writes next to an exported workflow: which
// Discord options exist and which node inputs each one sets. The format is
// described for server owners in workflows/README.md.
import { z } from 'zod';
import { ASPECTS } from './aspect.ts';
import { splitNodeInput } from './edit.ts';
import { parseJsonText } from './load.ts';
import { describeIssue, describeValue, formatProblem, type Problem } from './problems.ts';

// Discord's rules for command and option names and descriptions, and for the
// bounds of integer and number options.
const DISCORD_NAME = /^[-_\p{L}\p{N}]{1,32}$/u;
const DISCORD_MAX_OPTIONS = 25;
const DISCORD_MAX_STRING = 6000;
const DISCORD_MAX_NUMBER = 2 ** 53;
/** The locales Discord has (its `Locale`); a manifest's localizations are keyed by one of these or by their language. */
const DISCORD_LOCALES = [
  'id', 'en-US', 'en-GB', 'bg', 'zh-CN', 'zh-TW', 'hr', 'cs', 'da', 'nl', 'fi', 'fr', 'de', 'el', 'hi', 'hu', 'it', 'ja', 'ko',
  'lt', 'no', 'pl', 'pt-BR', 'ro', 'ru', 'es-ES', 'es-419', 'sv-SE', 'th', 'tr', 'uk', 'vi',
];

const DiscordName = z.string().refine((s) => DISCORD_NAME.test(s) && s === s.toLowerCase(), {
  error: (iss) => `"name" must be 1–32 lowercase letters, digits, "-" or "_" with no spaces (Discord's rule; got ${describeValue(iss.input)})`,
});

const Description = z.string().min(1).max(100);
const DiscordNumber = z.number().min(-DISCORD_MAX_NUMBER).max(DISCORD_MAX_NUMBER);
const DiscordInteger = z.int();

export const Target = z.strictObject({
  /** Node id or exact title in the workflow. */
  node: z.string().min(1),
  input: z.string().min(1),
});
export type Target = z.infer<typeof Target>;

export const ChoiceSource = z.discriminatedUnion('from', [
  /** A model folder on the server: `checkpoints`, `loras`, `vae`, … */
  z.strictObject({ from: z.literal('models'), folder: z.string().min(1) }),
  /** The allowed values of a combo input of a node class, e.g. KSampler's sampler_name. */
  z.strictObject({ from: z.literal('node_input'), node: z.string().min(1), input: z.string().min(1) }),
  /** A fixed list. */
  z.strictObject({ from: z.literal('list'), values: z.array(z.string().min(1).max(100)).min(1) }),
]);
export type ChoiceSource = z.infer<typeof ChoiceSource>;

const common = {
  name: DiscordName,
  description: Description.optional(),
  required: z.boolean().default(false),
  targets: z.array(Target).min(1),
};

const TextOption = z.strictObject({
  ...common,
  type: z.literal('text'),
  default: z.string().optional(),
  minLength: z.int().min(0).max(DISCORD_MAX_STRING).optional(),
  maxLength: z.int().min(1).max(DISCORD_MAX_STRING).optional(),
});
const IntegerOption = z.strictObject({
  ...common,
  type: z.literal('integer'),
  default: DiscordInteger.optional(),
  min: DiscordInteger.optional(),
  max: DiscordInteger.optional(),
  multipleOf: z.int().min(1).optional(),
});
const NumberOption = z.strictObject({
  ...common,
  type: z.literal('number'),
  default: DiscordNumber.optional(),
  min: DiscordNumber.optional(),
  max: DiscordNumber.optional(),
});
const BooleanOption = z.strictObject({ ...common, type: z.literal('boolean'), default: z.boolean().optional() });
const ChoiceOption = z.strictObject({ ...common, type: z.literal('choice'), choices: ChoiceSource, default: z.string().optional() });
const ImageOption = z.strictObject({ ...common, type: z.literal('image') });
/** An attached video, uploaded and set on e.g. `LoadVideo.file`. */
const VideoOption = z.strictObject({ ...common, type: z.literal('video') });
/** An attached sound file, uploaded and set on e.g. `LoadAudio.audio`. */
const AudioOption = z.strictObject({ ...common, type: z.literal('audio') });
const MaskOption = z.strictObject({
  ...common,
  type: z.literal('mask'),
  /** The image option this mask belongs to: the mask is uploaded onto that image. */
  image: z.string().min(1),
});

/**
 * An aspect ratio (1:1, 16:9, …) that sets two integer options of the manifest,
 * width and height, to about the pixels of the base size in that shape. It sets
 * no node input itself: the width and height options do. A width or height the
 * user gives wins; the other side then follows the ratio.
 */
const AspectOption = z.strictObject({
  ...common,
  type: z.literal('aspect'),
  /** None: the width and height options set the inputs (checkAspect says so to a manifest that lists some). */
  targets: z.array(Target).default([]),
  /** The ratios offered, in this order; default all of them. */
  values: z.array(z.enum(ASPECTS)).min(1).optional(),
  default: z.enum(ASPECTS).optional(),
  /** Names of the integer options it sets. */
  width: z.string().min(1).default('width'),
  height: z.string().min(1).default('height'),
  /** The size whose pixel count every ratio keeps; default the width and height options' defaults, else the workflow's values. */
  base: z.strictObject({ width: z.int().min(8).max(DISCORD_MAX_NUMBER), height: z.int().min(8).max(DISCORD_MAX_NUMBER) }).optional(),
});

const OptionSchema = z
  .discriminatedUnion('type', [TextOption, IntegerOption, NumberOption, BooleanOption, ChoiceOption, ImageOption, MaskOption, VideoOption, AudioOption, AspectOption])
  .transform((o) => ({ ...o, description: o.description ?? describeName(o.name) }));

export const OPTION_TYPES = ['text', 'integer', 'number', 'boolean', 'choice', 'image', 'mask', 'video', 'audio', 'aspect'] as const;

/** Option types whose value is a file the user attaches, uploaded to the server that runs the job. */
export const UPLOAD_TYPES = ['image', 'mask', 'video', 'audio'] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

const LocaleTag = z.string().refine((tag) => DISCORD_LOCALES.some((l) => l === tag || l.split('-')[0] === tag), {
  error: `is not a Discord locale (use one of ${DISCORD_LOCALES.join(', ')})`,
});

/**
 * What Discord shows in other languages than the manifest's own (English)
 * `description`s: the workflow's description, each option's, and the labels of
 * fixed choices. Names are not translated (see README: command and option names).
 */
const Localization = z.strictObject({
  description: Description.optional(),
  options: z
    .record(
      z.string(),
      z.strictObject({
        description: Description.optional(),
        /** Label shown for a fixed choice, by its value (the value sent stays the same). */
        choices: z.record(z.string(), z.string().min(1).max(100)).optional(),
      }),
    )
    .default({}),
});
export type ManifestLocalization = z.output<typeof Localization>;

export const Manifest = z
  .strictObject({
    /** Workflow name as users pick it in Discord. */
    name: DiscordName,
    description: Description.optional(),
    /** The API-format workflow file, relative to the manifest; default `<name>.json`. */
    workflow: z.string().min(1).optional(),
    options: z.array(OptionSchema).max(DISCORD_MAX_OPTIONS).default([]),
    /** `<node>.<input>` inputs that get a random seed unless an option sets them; default: every seed/noise_seed input. */
    seeds: z.array(z.string().min(1)).optional(),
    /** Output nodes whose images are posted (ids or titles); empty means every node that outputs images. */
    outputs: z.array(z.string().min(1)).default([]),
    /** By Discord locale (`zh-CN`, …): descriptions and choice labels in that language. */
    localizations: z.record(LocaleTag, Localization).default({}),
    /** Runs only in channels Discord marks NSFW (age-restricted), and in their threads. */
    nsfw: z.boolean().default(false),
  })
  .superRefine((manifest, ctx) => checkManifest(manifest, ctx))
  .transform((m) => ({
    ...m,
    description: m.description ?? describeName(m.name),
    // Discord requires required options before optional ones.
    options: [...m.options].sort((a, b) => Number(b.required) - Number(a.required)),
  }));
export type Manifest = z.output<typeof Manifest>;
export type ManifestOption = Manifest['options'][number];
export type OptionType = ManifestOption['type'];
export type OptionOf<T extends OptionType> = Extract<ManifestOption, { type: T }>;
export type UploadOption = OptionOf<UploadType>;

export function isUploadOption(o: ManifestOption): o is UploadOption {
  return (UPLOAD_TYPES as readonly string[]).includes(o.type);
}

function describeName(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim() || name;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Options the bot adds to every workflow's subcommand itself (`spoiler`). */
export const RESERVED_OPTION_NAMES: readonly string[] = ['spoiler'];

type ParsedOption = z.output<typeof OptionSchema>;
type Ctx = z.RefinementCtx<{ options: ParsedOption[] }>;

function issue(ctx: Ctx, path: (string | number)[], message: string, fix: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { fix } });
}

/** The rules that span several fields or options. */
function checkManifest(
  manifest: { options: ParsedOption[]; seeds?: string[] | undefined; localizations: Record<string, ManifestLocalization> },
  ctx: Ctx,
): void {
  const seen = new Set<string>();
  manifest.options.forEach((option, i) => {
    const at = (field?: string): (string | number)[] => (field ? ['options', i, field] : ['options', i]);
    if (RESERVED_OPTION_NAMES.includes(option.name)) {
      issue(ctx, at('name'), `"name" "${option.name}" is taken: the bot adds an option of that name to every workflow`, 'Give the option another name');
    }
    if (seen.has(option.name)) {
      issue(ctx, at('name'), `"name" "${option.name}" is used by another option`, 'Give every option a different name');
    }
    seen.add(option.name);
    const hasDefault = 'default' in option && option.default !== undefined;
    if (option.required && hasDefault) {
      issue(ctx, at('default'), '"default" is set on a required option, where it would never be used', 'Remove "default", or set "required": false');
    }
    if (option.type === 'integer' || option.type === 'number') {
      const { min, max } = option;
      if (min !== undefined && max !== undefined && min > max) {
        issue(ctx, at('min'), `"min" (${min}) is greater than "max" (${max})`, 'Swap or correct min and max');
      }
      if (option.default !== undefined) {
        if ((min !== undefined && option.default < min) || (max !== undefined && option.default > max)) {
          issue(ctx, at('default'), `"default" ${option.default} is outside min–max (${min ?? '…'}–${max ?? '…'})`, 'Pick a default between min and max');
        }
      }
    }
    if (option.type === 'integer' && option.multipleOf !== undefined && option.default !== undefined && option.default % option.multipleOf !== 0) {
      issue(ctx, at('default'), `"default" ${option.default} is not a multiple of ${option.multipleOf} ("multipleOf")`, `Use a multiple of ${option.multipleOf}`);
    }
    if (option.type === 'text') {
      const { minLength, maxLength } = option;
      if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
        issue(ctx, at('minLength'), `"minLength" (${minLength}) is greater than "maxLength" (${maxLength})`, 'Correct minLength or maxLength');
      }
      if (option.default !== undefined && maxLength !== undefined && option.default.length > maxLength) {
        issue(ctx, at('default'), `"default" is ${option.default.length} characters, more than "maxLength" (${maxLength})`, 'Shorten the default or raise maxLength');
      }
    }
    if (option.type === 'choice' && option.choices.from === 'list' && option.default !== undefined && !option.choices.values.includes(option.default)) {
      issue(ctx, at('default'), `"default" "${option.default}" is not one of the listed values`, `Use one of ${option.choices.values.map((v) => `"${v}"`).join(', ')}`);
    }
    if (option.type === 'aspect') checkAspect(option, manifest.options, at, ctx);
    if (option.type === 'mask') {
      const image = manifest.options.find((o) => o.name === option.image);
      if (!image || image.type !== 'image') {
        const images = manifest.options.filter((o) => o.type === 'image').map((o) => `"${o.name}"`);
        issue(
          ctx,
          at('image'),
          `"image" names "${option.image}", which is not an image option of this manifest`,
          images.length > 0 ? `Use ${images.join(' or ')}` : 'Add an option of type "image" for the mask to belong to',
        );
      }
    }
  });
  for (const [locale, l10n] of Object.entries(manifest.localizations)) {
    for (const [name, option] of Object.entries(l10n.options)) {
      const at = ['localizations', locale, 'options', name];
      const target = manifest.options.find((o) => o.name === name);
      if (!target) {
        const names = manifest.options.map((o) => `"${o.name}"`).join(', ') || 'none';
        issue(ctx, at, `localizations "${locale}" names the option "${name}", which this manifest does not have`, `Use one of the option names: ${names}`);
        continue;
      }
      const listed = target.type === 'choice' && target.choices.from === 'list' ? target.choices.values : undefined;
      for (const value of Object.keys(option.choices ?? {})) {
        if (!listed?.includes(value)) {
          issue(
            ctx,
            [...at, 'choices', value],
            `localizations "${locale}" gives a label for "${value}", which is not a listed choice of option "${name}"`,
            listed ? `Use one of ${listed.map((v) => `"${v}"`).join(', ')}` : 'Only options with "choices": {"from": "list"} have fixed choices to label',
          );
        }
      }
    }
  }
  manifest.seeds?.forEach((seed, i) => {
    if (!splitNodeInput(seed)) {
      issue(ctx, ['seeds', i], `"seeds" entry "${seed}" is not <node>.<input>`, 'Write seeds as "<node id or title>.<input>", e.g. "KSampler.seed"');
    }
  });
}

/** An aspect option names two different integer options of this manifest, and offers its default. */
function checkAspect(option: Extract<ParsedOption, { type: 'aspect' }>, options: ParsedOption[], at: (field?: string) => (string | number)[], ctx: Ctx): void {
  if (option.targets.length > 0) {
    issue(
      ctx,
      at('targets'),
      'an "aspect" option sets no inputs itself: it sets its "width" and "height" options, whose targets are the inputs',
      'Remove "targets" from the aspect option; name the width and height options in "width" and "height"',
    );
  }
  const integers = options.filter((o) => o.type === 'integer').map((o) => `"${o.name}"`);
  for (const side of ['width', 'height'] as const) {
    const named = options.find((o) => o.name === option[side]);
    if (!named || named.type !== 'integer') {
      issue(
        ctx,
        at(side),
        `"${side}" names "${option[side]}", which is not an integer option of this manifest`,
        integers.length > 0 ? `Use ${integers.join(' or ')}, or add an integer option for the ${side}` : `Add an integer option for the ${side} (see workflows/README.md)`,
      );
    }
  }
  if (option.width === option.height) {
    issue(ctx, at('height'), `"width" and "height" both name "${option.width}"`, 'Name two different options: one for the width, one for the height');
  }
  if (option.values && new Set(option.values).size !== option.values.length) {
    issue(ctx, at('values'), '"values" lists a ratio twice', 'List each ratio once');
  }
  if (option.default !== undefined && option.values && !option.values.includes(option.default)) {
    issue(ctx, at('default'), `"default" "${option.default}" is not one of "values"`, `Use one of ${option.values.map((v) => `"${v}"`).join(', ')}`);
  }
}

/** Fixes for the mistakes zod finds on its own, by the field they concern. */
const FIELD_FIXES: Record<string, string> = {
  name: 'Use 1–32 lowercase letters, digits, "-" or "_"',
  description: 'Write a description of 1–100 characters',
  type: `Use one of ${OPTION_TYPES.join(', ')}`,
  targets: 'List the inputs this option sets, e.g. "targets": [{"node": "KSampler", "input": "steps"}]',
  node: 'Use a node id or the exact node title from the workflow',
  input: 'Use the input name as it appears in the workflow, e.g. "steps"',
  choices: 'Use {"from": "models", "folder": "checkpoints"}, {"from": "node_input", "node": "KSampler", "input": "sampler_name"} or {"from": "list", "values": [...]}',
  from: 'Use "models", "node_input" or "list"',
  base: 'Write "base" as {"width": 1024, "height": 1024}',
  options: `Keep at most ${DISCORD_MAX_OPTIONS} options (Discord's limit)`,
  min: 'Use a number within ±2^53 (Discord\'s limit)',
  max: 'Use a number within ±2^53 (Discord\'s limit)',
  maxLength: `Use a length between 1 and ${DISCORD_MAX_STRING} (Discord's limit)`,
  minLength: `Use a length between 0 and ${DISCORD_MAX_STRING} (Discord's limit)`,
  localizations: 'Key "localizations" by Discord locale, e.g. {"zh-CN": {"description": "…", "options": {"prompt": {"description": "…"}}}}',
};

/** A manifest that cannot be used; `problems` holds every mistake found, each naming the option. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** Parses and checks a manifest's text; throws ManifestError (or WorkflowFileError for bad JSON). */
export function parseManifest(text: string, file: string): Manifest {
  const data = parseJsonText(text, file, 'Fix the JSON (see workflows/README.md for a complete example)');
  const result = Manifest.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ManifestError(file, result.error.issues.map((i) => issueToProblem(i, data, file)));
}

function issueToProblem(issue: z.core.$ZodIssue, data: unknown, file: string): Problem {
  let path = issue.path;
  let option: string | undefined;
  if (path[0] === 'options' && typeof path[1] === 'number') {
    const raw = (data as { options?: unknown[] }).options?.[path[1]] as { name?: unknown } | undefined;
    option = typeof raw?.name === 'string' ? raw.name : `#${path[1] + 1}`;
    path = path.slice(2);
  }
  const message = describeIssue({ ...issue, path });
  const custom = issue.code === 'custom' ? (issue.params?.['fix'] as string | undefined) : undefined;
  // A bad record key concerns the record it is in (e.g. "localizations"), not the key itself.
  const named = issue.code === 'invalid_key' ? path.slice(0, -1) : path;
  const field = [...named].reverse().find((p): p is string => typeof p === 'string');
  const fix =
    custom ?? quotedValueFix(issue, field) ?? (field !== undefined ? FIELD_FIXES[field] : undefined) ?? 'Correct it (see workflows/README.md for the format)';
  return option === undefined ? { file, message, fix } : { file, option, message, fix };
}

/** A number or true/false written in quotes ("min": "1") is the usual slip; say exactly that. */
function quotedValueFix(issue: z.core.$ZodIssue, field: string | undefined): string | undefined {
  if (issue.code !== 'invalid_type' || typeof issue.input !== 'string' || field === undefined) return undefined;
  const kind = issue.expected === 'boolean' ? 'true or false' : issue.expected === 'number' || issue.expected === 'int' ? 'a number' : undefined;
  return kind ? `Write "${field}" as ${kind} without quotes, e.g. "${field}": ${issue.expected === 'boolean' ? 'true' : issue.input.trim() || '1'}` : undefined;
}
