// Bad input table (R6), what a user can send: option values the Discord client
// would let through (the fake Discord does not enforce min/max, so the bot's own
// checks answer), bad attachments, and ComfyUI refusing the submission. Each gets
// a specific message saying what was wrong and what to do; the bot keeps going.
// Also covered elsewhere: a non-image attachment, an unknown checkpoint and
// ComfyUI being down (generate.test.ts). Every row runs for an English and a
// Chinese user: the same message, in each one's language.
import { Locale } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { makePng } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** What each row says, in each language. */
const SAYS = {
  [Locale.EnglishUS]: {
    tooLong: '⚠️ prompt is too long: 6000 characters, at most 4000',
    steps: (n: number) => `⚠️ steps must be between 1 and 150 (got ${n})`,
    seedNegative: '⚠️ seed must be between 0 and 9007199254740991 (got -1)',
    seedHuge: /^⚠️ seed must be between 0 and 9007199254740991 \(got 1844674407370955\d+\)$/,
    width: '⚠️ width must be a multiple of 8 (got 500; try 496 or 504)',
    declaredTooLarge: '⚠️ The image "huge.png" is 30 MB; the limit is 1 MB. Attach a smaller file.',
    actuallyTooLarge: '⚠️ The image "liar.png" is larger than 1 MB. Attach a smaller file.',
    notDiscord: '⚠️ The image "cat.png" is not hosted on Discord, so it cannot be used. Upload the file itself.',
    http500: /^⚠️ ComfyUI had an internal error \(HTTP 500\) and did not queue the job\. Try again/,
    notJson: /^⚠️ ComfyUI answered with something the bot cannot read .*so the job was not queued\. Tell the server owner\.$/,
    lost: 'your job was lost',
  },
  [Locale.ChineseCN]: {
    tooLong: '⚠️ prompt 太长了：共 6000 个字符，最多 4000 个',
    steps: (n: number) => `⚠️ steps 必须在 1 到 150 之间（收到的是 ${n}）`,
    seedNegative: '⚠️ seed 必须在 0 到 9007199254740991 之间（收到的是 -1）',
    seedHuge: /^⚠️ seed 必须在 0 到 9007199254740991 之间（收到的是 1844674407370955\d+）$/,
    width: '⚠️ width 必须是 8 的倍数（收到的是 500；可以试试 496 或 504）',
    declaredTooLarge: '⚠️ image 选项的文件“huge.png”大小为 30 MB，上限为 1 MB。请附上更小的文件。',
    actuallyTooLarge: '⚠️ image 选项的文件“liar.png”超过了 1 MB。请附上更小的文件。',
    notDiscord: '⚠️ image 选项的文件“cat.png”不在 Discord 上，无法使用。请直接上传文件本身。',
    http500: /^⚠️ ComfyUI 发生了内部错误（HTTP 500），没有把任务加入队列。请重试/,
    notJson: /^⚠️ ComfyUI 返回了机器人无法识别的内容.*所以任务没有加入队列。请告诉服务器所有者。$/,
    lost: '你的任务丢失了',
  },
};
const LOCALES = [Locale.EnglishUS, Locale.ChineseCN] as const;

// Bob, who checks that the bot still serves others, writes in English.
const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const isWarning = (m: StoredMessage) => m.content?.startsWith('⚠️') ?? false;
const submits = (h: Harness) => h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt');

/** Sends `/generate txt2img` as ana with `values` and resolves with the warning she gets. */
async function refusal(h: Harness, values: Record<string, string | number | boolean>): Promise<string> {
  const token = await h.generate('txt2img', { prompt: 'a lighthouse', ...values });
  const reply = await h.reply(token, isWarning);
  // One answer, and it stays: no job message follows the warning.
  expect(reply.history.filter((v) => v.content.startsWith('⚠️'))).toHaveLength(1);
  expect(reply.components ?? []).toEqual([]);
  return reply.content;
}

/** Another user's job, started now, still runs to the end. */
async function bobStillServed(h: Harness): Promise<void> {
  const token = await h.generate('txt2img', { prompt: "bob's picture", steps: 2 }, { user: 'bob', locale: Locale.EnglishUS });
  const final = await h.reply(token, isFinal);
  expect(final.content).toContain(`<@${h.discord.user('bob').id}>`);
}

describe.each(LOCALES)('option values the bot must check itself (%s)', (locale) => {
  const says = SAYS[locale];

  it('a 6,000-character prompt: says how long it is and the limit; nothing reaches ComfyUI', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    const text = await refusal(h, { prompt: 'x'.repeat(6000) });
    expect(text).toBe(says.tooLong);
    expect(submits(h)).toHaveLength(0);
    expect(h.comfy.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
    await bobStillServed(h);
  });

  it('steps 0 and 10,000: each says the allowed range and what was sent', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    const [zero, many] = await Promise.all([refusal(h, { steps: 0 }), refusal(h, { steps: 10_000 })]);
    expect(zero).toBe(says.steps(0));
    expect(many).toBe(says.steps(10000));
    expect(submits(h)).toHaveLength(0);
    await bobStillServed(h);
  });

  it('a negative or a huge seed: says the allowed range', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    const [negative, huge] = await Promise.all([refusal(h, { seed: -1 }), refusal(h, { seed: 2 ** 64 })]);
    expect(negative).toBe(says.seedNegative);
    expect(huge).toMatch(says.seedHuge);
    expect(submits(h)).toHaveLength(0);
    await bobStillServed(h);
  });

  it('a width that is not a multiple of 8: says so and offers the two nearest sizes', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    const text = await refusal(h, { width: 500 });
    expect(text).toBe(says.width);
    expect(submits(h)).toHaveLength(0);
    await bobStillServed(h);
  });
});

