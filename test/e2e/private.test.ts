// Private results (/settings private): a user's jobs are shown to them alone,
// their buttons still work, a result that outlives the interaction token comes by
// DM, and with DMs closed it is kept and the user told how to see it with /show.
import { ApplicationCommandOptionType, ComponentType, Locale, MessageFlags, type APIButtonComponentWithCustomId } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness, type HarnessOptions } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const ephemeral = (m: { flags: number }) => (m.flags & MessageFlags.Ephemeral) !== 0;
const jobIdOf = (m: StoredMessage) => /job (\w+)/.exec(m.embeds.at(0)?.footer?.text ?? '')?.[1];

function buttons(m: StoredMessage): APIButtonComponentWithCustomId[] {
  const inRows = m.components.flatMap((row) => (row.type === ComponentType.ActionRow ? row.components : []));
  return inRows.filter((c): c is APIButtonComponentWithCustomId => c.type === ComponentType.Button && 'custom_id' in c);
}

async function privateHarness(options: HarnessOptions = {}, user = 'ana'): Promise<Harness> {
  const harness = await startHarness({ comfy: { stepMs: 0 }, ...options });
  const sent = await harness.discord.sendSubcommand({
    name: 'settings',
    subcommand: 'private',
    user,
    options: [{ name: 'enabled', type: ApplicationCommandOptionType.Boolean, value: true }],
  });
  await harness.discord.waitForMessage((m) => m.interactionToken === sent.token && (m.content ?? '').includes('Private results on'));
  return harness;
}

async function show(h: Harness, job: string, user: string) {
  const sent = await h.discord.sendSlashCommand({ name: 'show', user, options: [{ name: 'job', type: ApplicationCommandOptionType.String, value: job }] });
  return h.discord.waitForMessage((m) => m.interactionToken === sent.token && (m.content ?? '') !== '');
}

describe('private results', () => {
  it("progress and result are visible to the user alone; the buttons still work and the presser's job is private too", async () => {
    h = await privateHarness({ comfy: { stepMs: 30 } });
    const token = await h.generate('txt2img', { prompt: 'only for me', steps: 4 });
    const final = await h.reply(token, isFinal);
    expect(h.discord.interaction(token)?.callbacks[0]).toMatchObject({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    expect(final.history.every(ephemeral)).toBe(true);
    expect(final.history.some((v) => /step \d\/4/.test(v.content))).toBe(true);
    expect(final.attachments).toHaveLength(1);
    // No ❌ on an ephemeral message, and nothing posted in the channel.
    expect(h.discord.requests.some((r) => r.method === 'PUT' && r.route.includes('/reactions/'))).toBe(false);
    expect(h.discord.requests.some((r) => r.method === 'POST' && r.route === `/channels/${h!.discord.channel.id}/messages`)).toBe(false);

    const reroll = buttons(final).find((b) => b.custom_id.startsWith('reroll:'))!;
    const pressed = await h.discord.sendButton({ customId: reroll.custom_id, message: final, user: 'ana' });
    const again = await h.reply(pressed.token, isFinal);
    expect(ephemeral(again)).toBe(true);
    expect(h.bot.ledger.get(jobIdOf(again)!)?.delivery.private).toBe(true);

    // Someone without private results still gets a public job.
    const bob = await h.reply(await h.generate('txt2img', { prompt: 'for all' }, { user: 'bob' }), isFinal);
    expect(ephemeral(bob)).toBe(false);
  });

  it('a private job that outlives the interaction token is delivered by DM, with working buttons', async () => {
    h = await privateHarness();
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'a long one' });
    await h.reply(token, (m) => m.content?.includes('Queued') ?? false);
    h.discord.expireInteraction(token);
    h.comfy.release();
    const dm = h.discord.dmChannelId('ana');
    const delivered = await h.discord.waitForMessage((m) => m.channel_id === dm && isFinal(m));
    expect(delivered.attachments).toHaveLength(1);
    const id = jobIdOf(delivered)!;
    await waitFor(() => h!.bot.ledger.get(id)?.state === 'delivered');
    expect(buttons(delivered).map((b) => b.custom_id)).toContain(`reroll:${id}`);
    // Nothing about it in the channel.
    expect([...h.discord.messages.values()].filter((m) => m.channel_id === h!.discord.channel.id && !m.interactionToken)).toHaveLength(0);
  });

  it('says in the ephemeral reply, before the token runs out, that the result will come by DM', async () => {
    h = await privateHarness({ bot: { tokenMarginMs: 15 * 60_000 } });
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'a long one' });
    await h.reply(token, (m) => m.content?.includes('its result will come to you in a direct message') ?? false);
    h.comfy.release();
    const dm = h.discord.dmChannelId('ana');
    await h.discord.waitForMessage((m) => m.channel_id === dm && isFinal(m));
  });

  it('with DMs closed the result is kept, the user is told to use /show, and /show gives it to them alone', async () => {
    h = await privateHarness();
    h.discord.closeDirectMessages('ana');
    h.comfy.hold();
    const token = await h.generate('txt2img', { prompt: 'secret lighthouse' });
    await h.reply(token, (m) => m.content?.includes('Queued') ?? false);
    h.discord.expireInteraction(token);
    h.comfy.release();
    const told = await h.discord.waitForMessage((m) => m.channel_id === h!.discord.channel.id && (m.content ?? '').includes('/show job:'));
    const id = /`\/show job:(\w+)`/.exec(told.content)![1]!;
    expect(told.content).toBe(
      `<@${h.discord.user('ana').id}> your private job \`${id}\` has finished, but I cannot send you a direct message. Use \`/show job:${id}\` to see it; only you will.`,
    );
    expect(told.content).not.toContain('secret lighthouse');
    expect(told.attachments).toHaveLength(0);

    const mine = await show(h, id, 'ana');
    expect(ephemeral(mine)).toBe(true);
    expect(mine.attachments).toHaveLength(1);
    const theirs = await show(h, id, 'bob');
    expect(theirs.content).toBe('⚠️ That job is private: only the person who started it can show it.');
    const choices = await h.discord.sendAutocomplete({
      name: 'show',
      focused: 'job',
      options: [{ name: 'job', type: ApplicationCommandOptionType.String, value: '' }],
      user: 'bob',
    });
    expect(choices.map((c) => c.value)).not.toContain(id);
  });

  it('tells a Chinese user in Chinese', async () => {
    h = await privateHarness();
    h.discord.closeDirectMessages('ana');
    h.comfy.hold();
    const sent = await h.discord.sendSubcommand({
      name: 'generate',
      subcommand: 'txt2img',
      user: 'ana',
      locale: Locale.ChineseCN,
      options: [{ name: 'prompt', type: ApplicationCommandOptionType.String, value: 'x' }],
    });
    await h.reply(sent.token, (m) => m.history.length > 1);
    h.discord.expireInteraction(sent.token);
    h.comfy.release();
    const told = await h.discord.waitForMessage((m) => m.channel_id === h!.discord.channel.id && (m.content ?? '').includes('/show job:'));
    expect(told.content).toMatch(/你的私密任务 `\w+` 已完成，但我无法给你发送私信。请用 `\/show job:\w+` 查看，只有你能看到。$/);
  });
});
