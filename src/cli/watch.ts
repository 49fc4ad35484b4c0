// Live output of `watch` and `submit --watch`: one line per event, a redrawn progress bar on a terminal.
import { isFile, type ComfyClient, type Job, type Output } from '../comfy/index.ts';
import { formatBytes, progressBar, truncate } from '../text/format.ts';
import type { CliContext } from './context.ts';

function progressLine(value: number, max: number, title: string | undefined): string {
  return `[${progressBar(value, max)}] ${value}/${max}${title ? ` ${title}` : ''}`;
}

/** An output with its size (asked of the server without downloading), for printing. */
type SizedOutput = Output & { size?: number | undefined };

async function withSizes(client: ComfyClient, outputs: Output[]): Promise<SizedOutput[]> {
  return Promise.all(
    outputs.map(async (o) => (isFile(o) ? { ...o, size: await client.http.viewSize(o).then((s) => s.size, () => undefined) } : o)),
  );
}

/** `video ComfyUI_00001_.mp4 (2.6 KB)  http://…/view?…`, or `text "…"`. */
function outputLine(client: ComfyClient, nodeId: string, o: SizedOutput): string {
  if (!isFile(o)) return `output of #${nodeId}: text ${JSON.stringify(truncate(o.text, 200))}`;
  const size = o.size === undefined ? 'size unknown' : formatBytes(o.size);
  const where = o.subfolder ? `${o.subfolder}/${o.filename}` : o.filename;
  return `output of #${nodeId}: ${o.kind} ${where} (${size})  ${client.http.viewUrl(o)}`;
}

/** What `followJob` hands back: `begin` lets its lines out (after the caller's own first line), `flushed` waits for them. */
export interface FollowedJob {
  begin: (firstLine?: string) => void;
  flushed: () => Promise<void>;
}

/**
 * Prints one job's events; with --json, one JSON object per event. Lines come
 * out in the order of the events, also when a line waits for a file's size, and
 * only once `begin()` is called (so "Queued …" comes first however fast the server is).
 */
export function followJob(ctx: CliContext, client: ComfyClient, job: Job): FollowedJob {
  let begin!: (firstLine?: string) => void;
  let printing = new Promise<void>((resolve) => {
    begin = (firstLine) => {
      if (firstLine !== undefined) ctx.out(firstLine);
      resolve();
    };
  });
  const later = (line: () => Promise<string | undefined> | string | undefined) => {
    printing = printing.then(async () => {
      const text = await line();
      if (text !== undefined) ctx.out(text);
    });
  };
  const say = (event: string, human: string, data: Record<string, unknown> = {}) =>
    later(() => (ctx.json ? JSON.stringify({ event, prompt_id: job.promptId, ...data }) : human));
  job.on('queued', (e) => say('queued', `queued: position ${e.position} of ${e.total}`, e));
  job.on('started', () => say('started', 'started'));
  job.on('cached', (e) => say('cached', `cached: ${e.nodes.length} node(s)`, e));
  job.on('executing', (e) => say('executing', `running ${e.title} (#${e.nodeId})`, e));
  job.on('progress', (e) => say('progress', progressLine(e.value, e.max, e.title), e));
  job.on('preview', (e) => say('preview', `preview: ${e.image.length} bytes ${e.mime}`, { bytes: e.image.length, mime: e.mime }));
  job.on('output', (e) => {
    const sized = withSizes(client, e.outputs);
    later(async () => {
      const outputs = await sized;
      return ctx.json
        ? JSON.stringify({ event: 'output', prompt_id: job.promptId, node: e.nodeId, outputs })
        : outputs.map((o) => outputLine(client, e.nodeId, o)).join('\n') || `output of #${e.nodeId}: nothing`;
    });
  });
  job.on('done', (r) => {
    if (ctx.json) return;
    later(() => {
      if (r.status === 'success') {
        const kinds = [...new Set(r.outputs.map((o) => o.kind))].join(', ');
        return `done: ${r.outputs.length} output(s)${kinds ? ` (${kinds})` : ''}${r.cached ? ' (cached)' : ''}`;
      }
      if (r.status === 'error') ctx.err(`error in ${r.nodeType ?? '?'} (#${r.nodeId ?? '?'}): ${r.exceptionType}: ${r.message}`);
      else if (r.status === 'interrupted') ctx.err('interrupted');
      else ctx.err(`lost: ${r.reason}`);
      return undefined;
    });
  });
  return { begin, flushed: () => printing };
}

/** Every event the server sends to this client, until Ctrl-C. */
export async function watchServer(ctx: CliContext, client: ComfyClient): Promise<void> {
  client.on('message', (m) => {
    if (ctx.json) {
      ctx.out(JSON.stringify(m));
      return;
    }
    if ('unknown' in m) return void ctx.out(`${m.type} (unknown message type)`);
    switch (m.type) {
      case 'status':
        return void ctx.out(`status: ${m.data.status.exec_info.queue_remaining} in queue`);
      case 'progress':
        return void ctx.out(`${m.data.prompt_id ?? ''} ${progressLine(m.data.value, m.data.max, m.data.node ?? undefined)}`);
      case 'executing':
        return void ctx.out(m.data.node === null ? `${m.data.prompt_id ?? ''} finished` : `${m.data.prompt_id ?? ''} executing #${m.data.node}`);
      case 'executed':
        return void ctx.out(`${m.data.prompt_id} output of #${m.data.node}`);
      case 'execution_error':
        return void ctx.out(`${m.data.prompt_id} error: ${m.data.exception_type}: ${m.data.exception_message.trim()}`);
      case 'progress_state':
        return;
      default:
        return void ctx.out(`${m.type} ${'prompt_id' in m.data ? String(m.data.prompt_id) : ''}`.trimEnd());
    }
  });
  client.on('binary', (b) => {
    if (b.event === 'preview') ctx.out(ctx.json ? JSON.stringify({ type: 'preview', prompt_id: b.promptId ?? null, bytes: b.image.length }) : `preview ${b.image.length} bytes${b.promptId ? ` for ${b.promptId}` : ''}`);
  });
  client.on('close', (e) => ctx.err(`socket closed; reconnecting in ${e.retryInMs} ms`));
  await client.connect();
  ctx.err(`watching ${client.url} as client ${client.clientId} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      client.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
