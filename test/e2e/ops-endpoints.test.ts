// The operator's endpoints (HTTP_PORT) on the real bot: /metrics as Prometheus
// text that follows a job's life, /readyz following the only ComfyUI, and
// nothing secret in any answer.
// undici (7) is imported before the bot on purpose: it then makes the process-wide
// HTTP agent, and the bot's Discord uploads must work all the same.
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { makePng } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { BOT_TOKEN, startHarness, type Harness } from '../support/bot-harness.ts';
import { parsePrometheusText, valueOf, type MetricFamily } from '../support/prometheus-text.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const COMFY_SECRET = 'Bearer comfy-proxy-secret-0123456789';

async function get(h: Harness, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const res = await request(`${h.bot.http!.url}${path}`, { method });
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: await res.body.text() };
}

async function scrape(h: Harness): Promise<Map<string, MetricFamily>> {
  const res = await get(h, '/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.body);
}

/** Polls an endpoint (each answer is a fresh check) until `done` holds, within `withinMs`. */
async function until(h: Harness, path: string, done: (r: { status: number; body: string }) => boolean, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const r = await get(h, path);
    if (done(r)) return r;
    if (Date.now() > deadline) throw new Error(`${path} did not change in ${withinMs} ms; last: ${r.status} ${r.body}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('/metrics', () => {
  it('parses as Prometheus text, and its counters and histograms move with a job’s life', async () => {
    h = await startHarness({ comfy: { stepMs: 10 }, env: { HTTP_PORT: '0', COMFYUI_HEADERS: JSON.stringify({ Authorization: COMFY_SECRET }) } });
    const server = h.comfy.url.replace(/\/$/, '');
    const before = await scrape(h);
    expect(valueOf(before, 'comfycord_jobs_accepted_total', { workflow: 'txt2img' })).toBeUndefined();
    expect(valueOf(before, 'comfycord_server_up', { server })).toBe(1);
    expect(valueOf(before, 'comfycord_bot_queue_depth')).toBe(0);
    expect(valueOf(before, 'comfycord_comfy_socket_reconnects_total', { server })).toBe(0);
    // Default process metrics are there too.
    expect(before.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(before.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');

    // Two jobs wait (the server is held): one pending on the server, the next in the
    // bot's own queue (the server holds BACKEND_QUEUE_DEPTH = 1 of ours). Both count
    // as accepted; neither has started, so no wait is observed yet.
    h.comfy.hold();
    const done = await h.generate('txt2img', { prompt: 'count me in', steps: 3 });
    const cancelled = await h.generate('txt2img', { prompt: 'cancel me later', steps: 3 }, { user: 'bob' });
    const waiting = await h.reply(cancelled, (m) => m.content?.includes('Queued') ?? false);
    await waitFor(() => h!.bot.pool.backends[0]!.queueRemaining === 1, 10_000);
    const holding = await scrape(h);
    expect(valueOf(holding, 'comfycord_jobs_accepted_total', { workflow: 'txt2img' })).toBe(2);
    expect(valueOf(holding, 'comfycord_server_queue_depth', { server })).toBe(1);
    expect(valueOf(holding, 'comfycord_bot_queue_depth')).toBe(1);
    expect(valueOf(holding, 'comfycord_job_wait_seconds_count', { workflow: 'txt2img' })).toBeUndefined();
    expect(valueOf(holding, 'comfycord_jobs_finished_total', { workflow: 'txt2img', outcome: 'cancelled' })).toBeUndefined();

    // The one waiting in the bot is cancelled: it leaves the bot's queue and ends, never having run.
    await h.discord.reactionAdd({ message: waiting.id, user: 'bob', emoji: '❌' });
    await h.reply(cancelled, (m) => m.content?.includes('Cancelled') ?? false);
    const afterCancel = await scrape(h);
    expect(valueOf(afterCancel, 'comfycord_bot_queue_depth')).toBe(0);
    expect(valueOf(afterCancel, 'comfycord_jobs_finished_total', { workflow: 'txt2img', outcome: 'cancelled' })).toBe(1);
    expect(valueOf(afterCancel, 'comfycord_job_duration_seconds_count', { workflow: 'txt2img', outcome: 'cancelled' })).toBeUndefined();
    expect(valueOf(afterCancel, 'comfycord_jobs_finished_total', { workflow: 'txt2img', outcome: 'success' })).toBeUndefined();

    h.comfy.release();
    await h.reply(done, isFinal);
    // An attachment that is no image is refused, by its reason.
    const text = h.discord.addAttachment({ filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.from('hello') });
    await h.reply(await h.generate('img2img', { prompt: 'x' }, { attachments: { image: text } }), (m) => m.content?.includes('is not an image') ?? false);

    const after = await scrape(h);
    expect(valueOf(after, 'comfycord_jobs_accepted_total', { workflow: 'txt2img' })).toBe(2);
    expect(valueOf(after, 'comfycord_jobs_finished_total', { workflow: 'txt2img', outcome: 'success' })).toBe(1);
    expect(valueOf(after, 'comfycord_jobs_finished_total', { workflow: 'txt2img', outcome: 'cancelled' })).toBe(1);
    expect(valueOf(after, 'comfycord_job_duration_seconds_count', { workflow: 'txt2img', outcome: 'success' })).toBe(1);
    expect(valueOf(after, 'comfycord_job_duration_seconds_sum', { workflow: 'txt2img', outcome: 'success' })).toBeGreaterThan(0);
    expect(valueOf(after, 'comfycord_job_wait_seconds_count', { workflow: 'txt2img' })).toBe(1);
    expect(valueOf(after, 'comfycord_attachments_refused_total', { reason: 'attachment.not_image' })).toBe(1);
    expect(valueOf(after, 'comfycord_requests_refused_total', { reason: 'attachment.not_image' })).toBe(1);
    // Discord traffic by client and route class: the reply edits went with the interaction token.
    expect(valueOf(after, 'comfycord_discord_requests_total', { client: 'interaction', route: 'interaction_webhook', status: '200' })).toBeGreaterThan(0);
    expect(valueOf(after, 'comfycord_discord_requests_total', { client: 'bot', route: 'interaction_callback', status: '200' })).toBeGreaterThan(0);
    expect(valueOf(after, 'comfycord_discord_requests_total', { client: 'bot', route: 'commands', status: '200' })).toBe(1);
    const routes = new Set(after.get('comfycord_discord_requests_total')!.samples.map((s) => s.labels['route']));
    expect([...routes].every((r) => ['interaction_callback', 'interaction_webhook', 'reactions', 'channel_messages', 'commands', 'gateway', 'guild_members', 'channels', 'users', 'other'].includes(r!))).toBe(true);

    // A dropped socket is counted when it reconnects.
    const opened = new Promise<void>((resolve) => h!.bot.pool.backends[0]!.client.once('open', () => resolve()));
    h.comfy.dropSockets();
    await opened;
    const dropped = await scrape(h);
    expect(valueOf(dropped, 'comfycord_comfy_socket_reconnects_total', { server })).toBe(1);
    expect(valueOf(dropped, 'comfycord_comfy_socket_closes_total', { server })).toBe(1);
  });

  it('counts Discord 429s by route class', async () => {
    h = await startHarness({ comfy: { stepMs: 0 }, env: { HTTP_PORT: '0' } });
    h.discord.respondNext(
      { method: 'PUT', path: /\/reactions\// },
      { status: 429, headers: { 'retry-after': '0', 'x-ratelimit-scope': 'user' }, json: { message: 'You are being rate limited.', retry_after: 0, global: false } },
    );
    await h.reply(await h.generate('txt2img', { prompt: 'slow down' }), isFinal);
    await h.discord.waitForRequest((r) => r.method === 'PUT' && (r.route ?? '').includes('/reactions/') && r.status === 204);
    const metrics = await scrape(h);
    expect(valueOf(metrics, 'comfycord_discord_429_total', { client: 'bot', route: 'reactions', scope: 'user' })).toBe(1);
    expect(valueOf(metrics, 'comfycord_discord_requests_total', { client: 'bot', route: 'reactions', status: '429' })).toBe(1);
  });
});

describe('/healthz and /readyz', () => {
  it('/readyz turns 503 within 15 s when the only ComfyUI dies, naming it, and 200 when it returns; /healthz stays 200', async () => {
    h = await startHarness({ env: { HTTP_PORT: '0' }, bot: { healthIntervalMs: 1_000 } });
    const ready = await get(h, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'ready',
      notReady: [],
      checks: {
        discord_gateway: { ok: true },
        database: { ok: true },
        comfyui: { ok: true, servers: [{ server: h.comfy.url.replace(/\/$/, ''), healthy: true }] },
      },
    });
    const killedAt = Date.now();
    await h.comfy.kill();
    const down = await until(h, '/readyz', (r) => r.status === 503, 15_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(JSON.parse(down.body)).toMatchObject({ status: 'not ready', notReady: ['comfyui'], checks: { comfyui: { ok: false, servers: [{ healthy: false }] } } });
    expect((await get(h, '/healthz')).status).toBe(200);
    await h.comfy.revive();
    await until(h, '/readyz', (r) => r.status === 200, 15_000);
  });

  it('answers HEAD, refuses other methods and paths', async () => {
    h = await startHarness({ env: { HTTP_PORT: '0' } });
    expect(await get(h, '/healthz')).toMatchObject({ status: 200, type: 'application/json', body: '{"status":"ok"}\n' });
    expect(await get(h, '/healthz', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await get(h, '/metrics?x=1')).status).toBe(200);
    expect((await get(h, '/readyz', 'POST')).status).toBe(405);
    expect((await get(h, '/')).status).toBe(404);
    expect((await get(h, '/../etc/passwd')).status).toBe(404);
  });

  it('without HTTP_PORT there is no server', async () => {
    h = await startHarness();
    expect(h.bot.http).toBeUndefined();
  });
});

describe('nothing secret', () => {
  it('no token, header value, prompt, user name or id appears in /metrics, /healthz or /readyz', async () => {
    const prompt = 'a very private prompt about my neighbour';
    h = await startHarness({
      comfy: { stepMs: 0 },
      env: { HTTP_PORT: '0', COMFYUI_HEADERS: JSON.stringify({ Authorization: COMFY_SECRET }), BANNED_WORDS: 'forbidden' },
    });
    const image = h.discord.addAttachment({ filename: 'secret-holiday.png', contentType: 'image/png', bytes: makePng(16, 16, [9, 9, 9]) });
    const token = await h.generate('img2img', { prompt }, { user: 'Zelda Secretname', attachments: { image } });
    await h.reply(token, isFinal);
    await h.reply(await h.generate('txt2img', { prompt: 'something forbidden' }, { user: 'Zelda Secretname' }), (m) => m.content?.includes('not allowed') ?? false);
    await h.comfy.kill();
    const bodies = [await get(h, '/metrics'), await get(h, '/healthz'), await until(h, '/readyz', (r) => r.status === 503, 15_000)].map((r) => r.body).join('\n');
    const user = h.discord.user('Zelda Secretname');
    for (const secret of [BOT_TOKEN, COMFY_SECRET, 'comfy-proxy-secret', token, prompt, 'neighbour', 'forbidden', user.id, user.username, 'Zelda', 'secret-holiday', h.dataDir]) {
      expect(bodies, `the answers contain ${secret}`).not.toContain(secret);
    }
  });
});