describe.each(LOCALES)('attachments (%s)', (locale) => {
  const png = makePng(32, 32, [10, 20, 30]);
  const says = SAYS[locale];

  it('larger than the limit by its declared size: refused before a byte is downloaded', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { MAX_ATTACHMENT_MB: '1' }, locale });
    const image = h.discord.addAttachment({ filename: 'huge.png', contentType: 'image/png', bytes: png, sizeOverride: 30 * 1024 * 1024 });
    const token = await h.generate('img2img', { prompt: 'x' }, { attachments: { image } });
    const reply = await h.reply(token, isWarning);
    expect(reply.content).toBe(says.declaredTooLarge);
    expect(h.discord.downloads).toHaveLength(0);
    expect(h.comfy.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
    await bobStillServed(h);
  });

  it('larger than it claims: the download stops at the limit and says so', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { MAX_ATTACHMENT_MB: '1' }, locale });
    // A real PNG padded to 3 MB behind an attachment that says it is 1 KB.
    const bytes = Buffer.concat([png, Buffer.alloc(3 * 1024 * 1024)]);
    const image = h.discord.addAttachment({ filename: 'liar.png', contentType: 'image/png', bytes, sizeOverride: 1024 });
    const token = await h.generate('img2img', { prompt: 'x' }, { attachments: { image } });
    const reply = await h.reply(token, isWarning);
    expect(reply.content).toBe(says.actuallyTooLarge);
    // The download was started (the size check is on the transfer, not on the claim).
    expect(h.discord.downloads.map((d) => d.filename)).toEqual(['liar.png']);
    expect(h.comfy.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
    await bobStillServed(h);
  });

  it('hosted anywhere but the allowed CDN: refused, and the other host is never contacted', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    // Looks like a Discord attachment, but its address is another server on 127.0.0.1 (here, the fake ComfyUI).
    const image = {
      id: '1300000000000000001',
      filename: 'cat.png',
      size: png.length,
      url: `http://127.0.0.1:${h.comfy.port}/view?filename=cat.png&type=input`,
      proxy_url: `http://127.0.0.1:${h.comfy.port}/view?filename=cat.png&type=input`,
      content_type: 'image/png',
      width: 32,
      height: 32,
    };
    const token = await h.generate('img2img', { prompt: 'x' }, { attachments: { image } });
    const reply = await h.reply(token, isWarning);
    expect(reply.content).toBe(says.notDiscord);
    expect(h.comfy.requests.some((r) => r.path === '/view')).toBe(false);
    expect(h.discord.downloads).toHaveLength(0);
    await bobStillServed(h);
  });
});

describe.each(LOCALES)('ComfyUI refusing POST /prompt (%s)', (locale) => {
  const says = SAYS[locale];

  it('HTTP 500: says ComfyUI had an internal error and the job was not queued', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    h.comfy.failNext({ method: 'POST', path: '/prompt' }, { status: 500, body: '500 Internal Server Error', contentType: 'text/plain' });
    const text = await refusal(h, {});
    expect(text).toMatch(says.http500);
    await bobStillServed(h);
    expect(h.logs.some((l) => l.includes('"level":"error"'))).toBe(false);
  });

  it('an answer that is not JSON: says the answer could not be read and to tell the server owner', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, locale });
    h.comfy.failNext({ method: 'POST', path: '/prompt' }, { status: 200, body: '<html><body>Welcome to nginx!</body></html>', contentType: 'text/html' });
    const text = await refusal(h, {});
    expect(text).toMatch(says.notJson);
    await bobStillServed(h);
  });

  it('no answer within COMFYUI_TIMEOUT_MS: the prompt is followed anyway, and ends as lost with a Retry when ComfyUI never queued it', async () => {
    h = await startHarness({ comfy: { stepMs: 1 }, env: { COMFYUI_TIMEOUT_MS: '300' }, locale });
    // Long enough that the bot's check of /queue and /history comes first even on a busy machine.
    h.comfy.delayNext({ method: 'POST', path: '/prompt' }, 3_000);
    const token = await h.generate('txt2img', { prompt: 'a lighthouse' });
    const reply = await h.reply(token, (m) => m.content.includes(says.lost));
    expect(JSON.stringify(reply.components)).toContain('retry:');
    await bobStillServed(h);
  });
});
