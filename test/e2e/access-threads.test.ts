// ALLOWED_CHANNELS and threads: a thread is part of its channel, so allowing a
// channel allows its threads (as NSFW follows the parent), and nothing else.
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const refused = (m: StoredMessage) => m.content?.includes('This bot only works in') ?? false;

describe('ALLOWED_CHANNELS', () => {
  it('allows the threads of an allowed channel, and refuses those of another channel before anything reaches ComfyUI', async () => {
    const ART = '1300000000000000011';
    const CHAT = '1300000000000000012';
    h = await startHarness({
      comfy: { stepMs: 0 },
      discord: { guild: { channels: [{ id: ART, name: 'art' }, { id: CHAT, name: 'chat' }] } },
      env: { ALLOWED_CHANNELS: ART },
    });
    const [art, chat] = h.discord.guild.channels;
    const artThread = await h.discord.addThread({ parentId: art!.id, name: 'cats' });
    const chatThread = await h.discord.addThread({ parentId: chat!.id, name: 'off-topic' });
    const posts = () => h!.comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;

    const inChatThread = await h.generate('txt2img', { prompt: 'a cat' }, { channelId: chatThread.id });
    expect((await h.reply(inChatThread, refused)).content).toContain(`<#${art!.id}>`);
    expect(posts()).toBe(0);

    const inArtThread = await h.generate('txt2img', { prompt: 'a cat' }, { channelId: artThread.id });
    const done = await h.reply(inArtThread, isFinal);
    expect(done.channel_id).toBe(artThread.id);
    expect(posts()).toBe(1);
  });
});
