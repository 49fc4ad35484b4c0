import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeComfy, makePng, readImageSize } from './comfy/index.ts';
import { parsePyJson, pyJson, toPlain, type Json, type JsonObject } from './comfy/py-json.ts';
import {
  describeLive,
  describeRecorded,
  exchange,
  exchanges,
  findRecorded,
  normalize,
  RECORDINGS_DIR,
  recordedRun,
  requestBody,
  wsRecording,
  type RecordedFrame,
} from './comfy/recordings.ts';
import { WsRecorder, type Frame } from './comfy/ws-recorder.ts';

const fakes: FakeComfy[] = [];
const sockets: WsRecorder[] = [];

async function startFake(options: Parameters<typeof FakeComfy.start>[0] = {}): Promise<FakeComfy> {
  const fake = await FakeComfy.start({ stepMs: 0, ...options });
  fakes.push(fake);
  return fake;
}

async function connect(fake: FakeComfy, clientId: string, featureFlags = false): Promise<WsRecorder> {
  const socket = await WsRecorder.connect(fake.wsUrl, clientId, { featureFlags });
  sockets.push(socket);
  await socket.waitForMessage('status');
  return socket;
}

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function post(fake: FakeComfy, path: string, body: string): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(`${fake.url}${path}`, { method: 'POST', body });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') ?? '' };
}

async function submit(fake: FakeComfy, body: string): Promise<string> {
  const response = await post(fake, '/prompt', body);
  expect(response.status, response.text).toBe(200);
  return (JSON.parse(response.text) as { prompt_id: string }).prompt_id;
}

/** What POST /prompt answers: the queued prompt, or why it was refused. */
interface PromptAnswer {
  prompt_id?: string;
  number?: number;
  error?: { type: string };
  node_errors: Record<string, { errors: unknown[] }>;
}

const promptAnswer = (text: string) => JSON.parse(text) as PromptAnswer;

async function getJson(fake: FakeComfy, path: string): Promise<Json> {
  const response = await fetch(`${fake.url}${path}`);
  expect(response.status).toBe(200);
  return parsePyJson(await response.text());
}

function upload(
  fake: FakeComfy,
  path: string,
  fields: Record<string, string>,
  file?: { name: string; bytes: Buffer },
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append('image', new Blob([file.bytes], { type: 'image/png' }), file.name);
  return fetch(`${fake.url}${path}`, { method: 'POST', body: form });
}

const isEnd = (promptId: string) => (f: Frame) =>
  f.kind === 'text' && f.type === 'executing' && f.data.node === null && f.data.prompt_id === promptId;

/** Frames from `from` through `executing {node: null}` for the prompt, as comparable lines. */
async function liveRun(socket: WsRecorder, promptId: string, from: number): Promise<string[]> {
  await socket.waitFor(isEnd(promptId), { from });
  const end = socket.frames.findIndex((f, i) => i >= from && isEnd(promptId)(f));
  return socket.frames.slice(from, end + 1).map((f) => describeLive(f, { [promptId]: '<P>' }));
}

const described = (frames: RecordedFrame[], promptId: string): string[] =>
  frames.map((f) => describeRecorded(f, { [promptId]: '<P>' }));

const mainWs = (): RecordedFrame[] => wsRecording('ws_main.jsonl');
const FIRST_PROMPT = '243d5ff2-2e84-451d-a2aa-3cacc83dd7a3';
const CACHED_PROMPT = 'd4373504-684e-4850-8dd5-38308463d3c3';

