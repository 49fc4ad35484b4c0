// Every ComfyUI operation as a CLI command. Each reads its arguments, makes
// the call, and prints either for people or (--json) the parsed answer.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isStillImage, kindOf, type ImageType } from '../comfy/index.ts';
import { setting } from '../config.ts';
import { loadWorkflowFile } from '../workflows/load.ts';
import { parseSetArgument, randomiseSeeds, setInput } from '../workflows/edit.ts';
import { formatProblem } from '../workflows/problems.ts';
import { loadWorkflows } from '../workflows/registry.ts';
import { validateAgainstObjectInfo } from '../workflows/validate.ts';
import { intOption, parseCommandArgs, UsageError } from './args.ts';
import type { CliContext } from './context.ts';
import * as render from './render.ts';
import { followJob, watchServer, type FollowedJob } from './watch.ts';

export interface CliCommand {
  usage: string;
  summary: string;
  run(ctx: CliContext, argv: string[]): Promise<number | void>;
}

const IMAGE_TYPES = ['input', 'output', 'temp'] as const;

function imageType(value: string | undefined, fallback: ImageType): ImageType {
  if (value === undefined) return fallback;
  if ((IMAGE_TYPES as readonly string[]).includes(value)) return value as ImageType;
  throw new UsageError(`--type must be one of ${IMAGE_TYPES.join(', ')} (got "${value}")`);
}

function print(ctx: CliContext, data: unknown, human: () => string): void {
  ctx.out(ctx.json ? JSON.stringify(data, null, 2) : human());
}

