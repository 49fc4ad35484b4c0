// Bad input table (R6), Discord answering badly and people doing odd things:
// 429, 413, an expired interaction token, a deleted job message, cancels of
// finished jobs and two cancels at once, the bot restarting mid-job. The result
// still reaches its user, once. (Someone else's ❌ is in cancel.test.ts.) Every row
// runs for an English and a Chinese user: what they read is in their language.
import { ApplicationCommandOptionType, Locale, PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoggedRequest, StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait.ts';

const started: Harness[] = [];
afterEach(async () => {
  // A restarted bot shares the fakes of the first harness: stop the newest first.
  for (const h of started.reverse()) await h.stop();
  started.length = 0;
});

/** What the rows look for, in each language. */
const WORDS = {
  [Locale.EnglishUS]: {
    done: 'done in',
    queued: 'Queued',
    running: /step \d+\//,
    seed: 'Seed',
    tooLarge: (job: string) =>
      new RegExp(`ℹ️ Discord refused the files as too large \\(\`discord_\\d+_\\.png\`\\), so the message has none; they stay on the ComfyUI server: \`/history job:${job}\` shows how to get them\\.`),
    deleted: '(The original message of this job was deleted.)',
    buttonTooLate: 'That job had already finished.',
    slashTooLate: (id: string) => `Job \`${id}\` had already finished; nothing to cancel.`,
    tooLate: 'already finished',
    cancelledBy: (user: string) => `Cancelled by <@${user}>.`,
    cancelledByAnyone: /Cancelled by <@\d+>\./,
  },
  [Locale.ChineseCN]: {
    done: '已完成，用时',
    queued: '排队中',
    running: /第 \d+\/\d+ 步/,
    seed: '种子',
    tooLarge: (job: string) => new RegExp(`ℹ️ Discord 认为这些文件太大而拒收（\`discord_\\d+_\\.png\`），所以这条消息里没有文件；它们仍保存在 ComfyUI 服务器上：\`/history job:${job}\` 会告诉你如何获取。`),
    deleted: '（此任务原来的消息已被删除。）',
    buttonTooLate: '该任务已经结束了。',
    slashTooLate: (id: string) => `任务 \`${id}\` 已经结束，无需取消。`,
    tooLate: '已经结束',
    cancelledBy: (user: string) => `已被 <@${user}> 取消。`,
    cancelledByAnyone: /已被 <@\d+> 取消。/,
  },
};

describe.each([Locale.EnglishUS, Locale.ChineseCN] as const)('for a user whose Discord speaks %s', (locale) => {
  const w = WORDS[locale];
  const isFinal = (m: StoredMessage) => m.content?.includes(w.done) ?? false;
  const isQueued = (m: StoredMessage) => m.content?.includes(w.queued) ?? false;
  const isRunning = (m: StoredMessage) => w.running.test(m.content ?? '');
  // Bob, who shows the bot still serves others, writes in English.
  const isBobsFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;

  async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
    const h = await startHarness({ locale, ...options });
    started.push(h);
    return h;
  }

  const ORIGINAL = /\/webhooks\/\d+\/[^/]+\/messages\/@original$/;
  const contentOf = (r: LoggedRequest) => ((r.payload ?? r.json) as { content?: string } | undefined)?.content ?? '';
  const writesContaining = (h: Harness, text: string) =>
    h.discord.requests.filter((r) => (r.method === 'PATCH' || r.method === 'POST') && contentOf(r).includes(text));
  /** The fake logs a request once it has answered it, just after the message store changed. */
  const answered = (h: Harness, text: string) => h.discord.waitForRequest((r) => r.status === 200 && contentOf(r).includes(text));

  /**
   * A job whose next write to its message is the final one: edits are throttled to one a
   * minute, so after the first "Queued" edit only the final (which is never throttled) goes out.
   */
  async function jobBeforeItsFinalEdit(h: Harness): Promise<{ token: string; message: StoredMessage }> {
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'one edit left', steps: 2 });
    const message = await h.reply(token, isQueued);
    return { token, message };
  }


  describe('Discord answering with errors', () => {
    it('429 on the final edit: the bot waits retry_after, sends it again, and the result arrives', async () => {
      const h = await harness({ comfy: { stepMs: 1 }, env: { EDIT_INTERVAL_MS: '60000' } });
      const { token } = await jobBeforeItsFinalEdit(h);
      h.discord.respondNext(
        { method: 'PATCH', path: ORIGINAL },
        {
          status: 429,
          json: { message: 'You are being rate limited.', retry_after: 0.3, global: false },
          headers: { 'retry-after': '0.3', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '0.3', 'x-ratelimit-bucket': 'webhook', 'x-ratelimit-scope': 'user' },
        },
      );
      h.comfy.release();
      const final = await h.reply(token, isFinal);
      expect(final.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.png$/)]);
      await answered(h, w.done);
      const finals = writesContaining(h, w.done);
      expect(finals.map((r) => r.status)).toEqual([429, 200]);
      expect(finals[1]!.at - finals[0]!.at).toBeGreaterThanOrEqual(250);
      expect(h.logs.some((l) => l.includes('could not deliver'))).toBe(false);
    });

    it('413 on the final edit: the result is posted without the images and says why and where they are', async () => {
      const h = await harness({ comfy: { stepMs: 1 }, env: { EDIT_INTERVAL_MS: '60000' } });
      const { token, message } = await jobBeforeItsFinalEdit(h);
      h.discord.respondNext({ method: 'PATCH', path: ORIGINAL }, { status: 413, json: { message: 'Request entity too large', code: 40005 } });
      h.comfy.release();
      const final = await h.reply(token, isFinal);
      expect(final.id).toBe(message.id);
      expect(final.content).toMatch(w.tooLarge(h.bot.ledger.byMessageId(message.id)!.id));
      expect(final.attachments).toEqual([]);
      expect(final.embeds?.[0]?.image).toBeUndefined();
      expect(final.embeds?.[0]?.fields?.find((f) => f.name === w.seed)).toBeDefined();
      await waitFor(() => h.bot.ledger.byMessageId(message.id)?.state === 'delivered');
    });

    it('401 (interaction token expired): the job carries on in a channel message that gets the result', async () => {
      const h = await harness({ comfy: { stepMs: 1 } });
      h.comfy.hold();
      const token = await h.generate('txt2img', { prompt: 'a long job', steps: 3 });
      const reply = await h.reply(token, isQueued);
      const job = h.bot.ledger.byMessageId(reply.id)!;
      h.discord.expireInteraction(token);
      h.comfy.release();
      const final = await h.discord.waitForMessage((m) => m.interactionToken === undefined && isFinal(m));
      expect(final.channel_id).toBe(h.discord.channel.id);
      expect(final.content).toContain(`<@${h.discord.user('ana').id}> ${w.done}`);
      expect(final.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.png$/)]);
      await waitFor(() => h.bot.ledger.get(job.id)?.state === 'delivered');
      expect(h.bot.ledger.get(job.id)?.delivery.channelMessageId).toBe(final.id);
      expect(h.discord.requests.some((r) => r.status === 401 && ORIGINAL.test(r.path))).toBe(true);
    });

    it('404 (job message deleted by a moderator): the result is posted as a new channel message mentioning the user', async () => {
      const h = await harness({ comfy: { stepMs: 1 } });
      h.comfy.hold();
      const token = await h.generate('txt2img', { prompt: 'deleted under me', steps: 3 });
      const reply = await h.reply(token, isQueued);
      const job = h.bot.ledger.byMessageId(reply.id)!;
      await h.discord.deleteMessage(reply.id);
      h.comfy.release();
      const final = await h.discord.waitForMessage((m) => m.id !== reply.id && isFinal(m));
      expect(final.channel_id).toBe(h.discord.channel.id);
      expect(final.content).toContain(`<@${h.discord.user('ana').id}> ${w.done}`);
      expect(final.content).toContain(w.deleted);
      expect(final.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.png$/)]);
      await waitFor(() => h.bot.ledger.get(job.id)?.state === 'delivered');
      await answered(h, w.done);
      expect(writesContaining(h, w.done).filter((r) => r.status === 200)).toHaveLength(1);
    });
  });

  describe('cancels that come too late or twice', () => {
    it('cancelling a job that already finished (button, ❌ or /cancel): says so and touches nothing', async () => {
      const h = await harness({ comfy: { stepMs: 1 } });
      const token = await h.generate('txt2img', { prompt: 'finished', steps: 2 });
      const final = await h.reply(token, isFinal);
      const job = h.bot.ledger.byMessageId(final.id)!;
      await waitFor(() => h.bot.ledger.get(job.id)?.state === 'delivered');

      const button = await h.discord.sendButton({ customId: `cancel:${job.id}`, message: final.id, user: 'ana', locale });
      const told = await h.discord.waitForMessage((m) => m.interactionToken === button.token && (m.content?.includes(w.tooLate) ?? false));
      expect(told.content).toBe(w.buttonTooLate);

      await h.discord.reactionAdd({ message: final.id, user: 'ana', emoji: '❌' });
      await waitFor(() => h.logs.some((l) => l.includes('cancel by reaction') && l.includes('already-finished')));

      const slash = await h.discord.sendSlashCommand({
        name: 'cancel',
        user: 'ana',
        locale,
        options: [{ name: 'job', type: ApplicationCommandOptionType.String, value: job.id }],
      });
      const answer = await h.discord.waitForMessage((m) => m.interactionToken === slash.token && (m.content?.includes(w.tooLate) ?? false));
      expect(answer.content).toBe(w.slashTooLate(job.id));

      expect(h.comfy.requests.some((r) => r.method === 'POST' && (r.path === '/interrupt' || r.path === '/queue'))).toBe(false);
      expect(h.discord.messages.get(final.id)?.content).toBe(final.content);
      expect(h.bot.ledger.get(job.id)?.outcome).toBe('success');
    });

    it('Cancel button and ❌ at the same moment on a running job: one interrupt, one "Cancelled by"', async () => {
      const h = await harness({ comfy: { stepMs: 40 } });
      const token = await h.generate('txt2img', { prompt: 'cancel me twice', steps: 150 });
      const message = await h.reply(token, isRunning);
      const job = h.bot.ledger.byMessageId(message.id)!;
      const ana = h.discord.user('ana').id;
      await Promise.all([
        h.discord.sendButton({ customId: `cancel:${job.id}`, message: message.id, user: 'ana', locale }),
        h.discord.reactionAdd({ message: message.id, user: 'ana', emoji: '❌' }),
      ]);
      await h.reply(token, (m) => m.content?.includes(w.cancelledBy(ana)) ?? false);
      await waitFor(() => h.logs.some((l) => l.includes('cancel by reaction')));
      expect(h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/interrupt').map((r) => r.json)).toEqual([{ prompt_id: job.promptId }]);
      expect(h.bot.ledger.get(job.id)?.outcome).toBe('cancelled');
      // Another user's job runs next; by then any answer to the second cancel would have been sent.
      h.comfy.stepMs = 1;
      const bob = await h.generate('txt2img', { prompt: 'next', steps: 2 }, { user: 'bob', locale: Locale.EnglishUS });
      await h.reply(bob, isBobsFinal);
      await answered(h, w.cancelledBy(ana));
      expect(writesContaining(h, w.cancelledBy(ana))).toHaveLength(1);
      expect(writesContaining(h, w.tooLate)).toHaveLength(0);
    });

    it('a moderator\'s button and the owner\'s ❌ at once on a waiting job: one queue delete, one "Cancelled by"', async () => {
      const h = await harness({ comfy: { stepMs: 1 } });
      h.comfy.hold();
      const token = await h.generate('txt2img', { prompt: 'waiting, cancelled twice' });
      const message = await h.reply(token, isQueued);
      const job = h.bot.ledger.byMessageId(message.id)!;
      await Promise.all([
        h.discord.sendButton({
          customId: `cancel:${job.id}`,
          message: message.id,
          user: 'mod',
          locale,
          permissions: PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ViewChannel,
        }),
        h.discord.reactionAdd({ message: message.id, user: 'ana', emoji: '❌' }),
      ]);
      await h.reply(token, (m) => w.cancelledByAnyone.test(m.content ?? ''));
      await waitFor(() => h.logs.some((l) => l.includes('cancel by reaction')));
      expect(h.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/queue').map((r) => r.json)).toEqual([{ delete: [job.promptId] }]);
      h.comfy.release();
      const bob = await h.generate('txt2img', { prompt: 'next', steps: 2 }, { user: 'bob', locale: Locale.EnglishUS });
      await h.reply(bob, isBobsFinal);
      await h.discord.waitForRequest((r) => r.status === 200 && w.cancelledByAnyone.test(contentOf(r)));
      expect(h.discord.requests.filter((r) => (r.method === 'PATCH' || r.method === 'POST') && w.cancelledByAnyone.test(contentOf(r)))).toHaveLength(1);
      expect(writesContaining(h, w.tooLate)).toHaveLength(0);
      expect(h.comfy.queue).toEqual({ running: [], pending: [] });
    });
  });

  describe('the bot restarting mid-job', () => {
    it('the job finishes while the bot is down; after the restart its result arrives, once', async () => {
      const first = await harness({ comfy: { stepMs: 10 } });
      const token = await first.generate('txt2img', { prompt: 'across a restart', steps: 30 });
      const running = await first.reply(token, isRunning);
      const job = first.bot.ledger.byMessageId(running.id)!;
      await first.stopBot();
      await first.comfy.waitForHistory(job.promptId);

      const second = await harness({ reuse: { comfies: first.comfies, discord: first.discord, dataDir: first.dataDir } });
      const final = await second.reply(token, isFinal);
      expect(final.id).toBe(running.id);
      expect(final.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.png$/)]);
      await waitFor(() => second.bot.ledger.get(job.id)?.state === 'delivered');
      await answered(second, w.done);
      // Once: no second post and no second final edit.
      expect(writesContaining(second, w.done).filter((r) => r.status === 200)).toHaveLength(1);
      expect(first.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1);
      // The restarted bot keeps serving.
      const next = await second.generate('txt2img', { prompt: 'after the restart', steps: 2 }, { user: 'bob', locale: Locale.EnglishUS });
      await second.reply(next, isBobsFinal);
    });
  });
});