describe('FakeComfy: a run over the socket, as recorded', () => {
  it('plays txt2img with the recorded message sequence, shapes and history entry', async () => {
    const fake = await startFake();
    const socket = await connect(fake, 'main-client');
    const from = socket.size;
    const promptId = await submit(fake, requestBody('txt2img'));

    const live = await liveRun(socket, promptId, from);
    expect(live).toEqual(described(recordedRun(mainWs(), FIRST_PROMPT, 1), FIRST_PROMPT));

    const history = (await getJson(fake, `/history/${promptId}`)) as JsonObject;
    const recorded = (exchange('history-all').body as JsonObject).get(FIRST_PROMPT) ?? null;
    expect(pyJson(normalize(history.get(promptId) ?? null, { [promptId]: '<P>' }))).toBe(
      pyJson(normalize(recorded, { [FIRST_PROMPT]: '<P>' })),
    );
  });

  it('replays a fully identical prompt from cache: every node cached, executed still sent, no progress', async () => {
    const fake = await startFake();
    const socket = await connect(fake, 'main-client');
    const first = await submit(fake, requestBody('txt2img'));
    await socket.waitFor(isEnd(first));
    const from = socket.size;
    const promptId = await submit(fake, requestBody('txt2img-cached'));

    const frames = mainWs();
    const start = findRecorded(frames, (type, data) => type === 'executing' && data.get('prompt_id') === FIRST_PROMPT && data.get('node') === null) + 1;
    expect(await liveRun(socket, promptId, from)).toEqual(described(recordedRun(frames, CACHED_PROMPT, start), CACHED_PROMPT));
  });

  it('sends event-4 previews naming the prompt after the feature_flags handshake', async () => {
    const fake = await startFake();
    const socket = await connect(fake, 'meta-client', true);
    const flags = await socket.waitForMessage('feature_flags');
    const recordedFrames = wsRecording('ws2_meta.jsonl');
    expect(describeLive(flags, {})).toBe(describeRecorded(recordedFrames[1] as RecordedFrame, {}));
    expect(fake.sockets).toEqual([{ clientId: 'meta-client', featureFlags: true }]);

    const from = socket.size;
    const promptId = await submit(fake, requestBody('meta-txt2img', 'http2.json'));
    const recordedId = '6f70d66b-7eac-4c19-9d01-c21362386806';
    expect(await liveRun(socket, promptId, from)).toEqual(described(recordedRun(recordedFrames, recordedId, 2), recordedId));

    const preview = socket.frames.find((f) => f.kind === 'binary');
    if (preview?.kind !== 'binary') throw new Error('no preview');
    const length = preview.bytes.readUInt32BE(4);
    expect(length).toBe(166);
    expect(JSON.parse(preview.bytes.subarray(8, 8 + length).toString())).toMatchObject({ prompt_id: promptId, node_id: '3' });
    expect(preview.bytes.subarray(8 + length, 8 + length + 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('broadcasts progress of a prompt without client_id, and nothing else about it', async () => {
    const fake = await startFake();
    const main = await connect(fake, 'main-client');
    const other = await connect(fake, 'other-client');
    // The recorded run had the previous prompt's nodes cached; replay that prompt first.
    const warmup = await submit(fake, requestBody('no-socket-client'));
    await fake.waitForHistory(warmup);
    const idle = (f: Frame) => f.kind === 'text' && f.type === 'status' && f.data.status?.exec_info.queue_remaining === 0;
    await other.waitFor(idle, { from: 1 });
    const from = other.size;
    const mainFrom = main.size;
    const promptId = await submit(fake, requestBody('no-client-id'));
    await fake.waitForHistory(promptId);
    await other.waitFor(idle, { from });

    const recordedId = '5b0384a8-871a-42d8-ac06-bb3ea224a97d';
    const recorded = wsRecording('ws_other.jsonl');
    const start = findRecorded(recorded, (type, data) => type === 'progress_state' && data.get('prompt_id') === recordedId) - 2;
    const lastStatus = recorded.findIndex((f, i) => i > start + 2 && f.kind === 'text' && describeRecorded(f, {}).includes('"queue_remaining": 0'));
    expect(start).toBeGreaterThan(0);
    const ids = { [promptId]: '<P>' };
    const live = other.frames.slice(from, other.frames.findIndex((f, i) => i >= from && idle(f)) + 1).map((f) => describeLive(f, ids));
    expect(live).toEqual(recorded.slice(start, lastStatus + 1).map((f) => describeRecorded(f, { [recordedId]: '<P>' })));

    await main.waitFor(idle, { from: mainFrom });
    const mainTypes = main.texts(mainFrom).map((f) => f.type);
    expect(mainTypes).toContain('progress');
    expect(mainTypes).not.toContain('execution_start');
    expect(mainTypes).not.toContain('executed');
    expect(mainTypes).not.toContain('executing');
  });

  it('tells a reconnecting client which node runs, without prompt_id, and loses what it missed', async () => {
    const fake = await startFake({ stepMs: 2 });
    const first = await connect(fake, 'flaky-client');
    const promptId = await submit(fake, requestBody('reconnect-job', 'http2.json'));
    await first.waitForMessage('progress', (d) => d.value === 5);
    fake.dropSockets();
    await first.closed;
    const queue = (await getJson(fake, '/queue')) as JsonObject;
    expect((queue.get('queue_running') as Json[]).length).toBe(1);

    const second = await WsRecorder.connect(fake.wsUrl, 'flaky-client');
    sockets.push(second);
    await second.waitFor(isEnd(promptId));
    const recorded = wsRecording('ws2_flaky_second.jsonl').slice(0, 2).map((f) => describeRecorded(f, {}));
    expect(second.frames.slice(0, 2).map((f) => describeLive(f, {}))).toEqual(recorded);
    const progress = second.texts().filter((f) => f.type === 'progress');
    expect(progress[0]?.data.value).toBeGreaterThan(5);
    expect((await fake.waitForHistory(promptId)).status.status_str).toBe('success');
  });

  it('gives a clientId to its newest connection only; the older one hears nothing', async () => {
    const fake = await startFake();
    const old = await connect(fake, 'shard');
    const fresh = await connect(fake, 'shard');
    const from = old.size;
    const promptId = await submit(fake, requestBody('txt2img').replace('"client_id": "main-client"', '"client_id": "shard"'));
    await fresh.waitFor(isEnd(promptId));
    expect(old.frames.length).toBe(from);
    expect(fake.sockets).toEqual([{ clientId: 'shard', featureFlags: false }]);
  });
});

describe('FakeComfy: POST /prompt validation, as recorded', () => {
  const cases = ['invalid-input', 'missing-model', 'unknown-node', 'no-outputs', 'no-prompt-field', 'missing-input-image'];
  it.each(cases)('answers %s with the recorded status and body, byte for byte', async (step) => {
    const fake = await startFake();
    const recorded = exchange(step);
    const response = await post(fake, '/prompt', requestBody(step));
    expect(response.status).toBe(recorded.status);
    expect(response.type).toBe(recorded.contentType);
    expect(response.text).toBe(pyJson(recorded.body));
    expect(Buffer.byteLength(response.text)).toBe(recorded.bytes);
  });

  it('answers a body that is not JSON with the recorded plain-text 500', async () => {
    const fake = await startFake();
    const recorded = exchange('not-json');
    const response = await post(fake, '/prompt', 'this is { not json');
    expect(response.status).toBe(500);
    expect(response.type).toBe(recorded.contentType);
    expect(response.text).toBe(recorded.body);
  });

  it('reports min/max, missing inputs and dangling links the way ComfyUI does', async () => {
    const fake = await startFake();
    const prompt = (edit: (p: JsonObject) => void): string => {
      const body = parsePyJson(requestBody('txt2img')) as JsonObject;
      edit(body.get('prompt') as JsonObject);
      return pyJson(body);
    };
    const inputs = (p: JsonObject, id: string) => (p.get(id) as JsonObject).get('inputs') as JsonObject;

    let response = await post(fake, '/prompt', prompt((p) => inputs(p, '3').set('steps', 20000)));
    let body = promptAnswer(response.text);
    expect(response.status).toBe(400);
    expect(body.node_errors['3']?.errors[0]).toMatchObject({
      type: 'value_bigger_than_max',
      message: 'Value 20000 bigger than max of 10000',
      details: 'steps',
      extra_info: { input_name: 'steps', received_value: 20000 },
    });

    response = await post(fake, '/prompt', prompt((p) => inputs(p, '3').set('cfg', -1)));
    expect(response.text).toContain('"message": "Value -1.0 smaller than min of 0.0"');

    response = await post(fake, '/prompt', prompt((p) => inputs(p, '3').delete('seed')));
    body = promptAnswer(response.text);
    expect(body.node_errors['3']?.errors[0]).toEqual({
      type: 'required_input_missing',
      message: 'Required input is missing',
      details: 'seed',
      extra_info: { input_name: 'seed' },
    });

    response = await post(fake, '/prompt', prompt((p) => inputs(p, '8').set('samples', ['42', 0])));
    body = promptAnswer(response.text);
    expect(body.error?.type).toBe('prompt_outputs_failed_validation');
    expect(body.node_errors['8']?.errors[0]).toMatchObject({
      type: 'exception_during_inner_validation',
      details: "'42'",
      // As in ComfyUI: the exception is charged to the node holding the bad link, seen from its consumer.
      extra_info: { input_name: 'images', exception_type: 'KeyError', linked_node: ['8', 0] },
    });
  });

  it('echoes a given number as a float, negates the counter for front, keeps a client prompt_id', async () => {
    const fake = await startFake();
    fake.hold();
    const body = (extra: Record<string, unknown>) =>
      Object.keys(extra).length ? requestBody('txt2img').replace(/}$/, `, ${pyJson(extra).slice(1)}`) : requestBody('txt2img');
    expect((await post(fake, '/prompt', body({ number: 5 }))).text).toContain('"number": 5.0');
    expect((await post(fake, '/prompt', body({}))).text).toContain('"number": 0,');
    expect((await post(fake, '/prompt', body({ front: true }))).text).toContain('"number": -1,');
    const chosen = '11111111-2222-3333-4444-555555555555';
    const response = promptAnswer((await post(fake, '/prompt', body({ prompt_id: chosen }))).text);
    expect(response).toEqual({ prompt_id: chosen, number: 2, node_errors: {} });
  });
});

describe('FakeComfy: queue, interrupt, history', () => {
  it('keeps pending in heap order, runs lowest number first, deletes and interrupts as recorded', async () => {
    const fake = await startFake({ stepMs: 20 });
    const socket = await connect(fake, 'main-client');
    // The recording reached these steps with the counter at 12.
    for (let i = 0; i < 12; i++) await post(fake, '/prompt', '{"client_id": "main-client"}');
    const long = await submit(fake, requestBody('queue-long'));
    await socket.waitForMessage('execution_start', (d) => d.prompt_id === long);
    fake.hold();

    const ids: Record<string, string> = { [long]: 'long' };
    for (const step of ['queue-b-normal', 'queue-c-normal', 'queue-d-number-5', 'queue-e-front', 'queue-f-number-neg']) {
      const response = await post(fake, '/prompt', requestBody(step));
      const parsed = parsePyJson(response.text) as JsonObject;
      ids[parsed.get('prompt_id') as string] = step;
      const recorded = exchange(step).body as JsonObject;
      expect(pyJson(parsed.get('number') ?? null)).toBe(pyJson(recorded.get('number') ?? null));
    }
    expect(JSON.parse((await (await fetch(`${fake.url}/prompt`)).text()))).toEqual({ exec_info: { queue_remaining: 6 } });

    const numbers = (queue: Json, key: string) => pyJson(((queue as JsonObject).get(key) as Json[][]).map((item) => item[0] ?? null));
    const recordedSnapshot = exchange('queue-snapshot').body;
    const snapshot = await getJson(fake, '/queue');
    expect(numbers(snapshot, 'queue_pending')).toBe(numbers(recordedSnapshot, 'queue_pending'));
    expect(numbers(snapshot, 'queue_running')).toBe(numbers(recordedSnapshot, 'queue_running'));
    const item = ((snapshot as JsonObject).get('queue_running') as Json[][])[0] ?? [];
    expect(toPlain(item[3])).toMatchObject({ client_id: 'main-client', create_time: expect.any(Number) });
    expect(item[4]).toEqual(['9']);

    const c = Object.keys(ids).find((id) => ids[id] === 'queue-c-normal') as string;
    expect((await post(fake, '/queue', JSON.stringify({ delete: [c] }))).status).toBe(200);
    expect(numbers(await getJson(fake, '/queue'), 'queue_pending')).toBe(numbers(exchange('queue-after-delete').body, 'queue_pending'));

    expect((await fetch(`${fake.url}/interrupt`)).status).toBe(404);
    const b = Object.keys(ids).find((id) => ids[id] === 'queue-b-normal') as string;
    expect((await post(fake, '/interrupt', JSON.stringify({ prompt_id: b }))).status).toBe(200);
    await socket.waitForMessage('progress', (d) => d.prompt_id === long);
    expect((await post(fake, '/interrupt', '{}')).status).toBe(200);
    const interrupted = await socket.waitForMessage('execution_interrupted', (d) => d.prompt_id === long);
    expect(Object.keys(interrupted.data)).toEqual(['prompt_id', 'node_id', 'node_type', 'executed', 'timestamp']);
    expect(interrupted.data).toMatchObject({ node_id: '3', node_type: 'KSampler' });

    const history = await fake.waitForHistory(long);
    expect(history.status.status_str).toBe('error');
    expect(history.status.completed).toBe(false);
    expect(history.status.messages.map((m) => m[0])).toEqual(['execution_start', 'execution_cached', 'execution_interrupted']);
    expect(history.outputs).toEqual({});

    const from = socket.size;
    fake.stepMs = 0;
    fake.release();
    const last = Object.keys(ids).find((id) => ids[id] === 'queue-b-normal') as string;
    await socket.waitFor(isEnd(last), { from });
    const order = socket.texts(from).filter((f) => f.type === 'execution_start').map((f) => ids[f.data.prompt_id ?? '']);
    expect(order).toEqual(['queue-f-number-neg', 'queue-e-front', 'queue-d-number-5', 'queue-b-normal']);
  });

  it('clears only pending prompts; targeted interrupt hits only the running one', async () => {
    const fake = await startFake({ stepMs: 5 });
    const socket = await connect(fake, 'main-client');
    const running = await submit(fake, requestBody('clear-long'));
    await socket.waitForMessage('progress', (d) => d.prompt_id === running);
    const pending = await submit(fake, requestBody('clear-pending'));
    await post(fake, '/queue', '{"clear": true}');
    const queue = toPlain(await getJson(fake, '/queue')) as { queue_running: unknown[][]; queue_pending: unknown[] };
    expect(queue.queue_pending).toEqual([]);
    expect(queue.queue_running[0]?.[1]).toBe(running);
    await post(fake, '/interrupt', JSON.stringify({ prompt_id: running }));
    await socket.waitForMessage('execution_interrupted', (d) => d.prompt_id === running);
    expect(((await getJson(fake, `/history/${pending}`)) as JsonObject).size).toBe(0);
  });

  it('serves history with max_items and offset in completion order, {} for unknown ids, and deletes', async () => {
    const fake = await startFake();
    const ids: string[] = [];
    for (const seed of [1, 2, 3]) {
      const id = await submit(fake, requestBody('txt2img').replace('"seed": 42', `"seed": ${seed}`));
      await fake.waitForHistory(id);
      ids.push(id);
    }
    const keys = async (path: string) => [...((await getJson(fake, path)) as JsonObject).keys()];
    expect(await keys('/history')).toEqual(ids);
    expect(await keys('/history?max_items=2')).toEqual(ids.slice(1));
    expect(await keys('/history?max_items=1&offset=1')).toEqual([ids[1]]);
    expect(await keys('/api/history/not-a-real-id')).toEqual([]);
    await post(fake, '/history', JSON.stringify({ delete: [ids[0]] }));
    expect(await keys(`/history/${ids[0]}`)).toEqual([]);
    await post(fake, '/history', '{"clear": true}');
    expect(await keys('/history')).toEqual([]);
  });

  it('charges switchMs when a prompt loads another checkpoint than the one in memory, and logs each prompt it ran', async () => {
    const fake = await startFake({ switchMs: 60, checkpoints: ['random-sd15.safetensors', 'other.safetensors'] });
    const body = (seed: number, ckpt: string) =>
      requestBody('txt2img').replace('"seed": 42', `"seed": ${seed}`).replace('"ckpt_name": "random-sd15.safetensors"', `"ckpt_name": "${ckpt}"`);
    const ids = [];
    for (const [seed, ckpt] of [[1, 'random-sd15.safetensors'], [2, 'random-sd15.safetensors'], [3, 'other.safetensors']] as const) {
      ids.push(await submit(fake, body(seed, ckpt)));
    }
    await Promise.all(ids.map((id) => fake.waitForHistory(id)));
    expect(fake.executions.map((e) => [e.promptId, e.checkpoint, e.switched])).toEqual([
      [ids[0], 'random-sd15.safetensors', false],
      [ids[1], 'random-sd15.safetensors', false],
      [ids[2], 'other.safetensors', true],
    ]);
    // A load takes at least switchMs (a lower bound holds however loaded the machine is).
    const took = fake.executions.map((e) => e.endedAt - e.startedAt);
    expect(took[0]).toBeGreaterThanOrEqual(55);
    expect(took[2]).toBeGreaterThanOrEqual(55);
    expect(fake.checkpointSwitches).toBe(1);
  });

  // How fast is the bench's business (npm run bench); here, that none is lost or mixed up.
  it('completes 200 concurrent prompts with stepMs 0, each once, under its own id', async () => {
    const fake = await startFake();
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) => submit(fake, requestBody('txt2img').replace('"seed": 42', `"seed": ${1000 + i}`))),
    );
    expect(new Set(ids).size).toBe(200);
    await Promise.all(ids.map((id) => fake.waitForHistory(id, 20_000)));
    const history = (await (await fetch(`${fake.url}/history`)).json()) as Record<string, unknown>;
    expect(Object.keys(history).sort()).toEqual([...ids].sort());
  });
});