export const commands: Record<string, CliCommand> = {
  status: {
    usage: 'status',
    summary: 'server version, devices and VRAM, queue count',
    async run(ctx) {
      const [stats, count] = await Promise.all([ctx.http.systemStats(), ctx.http.queueCount()]);
      print(ctx, { system_stats: stats, queue_remaining: count }, () => render.status(ctx.http.baseUrl, stats, count));
    },
  },

  queue: {
    usage: 'queue',
    summary: 'running and pending prompts, in the order they will run',
    async run(ctx) {
      const q = await ctx.http.queue();
      print(
        ctx,
        { running: q.running.map(render.queueEntryJson), pending: q.pending.map(render.queueEntryJson) },
        () => render.queue(q),
      );
    },
  },

  submit: {
    usage:
      'submit <workflow.json> [--set <node>.<input>=<value> …] [--random-seed] [--front] [--number N] [--prompt-id ID] [--watch]',
    summary: 'queue an API-format workflow, with inputs changed',
    async run(ctx, argv) {
      const { values, positionals } = parseCommandArgs(argv, {
        set: { type: 'string', multiple: true },
        'random-seed': { type: 'boolean' },
        front: { type: 'boolean' },
        number: { type: 'string' },
        'prompt-id': { type: 'string' },
        watch: { type: 'boolean' },
      });
      const file = positionals[0];
      if (!file) throw new UsageError('submit needs a workflow file: comfy submit <workflow.json>');
      let workflow = await loadWorkflowFile(file);
      for (const arg of values.set ?? []) {
        const { node, input, value } = parseSetArgument(arg);
        workflow = setInput(workflow, node, input, value);
      }
      let seeds: Record<string, number> = {};
      if (values['random-seed']) ({ workflow, seeds } = randomiseSeeds(workflow));
      const options = {
        front: values.front ?? false,
        number: intOption(values.number, 'number'),
        promptId: values['prompt-id'],
      };
      if (!values.watch) {
        const answer = await ctx.http.submit({
          prompt: workflow,
          ...(options.promptId ? { prompt_id: options.promptId } : {}),
          ...(options.number !== undefined ? { number: options.number } : {}),
          ...(options.front ? { front: true } : {}),
        });
        print(ctx, { ...answer, seeds }, () => render.submitted(answer, seeds));
        return;
      }
      const client = ctx.newClient();
      try {
        await client.connect();
        let followed: FollowedJob | undefined;
        const job = await client.submit(workflow, { ...options, onJob: (j) => (followed = followJob(ctx, client, j)) });
        followed?.begin(ctx.json ? undefined : render.submitted({ prompt_id: job.promptId, number: job.number ?? 0, node_errors: {} }, seeds));
        const result = await job.done;
        await followed?.flushed();
        if (ctx.json) ctx.out(JSON.stringify({ event: 'done', ...result, seeds }));
        return result.status === 'success' ? 0 : 1;
      } finally {
        client.close();
      }
    },
  },

  history: {
    usage: 'history [prompt_id] [--max N] [--offset N] [--delete] [--clear]',
    summary: 'finished prompts, one prompt with its outputs, or delete/clear history',
    async run(ctx, argv) {
      const { values, positionals } = parseCommandArgs(argv, {
        max: { type: 'string' },
        offset: { type: 'string' },
        delete: { type: 'boolean' },
        clear: { type: 'boolean' },
      });
      const id = positionals[0];
      if (values.clear) {
        await ctx.http.clearHistory();
        print(ctx, { cleared: true }, () => 'History cleared.');
        return;
      }
      if (values.delete) {
        if (!id) throw new UsageError('history --delete needs a prompt id');
        await ctx.http.deleteHistory([id]);
        print(ctx, { deleted: id }, () => `Deleted ${id} from history.`);
        return;
      }
      if (id) {
        const entry = await ctx.http.historyOf(id);
        if (!entry) {
          ctx.err(`No prompt ${id} in ComfyUI's history (it may still be queued, or the server restarted).`);
          return 1;
        }
        print(ctx, { [id]: entry }, () => render.historyEntry(ctx.http, id, entry));
        return;
      }
      const all = await ctx.http.history({
        maxItems: intOption(values.max, 'max'),
        offset: intOption(values.offset, 'offset'),
      });
      print(ctx, all, () => render.historyList(all));
    },
  },

  models: {
    usage: 'models [folder]',
    summary: 'model folders, or the models in one (checkpoints, loras, vae, …)',
    async run(ctx, argv) {
      const { positionals } = parseCommandArgs(argv, {});
      const folder = positionals[0];
      if (!folder) {
        const folders = await ctx.http.modelFolders();
        print(ctx, folders, () => render.list(`${folders.length} model folders`, folders));
        return;
      }
      const models = await ctx.http.models(folder).catch((err: Error) => {
        if ((err as { code?: string }).code === 'not_found') {
          throw new UsageError(`ComfyUI has no model folder "${folder}"; run "comfy models" to list them`);
        }
        throw err;
      });
      print(ctx, models, () => render.list(`${models.length} in ${folder}`, models));
    },
  },

  embeddings: {
    usage: 'embeddings',
    summary: 'textual inversion embeddings',
    async run(ctx) {
      const names = await ctx.http.embeddings();
      print(ctx, names, () => render.list(`${names.length} embeddings`, names));
    },
  },

  nodes: {
    usage: 'nodes [class]',
    summary: "one node class's inputs (types, defaults, ranges), or a summary by category",
    async run(ctx, argv) {
      const { positionals } = parseCommandArgs(argv, {});
      const cls = positionals[0];
      if (cls) {
        const info = await ctx.http.nodeInfo(cls);
        if (!info) throw new UsageError(`ComfyUI has no node class "${cls}"; run "comfy nodes" to list them`);
        print(ctx, { [cls]: info }, () => render.nodeInfo(cls, info));
        return;
      }
      const all = await ctx.http.objectInfo();
      print(ctx, all, () => render.nodeSummary(all));
    },
  },

  upload: {
    usage: 'upload <file> [--mask --for <image>] [--subfolder S] [--type input|temp|output] [--overwrite]',
    summary: 'upload an image, video or sound file (or a mask for an uploaded image)',
    async run(ctx, argv) {
      const { values, positionals } = parseCommandArgs(argv, {
        mask: { type: 'boolean' },
        for: { type: 'string' },
        subfolder: { type: 'string' },
        type: { type: 'string' },
        overwrite: { type: 'boolean' },
      });
      const file = positionals[0];
      if (!file) throw new UsageError('upload needs a file: comfy upload <image.png|clip.mp4|voice.flac>');
      if (values.mask && kindOf(file) !== 'image') throw new UsageError(`a mask is an image; ${basename(file)} is not one`);
      const bytes = await readFile(file);
      const options = { subfolder: values.subfolder, type: imageType(values.type, 'input'), overwrite: values.overwrite };
      let answer;
      if (values.mask) {
        if (!values.for) throw new UsageError('upload --mask needs --for <image>: the uploaded image the mask belongs to');
        const slash = values.for.lastIndexOf('/');
        const original = {
          filename: slash >= 0 ? values.for.slice(slash + 1) : values.for,
          subfolder: slash >= 0 ? values.for.slice(0, slash) : '',
          type: 'input' as const,
        };
        answer = await ctx.http.uploadMask(bytes, basename(file), original, options);
      } else {
        answer = await ctx.http.uploadImage(bytes, basename(file), options);
      }
      print(ctx, answer, () => render.uploaded(answer, values.mask ? 'image' : kindOf(file)));
    },
  },

  cancel: {
    usage: 'cancel <prompt_id>',
    summary: 'remove a pending prompt, or interrupt it if it is running',
    async run(ctx, argv) {
      const { positionals } = parseCommandArgs(argv, {});
      const id = positionals[0];
      if (!id) throw new UsageError('cancel needs a prompt id: comfy cancel <prompt_id>');
      const outcome = await ctx.http.cancel(id);
      if (outcome === 'not-queued') {
        ctx.err(`${id} is neither queued nor running (it may have finished: comfy history ${id}).`);
        return 1;
      }
      print(ctx, { prompt_id: id, action: outcome }, () =>
        outcome === 'deleted' ? `Removed ${id} from the queue.` : `Interrupted ${id}.`,
      );
    },
  },

  clear: {
    usage: 'clear',
    summary: 'remove every pending prompt (the running one goes on)',
    async run(ctx) {
      const q = await ctx.http.queue();
      await ctx.http.clearQueue();
      print(ctx, { cleared: q.pending.length }, () => `Cleared ${q.pending.length} pending prompt(s).`);
    },
  },

  interrupt: {
    usage: 'interrupt [prompt_id]',
    summary: 'stop the running prompt (only that prompt, if an id is given)',
    async run(ctx, argv) {
      const { positionals } = parseCommandArgs(argv, {});
      const id = positionals[0];
      await ctx.http.interrupt(id);
      print(ctx, { interrupted: id ?? 'running' }, () =>
        id ? `Asked ComfyUI to interrupt ${id} (only if it is the one running).` : 'Interrupted the running prompt.',
      );
    },
  },

  view: {
    usage: 'view <filename> [--type input|output|temp] [--subfolder S] [--preview jpeg;85] [--out FILE]',
    summary: "print a file's address (image, video, audio, any output), or save it with --out (--preview: still images only)",
    async run(ctx, argv) {
      const { values, positionals } = parseCommandArgs(argv, {
        type: { type: 'string' },
        subfolder: { type: 'string' },
        preview: { type: 'string' },
        out: { type: 'string' },
      });
      const filename = positionals[0];
      if (!filename) throw new UsageError('view needs a file name: comfy view <filename>');
      const ref = { filename, type: imageType(values.type, 'output'), subfolder: values.subfolder ?? '' };
      const preview = parsePreview(values.preview);
      if (preview && !isStillImage(filename)) {
        throw new UsageError(`--preview re-encodes still images only; ${filename} is ${kindOf(filename) === 'file' ? 'not an image' : `a ${kindOf(filename)}`} (ComfyUI would answer 500): leave --preview out`);
      }
      if (!values.out) {
        const url = ctx.http.viewUrl(ref, { preview });
        print(ctx, { url }, () => url);
        return;
      }
      const file = await ctx.http.saveView(ref, values.out, { preview });
      const kind = kindOf(filename);
      print(ctx, { saved: values.out, kind, bytes: file.size, content_type: file.contentType }, () =>
        `Saved ${values.out} (${file.size} bytes, ${file.contentType}).`,
      );
    },
  },

  watch: {
    usage: 'watch',
    summary: 'live events of the server, with a progress bar (Ctrl-C to stop)',
    async run(ctx) {
      const client = ctx.newClient();
      await watchServer(ctx, client);
    },
  },

  workflows: {
    usage: 'workflows validate [--dir DIR] [--offline]',
    summary: 'check every workflow manifest against its workflow and the server',
    async run(ctx, argv) {
      const { values, positionals } = parseCommandArgs(argv, { dir: { type: 'string' }, offline: { type: 'boolean' } });
      if (positionals[0] !== 'validate') throw new UsageError('the workflows command has one subcommand: workflows validate');
      const dir = values.dir ?? setting(process.env, 'WORKFLOWS_DIR') ?? './workflows';
      const { workflows, problems } = await loadWorkflows(dir);
      let serverNote = 'not checked against a server (--offline)';
      if (!values.offline) {
        const info = await ctx.http.objectInfo().catch((err: Error) => {
          serverNote = `not checked against a server: ${err.message}`;
          return undefined;
        });
        if (info) {
          serverNote = `checked against ${ctx.http.baseUrl}`;
          for (const w of workflows) problems.push(...validateAgainstObjectInfo(w.manifest, w.workflow, info, w));
        }
      }
      const report = { workflows: workflows.map((w) => w.name), problems, server: serverNote };
      print(ctx, report, () =>
        [
          `${workflows.length} workflow(s) loaded from ${dir}: ${workflows.map((w) => w.name).join(', ') || 'none'} (${serverNote})`,
          ...(problems.length ? [`${problems.length} problem(s):`, ...problems.map((p) => `  ${formatProblem(p)}`)] : ['No problems found.']),
        ].join('\n'),
      );
      return problems.length ? 1 : 0;
    },
  },

  free: {
    usage: 'free [--unload-models] [--free-memory]',
    summary: 'ask ComfyUI to unload models and free memory',
    async run(ctx, argv) {
      const { values } = parseCommandArgs(argv, { 'unload-models': { type: 'boolean' }, 'free-memory': { type: 'boolean' } });
      const unloadModels = values['unload-models'] ?? !values['free-memory'];
      const freeMemory = values['free-memory'] ?? !values['unload-models'];
      await ctx.http.free({ unloadModels, freeMemory });
      print(ctx, { unload_models: unloadModels, free_memory: freeMemory }, () => 'Asked ComfyUI to free memory.');
    },
  },
};

function parsePreview(value: string | undefined): { format: 'jpeg' | 'webp'; quality: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(jpeg|webp)(?:;(\d{1,3}))?$/.exec(value);
  if (!m) throw new UsageError(`--preview must look like "jpeg;85" or "webp;90" (got "${value}")`);
  return { format: m[1] as 'jpeg' | 'webp', quality: Number(m[2] ?? 90) };
}
