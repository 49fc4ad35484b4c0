// The check of requests against Discord's OpenAPI description, rule by rule, and what the fake
// Discord does with a request that breaks one.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConformanceError, FakeDiscord } from './discord/index.ts';
import { DISCORD_OPENAPI_PATH, DiscordOpenApi, describeViolation, type CheckedRequest } from './discord/openapi.ts';

const api = DiscordOpenApi.shared();
const TOKEN = `aW50ZXJhY3Rpb246${'x'.repeat(80)}`;
const APP = '1100000000000000001';
const CHANNEL = '1100000000000000002';
const MESSAGE = '1100000000000000003';

function check(req: Partial<CheckedRequest> & { method: string; path: string }) {
  const { path, ...rest } = req;
  const result = api.checkRequest({ segments: path.split('/').filter(Boolean), query: {}, contentType: undefined, ...rest });
  return { ...result, first: result.violations[0] };
}

const json = (method: string, path: string, body: unknown, query: Record<string, string> = {}) =>
  check({ method, path, query, contentType: 'application/json', json: body });

const editOriginal = (body: unknown) => json('PATCH', `/webhooks/${APP}/${TOKEN}/messages/@original`, body);
const callback = (body: unknown) => json('POST', `/interactions/${MESSAGE}/${TOKEN}/callback`, body, { with_response: 'false' });

describe('routes, methods and parameters', () => {
  it('matches a literal segment before a parameter, and checks path parameters are snowflakes', () => {
    expect(check({ method: 'GET', path: '/users/@me' }).operation?.operationId).toBe('get_my_user');
    expect(check({ method: 'GET', path: `/users/${APP}` }).operation?.operationId).toBe('get_user');
    expect(editOriginal({ content: 'hi' }).operation?.operationId).toBe('update_original_webhook_message');
    expect(editOriginal({ content: 'hi' }).violations).toEqual([]);

    const notSnowflake = check({ method: 'GET', path: `/channels/general/messages/${MESSAGE}` });
    expect(notSnowflake.first).toMatchObject({ part: 'path', pointer: '/channel_id', rule: 'pattern ^(0|[1-9][0-9]*)$' });
  });

  it('names a route Discord does not have, and a method the route lacks', () => {
    expect(check({ method: 'GET', path: '/no/such/route' }).first).toMatchObject({ part: 'route', request: 'GET /no/such/route' });
    expect(check({ method: 'PUT', path: '/users/@me' }).first).toMatchObject({ part: 'method', rule: 'methods GET, PATCH' });
  });

  it('types query parameters (booleans, integer ranges) and refuses ones the operation does not have', () => {
    expect(callback({ type: 5 }).violations).toEqual([]);
    const notBoolean = json('POST', `/interactions/${MESSAGE}/${TOKEN}/callback`, { type: 5 }, { with_response: 'yes' });
    expect(notBoolean.first).toMatchObject({ part: 'query', pointer: '/with_response', rule: 'type boolean' });
    expect(check({ method: 'GET', path: `/channels/${CHANNEL}/messages`, query: { limit: '0' } }).first).toMatchObject({ pointer: '/limit', rule: 'minimum 1' });
    expect(check({ method: 'GET', path: `/channels/${CHANNEL}/messages`, query: { limit: '101' } }).first).toMatchObject({ pointer: '/limit', rule: 'maximum 100' });
    expect(check({ method: 'GET', path: `/channels/${CHANNEL}/messages`, query: { limt: '5' } }).first).toMatchObject({ pointer: '/limt', rule: 'parameters' });
  });

  it('wants a body where the operation takes one and none where it does not, in a content type it accepts', () => {
    expect(check({ method: 'GET', path: '/users/@me', contentType: 'application/json', json: {} }).first).toMatchObject({ part: 'body', rule: 'requestBody' });
    expect(check({ method: 'PATCH', path: `/webhooks/${APP}/${TOKEN}/messages/@original`, contentType: 'text/plain', json: 'hi' }).first).toMatchObject({
      part: 'body',
      message: 'sent as text/plain',
    });
  });
});