describe('FakeComfy: files', () => {
  it('renames uploads like ComfyUI: same bytes keep the name, other bytes get (1), overwrite, subfolders', async () => {
    const fake = await startFake();
    const cat = makePng(64, 48, [200, 10, 10]);
    const other = makePng(64, 48, [10, 200, 10]);
    const body = async (response: Promise<Response>) => {
      const r = await response;
      return { status: r.status, text: await r.text() };
    };
    const expectRecorded = async (step: string, response: Promise<Response>) => {
      const recorded = exchange(step);
      const got = await body(response);
      expect(got.status).toBe(recorded.status);
      expect(got.text).toBe(recorded.body === null ? '' : pyJson(recorded.body));
    };
    await expectRecorded('upload', upload(fake, '/upload/image', {}, { name: 'cat.png', bytes: cat }));
    await expectRecorded('upload-dup-same-bytes', upload(fake, '/upload/image', {}, { name: 'cat.png', bytes: cat }));
    await expectRecorded('upload-dup-other-bytes', upload(fake, '/upload/image', {}, { name: 'cat.png', bytes: other }));
    await expectRecorded('upload-overwrite', upload(fake, '/upload/image', { overwrite: 'true' }, { name: 'cat.png', bytes: other }));
    await expectRecorded('upload-subfolder', upload(fake, '/upload/image', { subfolder: 'discord/123' }, { name: 'dog.png', bytes: cat }));
    await expectRecorded('upload-traversal', upload(fake, '/upload/image', { subfolder: '../../etc' }, { name: 'x.png', bytes: cat }));
    await expectRecorded('upload-no-image', upload(fake, '/upload/image', { subfolder: '' }));
    await expectRecorded('upload-not-an-image', upload(fake, '/upload/image', {}, { name: 'broken.png', bytes: Buffer.from('not an image') }));
    await expectRecorded(
      'upload-mask',
      upload(fake, '/upload/mask', { original_ref: JSON.stringify({ filename: 'cat.png', subfolder: '', type: 'input' }) }, { name: 'mask.png', bytes: other }),
    );
    expect(readImageSize(fake.readFile('mask.png', { type: 'input' }) ?? Buffer.alloc(0))).toEqual({ width: 64, height: 48 });
    expect(fake.requests.filter((r) => r.route === '/upload/image')[0]?.form?.files['image']?.name).toBe('cat.png');

    const loadImage = toPlain(await getJson(fake, '/object_info/LoadImage')) as { LoadImage: { input: { required: { image: [string[]] } } } };
    expect(loadImage.LoadImage.input.required.image[0]).toEqual(['broken.png', 'cat (1).png', 'cat.png', 'mask.png']);
  });

  it('fails a LoadImage of non-image bytes at run time with the recorded execution_error', async () => {
    const fake = await startFake();
    const socket = await connect(fake, 'main-client');
    const warmup = await submit(fake, requestBody('txt2img'));
    await fake.waitForHistory(warmup);
    await upload(fake, '/upload/image', {}, { name: 'broken.png', bytes: Buffer.from('not an image') });
    const promptId = await submit(fake, requestBody('runtime-error'));
    const live = await socket.waitForMessage('execution_error', (d) => d.prompt_id === promptId);

    const recordedId = '3fbb041b-5611-458c-a808-e2629b75e4a9';
    const frames = mainWs();
    const recorded = frames[findRecorded(frames, (type) => type === 'execution_error')] as RecordedFrame & { kind: 'text' };
    const strip = (msg: Json, id: string) => {
      const data = normalize((msg as JsonObject).get('data') ?? null, { [id]: '<P>' }) as JsonObject;
      const outputs = (data.get('current_outputs') as string[]).slice().sort();
      data.delete('current_outputs');
      return { data: pyJson(data), outputs };
    };
    expect(strip(live.exact, promptId)).toEqual(strip(recorded.msg, recordedId));
    const history = await fake.waitForHistory(promptId);
    expect(history.status).toMatchObject({ status_str: 'error', completed: false });
    expect(history.meta).toEqual({});
  });

  it('answers /view with the recorded status codes and content types', async () => {
    const fake = await startFake();
    fake.putFile('bot_00010_.png', makePng(512, 512), { type: 'output' });
    fake.putFile('cat.png', makePng(32, 32));
    fake.putFile('dog.png', makePng(32, 32), { subfolder: 'discord/123' });
    const views = exchanges('http.json').filter((e) => e.step.startsWith('view-'));
    expect(views.length).toBe(9);
    for (const view of views) {
      const response = await fetch(`${fake.url}${view.path}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect({ step: view.step, status: response.status, type: response.headers.get('content-type') ?? '' }).toEqual({
        step: view.step,
        status: view.status,
        type: view.contentType,
      });
      if (view.contentType === 'image/png') expect(readImageSize(bytes)).not.toBeNull();
      if (view.contentType === 'image/webp') expect(bytes.subarray(8, 12).toString()).toBe('WEBP');
    }
  });

  it('makes real PNG outputs sized like the graph, pads them on request, and shrinks previews with quality', async () => {
    const fake = await startFake();
    fake.outputPadBytes = 11 * 1024 * 1024;
    const promptId = await submit(fake, requestBody('batch-multi-output', 'http2.json'));
    const history = await fake.waitForHistory(promptId);
    const saved = history.outputs['21']?.images ?? [];
    expect(saved.map((i) => i.filename)).toEqual(['job_00001_.png', 'job_00002_.png', 'job_00003_.png']);
    expect(saved[0]?.subfolder).toBe('discord/guild1');
    const temp = history.outputs['20']?.images ?? [];
    expect(temp.map((i) => i.type)).toEqual(['temp', 'temp', 'temp']);
    expect(temp[0]?.filename).toMatch(/^ComfyUI_temp_[a-z]{5}_00001_\.png$/);
    expect(Object.keys(history.meta)).toEqual(['9', '20', '21']);

    const png = Buffer.from(await (await fetch(`${fake.url}/view?filename=job_00002_.png&type=output&subfolder=discord/guild1`)).arrayBuffer());
    expect(png.length).toBeGreaterThan(10 * 1024 * 1024);
    expect(readImageSize(png)).toEqual({ width: 512, height: 512 });

    const size = async (preview: string) =>
      (await (await fetch(`${fake.url}/view?filename=bot_00001_.png&type=output&preview=${preview}`)).arrayBuffer()).byteLength;
    const [low, high] = [await size('jpeg;20'), await size('jpeg;85')];
    expect(low).toBeLessThan(high);
    expect(high).toBeLessThan(png.length);
  });
});

describe('FakeComfy: discovery and proxy prefix', () => {
  it('serves object_info as recorded, with model combos following fake.models', async () => {
    const fake = await startFake();
    const text = await (await fetch(`${fake.url}/object_info`)).text();
    expect(text).toBe(readFileSync(`${RECORDINGS_DIR}object_info.json`, 'utf8'));
    expect(await (await fetch(`${fake.url}/object_info/KSampler`)).text()).toBe(pyJson(exchanges('http.json')[9]?.body ?? null));
    expect(await (await fetch(`${fake.url}/object_info/NotANode`)).text()).toBe('{}');

    fake.models.checkpoints.push('another.safetensors');
    fake.models.loras = ['b.safetensors', 'a.safetensors'];
    const info = toPlain(await getJson(fake, '/object_info/CheckpointLoaderSimple')) as Record<string, { input: { required: { ckpt_name: [string[]] } } }>;
    expect(info['CheckpointLoaderSimple']?.input.required.ckpt_name[0]).toEqual(['another.safetensors', 'random-sd15.safetensors']);
    expect(toPlain(await getJson(fake, '/models/loras'))).toEqual(['a.safetensors', 'b.safetensors']);
    expect((await fetch(`${fake.url}/models/not_a_folder`)).status).toBe(404);
    expect(toPlain(await getJson(fake, '/embeddings'))).toEqual(['easynegative']);
    for (const step of ['system_stats', 'features', 'models']) {
      const recorded = exchanges('http.json').find((e) => e.path === `/${step}`);
      expect(await (await fetch(`${fake.url}/${step}`)).text()).toBe(pyJson(recorded?.body ?? null));
    }
  });

  it('lives under a proxy prefix, /api included, WebSocket too', async () => {
    const fake = await startFake({ basePath: '/comfy' });
    expect(fake.url).toMatch(/\/comfy$/);
    expect(toPlain(await getJson(fake, '/api/prompt'))).toEqual({ exec_info: { queue_remaining: 0 } });
    expect((await fetch(fake.url.replace(/\/comfy$/, '/prompt'))).status).toBe(404);
    const socket = await connect(fake, 'prefixed');
    expect(socket.frames[0]?.kind === 'text' && socket.frames[0].data.sid).toBe('prefixed');
    const request = await fake.waitForRequest((r) => r.route === '/prompt' && r.path === '/api/prompt');
    expect(request.fullPath).toBe('/comfy/api/prompt');
  });
});

describe('FakeComfy: faults', () => {
  it('forgets queue, history and cache on restart, keeps files, comes back on the same port', async () => {
    const fake = await startFake();
    const socket = await connect(fake, 'main-client');
    const promptId = await submit(fake, requestBody('txt2img'));
    await fake.waitForHistory(promptId);
    const port = fake.port;
    await fake.restart();
    await socket.closed;
    expect(fake.port).toBe(port);
    expect(await (await fetch(`${fake.url}/history`)).text()).toBe('{}');
    expect(await (await fetch(`${fake.url}/history/${promptId}`)).text()).toBe('{}');
    expect((await fetch(`${fake.url}/view?filename=bot_00001_.png&type=output`)).status).toBe(200);

    const again = await connect(fake, 'main-client');
    const response = promptAnswer((await post(fake, '/prompt', requestBody('txt2img'))).text);
    expect(response.number).toBe(0);
    const cached = await again.waitForMessage('execution_cached', (d) => d.prompt_id === response.prompt_id);
    expect(cached.data.nodes).toEqual([]);
    const executed = await again.waitForMessage('executed', (d) => d.prompt_id === response.prompt_id);
    expect(executed.data.output?.images[0]?.filename).toBe('bot_00002_.png');
  });

  it('refuses connections while killed and serves again after revive', async () => {
    const fake = await startFake();
    await fake.kill();
    await expect(fetch(`${fake.url}/prompt`)).rejects.toThrow();
    await fake.revive();
    expect((await fetch(`${fake.url}/prompt`)).status).toBe(200);
  });

  it('injects HTTP failures and delays, refuses sockets, and fails nodes on demand', async () => {
    const fake = await startFake();
    fake.failNext({ method: 'POST', path: '/prompt' }, { status: 502, body: 'Bad Gateway', contentType: 'text/plain' });
    const failed = await post(fake, '/prompt', requestBody('txt2img'));
    expect(failed).toEqual({ status: 502, text: 'Bad Gateway', type: 'text/plain' });
    expect(fake.requests.at(-1)?.status).toBe(502);

    fake.delayNext({ path: /\/queue$/ }, 60);
    const started = performance.now();
    expect((await fetch(`${fake.url}/api/queue`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);

    fake.refuseSockets(403);
    await expect(WsRecorder.connect(fake.wsUrl, 'x')).rejects.toThrow('403');
    fake.refuseSockets(null);

    const socket = await connect(fake, 'main-client');
    fake.failNode('KSampler', { exception_type: 'torch.OutOfMemoryError', exception_message: 'CUDA out of memory' }, 1);
    const promptId = await submit(fake, requestBody('txt2img'));
    const error = await socket.waitForMessage('execution_error', (d) => d.prompt_id === promptId);
    expect(error.data).toMatchObject({ node_id: '3', node_type: 'KSampler', exception_type: 'torch.OutOfMemoryError', exception_message: 'CUDA out of memory' });
    expect(error.data.executed).toEqual(['4', '5', '7', '6']);
    const retry = await submit(fake, requestBody('txt2img'));
    expect((await fake.waitForHistory(retry)).status.status_str).toBe('success');

    fake.dropSocketsEvery(10);
    await socket.closed;
    fake.dropSocketsEvery(null);
  });

  it('holds the queue so pending jobs can be observed, then runs them on release', async () => {
    const fake = await startFake();
    fake.hold();
    const a = await submit(fake, requestBody('txt2img'));
    const b = await submit(fake, requestBody('txt2img').replace('"seed": 42', '"seed": 7'));
    expect(fake.queue).toEqual({ running: [], pending: [a, b] });
    fake.release();
    await fake.waitForHistory(b);
    expect(fake.queue).toEqual({ running: [], pending: [] });
  });
});
