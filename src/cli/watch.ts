// Live output of `watch` and `submit --watch`: one line per event, a redrawn progress bar on a terminal.
import type { ComfyClient, Job } from '../comfy/index.ts';
import { progressBar } from '../text/format.ts';
import type { CliContext } from './context.ts';

function progressLine(value: number, max: number, title: string | undefined): string {
  return `[${progressBar(value, max)}] ${value}/${max}${title ? ` ${title}` : ''}`;
}

/** Prints one job's events; with --json, one JSON object per event. */
export function followJob(ctx: CliContext, client: ComfyClient, job: Job): void {
  const say = (event: string, human: string, data: Record<string, unknown> = {}) =>
    ctx.out(ctx.json ? JSON.stringify({ event, prompt_id: job.promptId, ...data }) : human);
  job.on('queued', (e) => say('queued', `queued: position ${e.position} of ${e.total}`, e));
  job.on('started', () => say('started', 'started'));
  job.on('cached', (e) => say('cached', `cached: ${e.nodes.length} node(s)`, e));
  job.on('executing', (e) => say('executing', `running ${e.title} (#${e.nodeId})`, e));
  job.on('progress', (e) => say('progress', progressLine(e.value, e.max, e.title), e));
  job.on('preview', (e) => say('preview', `preview: ${e.image.length} bytes ${e.mime}`, { bytes: e.image.length, mime: e.mime }));
  job.on('output', (e) =>
    say('output', e.images.map((img) => `output of #${e.nodeId}: ${img.filename}  ${client.http.viewUrl(img)}`).join('\n'), {
      node: e.nodeId,
      images: e.images,
    }),
  );
  job.on('done', (r) => {
    if (ctx.json) return;
    if (r.status === 'success') ctx.out(`done: ${r.images.length} image(s)${r.cached ? ' (cached)' : ''}`);
    else if (r.status === 'error') ctx.err(`error in ${r.nodeType ?? '?'} (#${r.nodeId ?? '?'}): ${r.exceptionType}: ${r.message}`);
    else if (r.status === 'interrupted') ctx.err('interrupted');
    else ctx.err(`lost: ${r.reason}`);
  });
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
