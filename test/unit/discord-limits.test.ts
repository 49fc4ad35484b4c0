// The net under every request the bot sends Discord: texts over Discord's limits are cut to fit.
import { describe, expect, it } from 'vitest';
import { createDiscordClient, createInteractionRest, closeRest } from '../../src/discord/client.ts';
import { clip, fitRequest, fitToLimits } from '../../src/discord/limits.ts';

const points = (s: string) => Array.from(s).length;

describe('clip', () => {
  it('leaves a text within the limit alone and cuts a longer one to the limit, ending in …', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('x'.repeat(2001), 2000)).toBe(`${'x'.repeat(1999)}…`);
  });

  it('counts code points as Discord does and never splits a character', () => {
    const emoji = '😀'.repeat(1500); // 3,000 UTF-16 units, 1,500 characters
    expect(clip(emoji, 2000)).toBe(emoji);
    const clipped = clip('😀'.repeat(2001), 2000);
    expect(points(clipped)).toBe(2000);
    expect(clipped.endsWith('😀…')).toBe(true);
  });
});

describe('fitToLimits', () => {
  it('a message: content and every embed text', () => {
    const body = {
      content: 'c'.repeat(2500),
      embeds: [{ title: 't'.repeat(300), description: 'd'.repeat(5000), footer: { text: 'f'.repeat(3000) }, author: { name: 'a'.repeat(300) }, fields: [{ name: 'n'.repeat(300), value: 'v'.repeat(2000) }] }],
    };
    expect(fitToLimits(body)).toEqual([
      'content',
      'embeds[0].title',
      'embeds[0].description',
      'embeds[0].footer.text',
      'embeds[0].author.name',
      'embeds[0].fields[0].name',
      'embeds[0].fields[0].value',
    ]);
    expect(body.content).toHaveLength(2000);
    const [embed] = body.embeds;
    expect([embed!.title.length, embed!.description.length, embed!.footer.text.length, embed!.author.name.length]).toEqual([256, 4096, 2048, 256]);
    expect([embed!.fields[0]!.name.length, embed!.fields[0]!.value.length]).toEqual([256, 1024]);
  });

  it('interaction callbacks: a message, a modal title, autocomplete choices', () => {
    const reply = { type: 4, data: { content: 'x'.repeat(2001) } };
    expect(fitToLimits(reply)).toEqual(['data.content']);
    const modal = { type: 9, data: { custom_id: 'm', title: 't'.repeat(60), components: [] } };
    expect(fitToLimits(modal)).toEqual(['data.title']);
    expect(modal.data.title).toHaveLength(45);
    const choices = { type: 8, data: { choices: [{ name: 'ok', value: 'ok' }, { name: 'n'.repeat(150), value: 'v' }] } };
    expect(fitToLimits(choices)).toEqual(['data.choices[1].name']);
  });

  it('leaves what fits, and bodies that are not messages (command lists), untouched', () => {
    const body = { content: 'fine', embeds: [{ title: 'ok' }] };
    expect(fitToLimits(body)).toEqual([]);
    expect(body).toEqual({ content: 'fine', embeds: [{ title: 'ok' }] });
    expect(fitToLimits([{ name: 'generate', description: 'd'.repeat(3000) }])).toEqual([]);
  });
});

describe('fitRequest', () => {
  it('rewrites a JSON body or a multipart payload_json only when something was cut', () => {
    const small = { body: JSON.stringify({ content: 'hello' }) };
    const before = small.body;
    expect(fitRequest(small)).toEqual([]);
    expect(small.body).toBe(before);

    const long = { body: JSON.stringify({ content: 'x'.repeat(2100), allowed_mentions: { parse: [] } }) };
    expect(fitRequest(long)).toEqual(['content']);
    expect(JSON.parse(long.body)).toEqual({ content: `${'x'.repeat(1999)}…`, allowed_mentions: { parse: [] } });

    const form = new FormData();
    form.append('payload_json', JSON.stringify({ content: 'y'.repeat(2100), attachments: [{ id: '0', filename: 'a.png' }] }));
    form.append('files[0]', new Blob([Buffer.from('png')]), 'a.png');
    expect(fitRequest({ body: form })).toEqual(['content']);
    expect((JSON.parse(form.get('payload_json') as string) as { content: string }).content).toHaveLength(2000);
    expect((form.get('files[0]') as File).name).toBe('a.png');
  });
});

describe('the discord.js client', () => {
  it('sends every request through the net, the interaction REST client too', async () => {
    const sent: string[] = [];
    const shortened: string[][] = [];
    const client = createDiscordClient({
      apiUrl: 'http://127.0.0.1:9/api',
      extra: {
        rest: {
          retries: 0,
          makeRequest: async (_url, init) => {
            if (typeof init.body !== 'string') throw new Error('expected a JSON body');
            sent.push(init.body);
            return new Response(JSON.stringify({ id: '1' }), { status: 200, headers: { 'content-type': 'application/json' } });
          },
        },
      },
      onShortened: (fields) => shortened.push(fields),
    });
    client.rest.setToken('token');
    const interactionRest = createInteractionRest(client);
    try {
      await client.rest.post('/channels/1/messages', { body: { content: 'x'.repeat(2500) } });
      await interactionRest.patch('/webhooks/1/token/messages/@original', { body: { content: 'y'.repeat(2500) }, auth: false });
    } finally {
      closeRest(interactionRest);
      await client.destroy();
    }
    expect(sent.map((b) => (JSON.parse(b) as { content: string }).content.length)).toEqual([2000, 2000]);
    expect(shortened).toEqual([['content'], ['content']]);
  });
});
