// The ComfyUI client against the fake ComfyUI over loopback.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApiWorkflow,
  ComfyClient,
  ComfyHttp,
  ComfyNotFoundError,
  ComfyRequestError,
  ComfyUnavailableError,
  ComfyValidationError,
  type JobResult,
} from '../../src/comfy/index.ts';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { recordedWorkflow } from '../support/recordings.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(options: Parameters<typeof FakeComfy.start>[0] = {}) {
  const f = await FakeComfy.start(options);
  cleanups.push(() => f.stop());
  return f;
}

function client(url: string, extra: Partial<ConstructorParameters<typeof ComfyClient>[0]> = {}) {
  const c = new ComfyClient({ url, socket: { backoff: { initialMs: 20, maxMs: 200 } }, ...extra });
  cleanups.push(() => c.close());
  return c;
}

function txt2img(steps = 4, seed = 42): ApiWorkflow {
  const wf = recordedWorkflow('txt2img') as ApiWorkflow;
  wf['3']!.inputs['steps'] = steps;
  wf['3']!.inputs['seed'] = seed;
  return wf;
}

describe('ComfyClient jobs', () => {
  it('follows a txt2img job from queue to images, with progress, previews and node titles', async () => {
    const f = await fake({ stepMs: 2 });
    const c = client(f.url);
    await c.connect();
    const seen: string[] = [];
    const progress: Array<{ value: number; max: number; title: string | undefined }> = [];
    let previews = 0;
    const job = await c.submit(txt2img(5), {
      onJob: (j) => {
        j.on('started', () => seen.push('started'));
        j.on('progress', (p) => progress.push(p));
        j.on('preview', (p) => {
          previews++;
          expect(p.image.subarray(0, 2).toString('hex')).toBe('ffd8');
        });
        j.on('output', () => seen.push('output'));
      },
    });
    const result = await job.done;
    expect(result.status).toBe('success');
    if (result.status !== 'success') return;
    expect(seen).toEqual(['started', 'output']);
    expect(progress.map((p) => p.value)).toEqual([1, 2, 3, 4, 5]);
    expect(progress[0]).toMatchObject({ max: 5, title: 'KSampler' });
    expect(previews).toBe(5);
    expect(result.outputs).toHaveLength(1);
    expect(result.outputs[0]).toMatchObject({ kind: 'image', type: 'output', nodeId: '9' });
    const png = await c.http.view(result.outputs[0] as { filename: string });
    expect(png.contentType).toBe('image/png');
    expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
  });

  it('posts the images of a fully cached rerun too', async () => {
    const f = await fake({ stepMs: 0 });
    const c = client(f.url);
    await c.connect();
    const first = await (await c.submit(txt2img(3, 7))).done;
    const again = await (await c.submit(txt2img(3, 7))).done;
    expect(first.status).toBe('success');
    expect(again).toMatchObject({ status: 'success', cached: true });
    expect(again.status === 'success' && again.outputs.length).toBe(1);
  });

  it('turns a 400 into a validation error that names the node, the input and the bad value', async () => {
    const f = await fake();
    const c = client(f.url);
    const wf = txt2img();
    wf['3']!.inputs['steps'] = 'many';
    const err = await c.submit(wf).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ComfyValidationError);
    expect((err as ComfyValidationError).lines()).toEqual([
      'KSampler (#3) steps: Failed to convert an input value to a INT value — got "many"',
    ]);
    expect(c.unfinishedJobs()).toHaveLength(0);
  });

  it('lists pending prompts in the order they will run', async () => {
    const f = await fake({ stepMs: 0 });
    f.hold();
    const http = new ComfyHttp({ url: f.url });
    const a = await http.submit({ prompt: txt2img(2, 1), client_id: 'x' });
    const b = await http.submit({ prompt: txt2img(2, 2), client_id: 'x', number: 5 });
    const front = await http.submit({ prompt: txt2img(2, 3), client_id: 'x', front: true });
    const neg = await http.submit({ prompt: txt2img(2, 4), client_id: 'x', number: -100 });
    const q = await http.queue();
    expect(q.pending.map((e) => e.promptId)).toEqual([neg.prompt_id, front.prompt_id, a.prompt_id, b.prompt_id]);
    expect(q.pending[0]?.clientId).toBe('x');
    f.release();
  });

  it('tells a waiting job its place in the queue, and keeps it current as the queue moves', async () => {
    const f = await fake({ stepMs: 0 });
    f.hold();
    const c = client(f.url);
    await c.connect();
    const first = await c.submit(txt2img(2, 61));
    const positions: number[] = [];
    const second = await c.submit(txt2img(2, 62), { onJob: (j) => j.on('queued', (q) => positions.push(q.position)) });
    await new Promise<void>((resolve) => (positions.includes(2) ? resolve() : second.once('queued', () => resolve())));
    expect(positions).toContain(2);
    expect(first.position).toBe(1);
    await first.cancel();
    await new Promise<void>((resolve) => (second.position === 1 ? resolve() : second.once('queued', () => resolve())));
    expect(second.position).toBe(1);
    f.release();
    expect((await second.done).status).toBe('success');
  });

  it('counts other clients\' prompts in the positions it shows, once the queue settles', async () => {
    const f = await fake({ stepMs: 0 });
    f.hold();
    const ours = client(f.url, { positionsIntervalMs: 50 });
    const theirs = client(f.url);
    await Promise.all([ours.connect(), theirs.connect()]);
    const first = await theirs.submit(txt2img(2, 71));
    const mine = await ours.submit(txt2img(2, 72));
    const second = await theirs.submit(txt2img(2, 73));
    const mineLast = await ours.submit(txt2img(2, 74));
    const settled = (job: typeof mine, position: number) =>
      new Promise<void>((resolve) => {
        const check = () => (job.position === position ? resolve() : job.once('queued', check));
        check();
      });
    await Promise.all([settled(mine, 2), settled(mineLast, 4)]);
    await first.cancel();
    await second.cancel();
    await Promise.all([settled(mine, 1), settled(mineLast, 2)]);
    f.release();
    expect((await mineLast.done).status).toBe('success');
  });

  it('cancels a waiting job by deleting it, and a running one by a targeted interrupt', async () => {
    const f = await fake({ stepMs: 30 });
    const c = client(f.url);
    await c.connect();
    const running = await c.submit(txt2img(200, 11));
    const waiting = await c.submit(txt2img(200, 12));
    await new Promise<void>((resolve) => running.once('progress', () => resolve()));
    const waitingResult = await waiting.cancel();
    expect(waitingResult).toMatchObject({ status: 'interrupted', wasPending: true });
    expect(f.requests.some((r) => r.method === 'POST' && r.path === '/queue' && JSON.stringify(r.json) === JSON.stringify({ delete: [waiting.promptId] }))).toBe(true);
    const runningResult = await running.cancel();
    expect(runningResult).toMatchObject({ status: 'interrupted', wasPending: false });
    const interrupt = f.requests.find((r) => r.method === 'POST' && r.path === '/interrupt');
    expect(interrupt?.json).toEqual({ prompt_id: running.promptId });
    // A second cancel of a finished job changes nothing.
    expect(await running.cancel()).toBe(runningResult);
  });

  it('delivers the result exactly once when the socket drops mid-job', async () => {
    const f = await fake({ stepMs: 10 });
    const c = client(f.url);
    await c.connect();
    const done: JobResult[] = [];
    const job = await c.submit(txt2img(30, 21), { onJob: (j) => j.on('done', (r) => done.push(r)) });
    await new Promise<void>((resolve) => job.once('progress', () => resolve()));
    f.dropSockets();
    const result = await job.done;
    expect(result.status).toBe('success');
    await c.reconcile();
    expect(done).toHaveLength(1);
  });

  it('delivers a result produced entirely while the socket was down, from history', async () => {
    const f = await fake({ stepMs: 1 });
    const c = client(f.url, { socket: { backoff: { initialMs: 300, maxMs: 300, jitter: 0 } } });
    await c.connect();
    f.hold();
    const job = await c.submit(txt2img(3, 31));
    f.dropSockets();
    f.release();
    const result = await job.done;
    expect(result.status).toBe('success');
    expect(result.status === 'success' && result.outputs).toHaveLength(1);
  });

  it("never routes one client's previews to another's job", async () => {
    const f = await fake({ stepMs: 1 });
    const a = client(f.url);
    const b = client(f.url);
    await Promise.all([a.connect(), b.connect()]);
    const previewsFor = new Map<string, string[]>();
    const record = (owner: string) => (p: { image: Buffer }) => previewsFor.set(owner, [...(previewsFor.get(owner) ?? []), p.image.length.toString()]);
    const ja = await a.submit(txt2img(4, 41), { onJob: (j) => j.on('preview', record('a')) });
    const jb = await b.submit(txt2img(4, 42), { onJob: (j) => j.on('preview', record('b')) });
    const foreign: string[] = [];
    a.on('binary', (fr) => fr.event === 'preview' && fr.promptId !== ja.promptId && foreign.push(String(fr.promptId)));
    b.on('binary', (fr) => fr.event === 'preview' && fr.promptId !== jb.promptId && foreign.push(String(fr.promptId)));
    await Promise.all([ja.done, jb.done]);
    expect(previewsFor.get('a')).toHaveLength(4);
    expect(previewsFor.get('b')).toHaveLength(4);
    expect(foreign).toEqual([]);
  });

  it('reports a job as lost when ComfyUI restarts and forgets it', async () => {
    const f = await fake({ stepMs: 20 });
    const c = client(f.url);
    await c.connect();
    const job = await c.submit(txt2img(100, 51));
    await new Promise<void>((resolve) => job.once('progress', () => resolve()));
    await f.restart();
    const result = await job.done;
    expect(result.status).toBe('lost');
  });

  it('reports a runtime error with the node and the exception', async () => {
    const f = await fake({ stepMs: 0 });
    const c = client(f.url);
    await c.connect();
    const up = await c.http.uploadImage(Buffer.from('not an image'), 'broken.png');
    const wf = recordedWorkflow('img2img') as ApiWorkflow;
    const loadImage = Object.values(wf).find((n) => n.class_type === 'LoadImage')!;
    loadImage.inputs['image'] = up.name;
    const result = await (await c.submit(wf)).done;
    expect(result).toMatchObject({ status: 'error', nodeType: 'LoadImage', exceptionType: 'PIL.UnidentifiedImageError' });
  });
});