describe('request bodies', () => {
  it('maxLength and minLength, in code points', () => {
    expect(editOriginal({ content: 'x'.repeat(2000) }).violations).toEqual([]);
    expect(editOriginal({ content: '😀'.repeat(2000) }).violations).toEqual([]);
    expect(editOriginal({ content: 'x'.repeat(2001) }).first).toMatchObject({ part: 'body', pointer: '/content', rule: 'maxLength 2000' });
    expect(editOriginal({ attachments: [{ id: '0', filename: '' }] }).first).toMatchObject({ pointer: '/attachments/0/filename', rule: 'minLength 1' });
  });

  it('maxItems, minimum, required, and types inside $ref-erenced schemas', () => {
    expect(editOriginal({ embeds: Array.from({ length: 11 }, () => ({ title: 't' })) }).first).toMatchObject({ pointer: '/embeds', rule: 'maxItems 10' });
    expect(editOriginal({ attachments: [{ id: '0', duration_secs: -1 }] }).first).toMatchObject({ pointer: '/attachments/0/duration_secs', rule: 'minimum 0' });
    expect(editOriginal({ attachments: [{ filename: 'a.png' }] }).first).toMatchObject({ pointer: '/attachments/0/id', rule: 'required', message: 'missing' });
    expect(editOriginal({ attachments: [{ id: 0 }] }).first).toMatchObject({ pointer: '/attachments/0/id', rule: 'type string' });
  });

  it('nullable fields take null', () => {
    expect(editOriginal({ content: null, embeds: null, allowed_mentions: null, attachments: null, flags: null }).violations).toEqual([]);
  });

  it('oneOf/anyOf: the error of the branch the body meant (by its type), at the deepest field', () => {
    const button = (label: string) => ({ type: 1, components: [{ type: 2, style: 1, custom_id: 'go', label }] });
    expect(editOriginal({ components: [button('Go')] }).violations).toEqual([]);
    expect(editOriginal({ components: [button('x'.repeat(81))] }).first).toMatchObject({ pointer: '/components/0/components/0/label', rule: 'maxLength 80' });
    expect(editOriginal({ components: [{ type: 99 }] }).first).toMatchObject({ pointer: '/components/0/type' });

    expect(callback({ type: 4, data: { content: 'x'.repeat(2001) } }).first).toMatchObject({ pointer: '/data/content', rule: 'maxLength 2000' });
    const modal = (title: string) => ({ type: 9, data: { custom_id: 'm', title, components: [{ type: 1, components: [{ type: 4, custom_id: 'p', label: 'Prompt', style: 2 }] }] } });
    expect(callback(modal('A title')).violations).toEqual([]);
    expect(callback(modal('x'.repeat(46))).first).toMatchObject({ pointer: '/data/title', rule: 'maxLength 45' });
    const { title: _title, ...untitled } = modal('').data;
    expect(callback({ type: 9, data: untitled }).first).toMatchObject({ pointer: '/data/title', rule: 'required' });
    expect(callback({ type: 3 }).first).toMatchObject({ pointer: '/type', rule: expect.stringMatching(/^enum /) });
  });

  it('multipart: payload_json with the file parts (allOf of the JSON body and the files)', () => {
    const multipart = (payload: unknown) =>
      check({ method: 'PATCH', path: `/webhooks/${APP}/${TOKEN}/messages/@original`, contentType: 'multipart/form-data; boundary=x', payload, fileFields: ['files[0]'] });
    expect(multipart({ content: 'done', attachments: [{ id: '0', filename: 'a.png' }] }).violations).toEqual([]);
    const numeric = multipart({ content: 'done', attachments: [{ id: 0, filename: 'a.png' }] });
    expect(numeric.first).toMatchObject({ part: 'body', pointer: '/attachments/0/id', rule: 'type string' });
    expect(describeViolation(numeric.first!)).toBe(
      `PATCH /webhooks/${APP}/aW50ZXJhY3Rp…/messages/@original [PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original (update_original_webhook_message)]: body /attachments/0/id breaks type string: must be string (got number 0)`,
    );
    expect(multipart([1, 2]).first).toMatchObject({ rule: 'type object' });
  });
});