describe('ComfyHttp', () => {
  it('works behind a path prefix and sends the extra headers everywhere', async () => {
    const f = await fake({ basePath: '/comfy' });
    const c = client(f.url, { headers: { Authorization: 'Bearer proxy-secret' } });
    await c.connect();
    expect(await c.http.queueCount()).toBe(0);
    expect(f.requests.at(-1)?.headers['authorization']).toBe('Bearer proxy-secret');
  });

  it('uploads images and masks, renaming a taken name as ComfyUI does', async () => {
    const f = await fake();
    const http = new ComfyHttp({ url: f.url });
    const { makePng } = await import('../fakes/comfy/index.ts');
    const first = await http.uploadImage(makePng(8, 8, [255, 0, 0]), 'cat.png');
    const other = await http.uploadImage(makePng(8, 8, [0, 255, 0]), 'cat.png');
    expect([first.name, other.name]).toEqual(['cat.png', 'cat (1).png']);
    const mask = await http.uploadMask(makePng(8, 8, [0, 0, 0]), 'mask.png', { filename: first.name });
    expect(mask.name).toBe('mask.png');
    const maskRequest = f.requests.find((r) => r.path === '/upload/mask');
    expect(JSON.parse(maskRequest?.form?.fields['original_ref'] ?? '{}')).toEqual({ filename: 'cat.png', subfolder: '', type: 'input' });
    await expect(http.uploadImage(makePng(2, 2), 'x.png', { subfolder: '../..' })).rejects.toBeInstanceOf(ComfyRequestError);
  });

  it('encodes view addresses and asks for re-encoded copies', async () => {
    const http = new ComfyHttp({ url: 'http://127.0.0.1:1/prefix/' });
    expect(http.viewUrl({ filename: 'a b&c.png', subfolder: 'x/y', type: 'temp' }, { preview: { format: 'jpeg', quality: 85 } })).toBe(
      'http://127.0.0.1:1/prefix/view?filename=a+b%26c.png&type=temp&subfolder=x%2Fy&preview=jpeg%3B85',
    );
  });

  it('says what went wrong: refused, 5xx, not JSON, timeout, not found', async () => {
    const f = await fake();
    const http = new ComfyHttp({ url: f.url, timeoutMs: 300 });
    f.failNext({ path: '/prompt' }, { status: 500, body: 'boom' });
    await expect(http.queueCount()).rejects.toThrow(/HTTP 500/);
    f.failNext({ path: '/prompt' }, { status: 200, body: '<html>proxy login</html>', contentType: 'text/html' });
    await expect(http.queueCount()).rejects.toThrow(/not JSON/);
    f.delay({ path: '/system_stats' }, 1_000);
    await expect(http.systemStats()).rejects.toThrow(/within 300 ms/);
    await expect(http.models('not_a_folder')).rejects.toBeInstanceOf(ComfyNotFoundError);
    expect(await http.historyOf('not-a-real-id')).toBeUndefined();
    expect(await http.nodeInfo('NotANode')).toBeUndefined();
    const refused = new ComfyHttp({ url: 'http://127.0.0.1:1' });
    await expect(refused.queueCount()).rejects.toBeInstanceOf(ComfyUnavailableError);
  });
});

describe('ComfySocket', () => {
  it('backs off when the server refuses the socket, never spinning', async () => {
    const f = await fake();
    f.refuseSockets(403);
    const c = client(f.url, { socket: { backoff: { initialMs: 50, maxMs: 400, jitter: 0 } } });
    const errors: string[] = [];
    const delays: number[] = [];
    c.on('error', (e) => errors.push(e.message));
    c.on('close', (e) => delays.push(e.retryInMs));
    c.socket.start();
    await new Promise<void>((resolve) => {
      const check = () => (delays.length >= 4 ? resolve() : c.once('close', check));
      check();
    });
    expect(errors[0]).toMatch(/403/);
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400]);
    f.refuseSockets(null);
    await new Promise<void>((resolve) => c.once('open', () => resolve()));
    expect(c.connected).toBe(true);
  });
});