describe('responses', () => {
  const gateway = api.checkRequest({ method: 'GET', segments: ['gateway', 'bot'], query: {}, contentType: undefined }).operation!;
  const limit = { total: 1000, remaining: 1000, reset_after: 1, max_concurrency: 1 };

  it('documented statuses, and their bodies against the response schema', () => {
    expect(api.checkResponse(gateway, 200, { url: 'ws://127.0.0.1:1/gateway', shards: 1, session_start_limit: limit })).toEqual([]);
    expect(api.checkResponse(gateway, 200, { url: 'ws://127.0.0.1:1/gateway', session_start_limit: limit })[0]).toMatchObject({ part: 'response', pointer: '/shards', rule: 'required' });
    expect(api.checkResponse(gateway, 404, { message: '404: Not Found', code: 0 })).toEqual([]);
    expect(api.checkResponse(gateway, 429, { message: 'slow down', code: 0, retry_after: 1 })[0]).toMatchObject({ pointer: '/global', rule: 'required' });
    expect(api.checkResponse(gateway, 500, undefined)[0]).toMatchObject({ rule: 'responses 200, 429, 4XX' });
    expect(api.checkResponse(gateway, 200, undefined)[0]).toMatchObject({ message: 'the answer has no JSON body' });
  });

  it('keeps compiled validators on disk: another process loads them instead of compiling', () => {
    const root = mkdtempSync(join(tmpdir(), 'openapi-cache-'));
    const answer = { url: 'ws://127.0.0.1:1/gateway', session_start_limit: limit };
    const first = new DiscordOpenApi(DISCORD_OPENAPI_PATH, root);
    const expected = first.checkResponse(gateway, 200, answer);
    expect(first.stats).toMatchObject({ compiles: 1, loads: 0 });
    expect(readdirSync(root)).toHaveLength(1);

    const second = new DiscordOpenApi(DISCORD_OPENAPI_PATH, root);
    expect(second.checkResponse(gateway, 200, answer)).toEqual(expected);
    expect(second.stats).toMatchObject({ compiles: 0, loads: 1 });
  });
});

describe('the fake Discord with the check', () => {
  let discord: FakeDiscord | undefined;
  afterEach(async () => {
    await discord?.stop();
    discord = undefined;
  });

  it('answers a non-conforming request as Discord does, fails waits at once, and stop() unless the test took the violation', async () => {
    discord = await FakeDiscord.start();
    // Asserted from the start: the wait rejects while the request is still being answered.
    const waiting = expect(discord.waitForMessage(() => false, 60_000)).rejects.toThrow(
      /POST \/channels\/\d+\/messages .*: body \/attachments\/0\/id breaks type string/,
    );
    const answer = await request(`${discord.apiUrl}/v10/channels/${discord.channel.id}/messages`, {
      method: 'POST',
      headers: { authorization: 'Bot token', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hi', attachments: [{ id: 0 }] }),
    });
    expect(answer.statusCode).toBe(400);
    expect(await answer.body.json()).toEqual({
      message: 'Invalid Form Body',
      code: 50035,
      errors: { attachments: { 0: { id: { _errors: [{ code: 'BASE_TYPE_INVALID', message: expect.stringContaining('type string') }] } } } },
    });
    await waiting;
    await expect(discord.waitForRequest(() => true)).rejects.toThrow(ConformanceError);
    expect(discord.messages.size).toBe(0);

    const stopping = discord.stop();
    discord = undefined;
    await expect(stopping).rejects.toThrow(/body \/attachments\/0\/id breaks type string/);
  });

  it('lets a test take the violations it caused on purpose', async () => {
    discord = await FakeDiscord.start();
    const answer = await request(`${discord.apiUrl}/v10/users/@me`, { method: 'PUT', headers: { authorization: 'Bot token' } });
    await answer.body.dump();
    expect(answer.statusCode).toBe(405);
    expect(discord.takeViolations()).toMatchObject([{ part: 'method', request: 'PUT /users/@me' }]);
    expect(discord.violations).toEqual([]);
  });

  it('can be switched off (the bench measures the bot, not the check)', async () => {
    discord = await FakeDiscord.start({ checkConformance: false });
    const answer = await request(`${discord.apiUrl}/v10/channels/${discord.channel.id}/messages`, {
      method: 'POST',
      headers: { authorization: 'Bot token', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'fine', attachments: [], tts: 'no' }),
    });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    expect(discord.violations).toEqual([]);
  });
});
