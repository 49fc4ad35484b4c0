import { describe, expect, it } from 'vitest';
import { ComfyUnavailableError, ComfyValidationError } from '../../src/comfy/index.ts';
import { accessChecks, allowLists, firstRefusal, type AccessCheck, type Incoming } from '../../src/discord/access.ts';
import { translator } from '../../src/discord/i18n/index.ts';
import { classifyError } from '../../src/discord/reply.ts';
import { loadConfig } from '../../src/config.ts';
import { NoBackendError } from '../../src/jobs/backends.ts';
import { UserError } from '../../src/jobs/user-error.ts';
import { OptionValueError } from '../../src/workflows/apply.ts';

const en = translator('en-US');
const here: Incoming = { kind: 'command', userId: 'u', guildId: 'g1', channelId: 'c1', parentChannelId: null, roleIds: ['r1'] };
const none = { ALLOWED_GUILDS: [], ALLOWED_CHANNELS: [], ALLOWED_ROLES: [] };
const said = (check: AccessCheck, incoming: Incoming) => {
  const refusal = check(incoming);
  return refusal && classifyError(refusal.error, en).text;
};

describe('access rules', () => {
  it('refuse only where an allow-list says so, the guild first', () => {
    expect(allowLists(none)(here)).toBeUndefined();
    expect(allowLists({ ...none, ALLOWED_GUILDS: ['g1'], ALLOWED_CHANNELS: ['c1'], ALLOWED_ROLES: ['r1'] })(here)).toBeUndefined();
    expect(said(allowLists({ ...none, ALLOWED_GUILDS: ['g2'] }), here)).toBe('This bot is not enabled in this server.');
    expect(said(allowLists({ ...none, ALLOWED_CHANNELS: ['c2'] }), here)).toBe('This bot only works in <#c2>.');
    expect(said(allowLists({ ...none, ALLOWED_ROLES: ['r2'] }), here)).toMatch(/one of the roles/);
    expect(said(allowLists({ ...none, ALLOWED_GUILDS: ['g2'], ALLOWED_CHANNELS: ['c2'] }), here)).toMatch(/server/);
  });

  it('keep direct messages out when guilds, channels or roles are limited', () => {
    const dm: Incoming = { kind: 'command', userId: 'u', guildId: null, channelId: 'dm', parentChannelId: null, roleIds: [] };
    expect(allowLists(none)(dm)).toBeUndefined();
    expect(allowLists({ ...none, ALLOWED_GUILDS: ['g1'] })(dm)).toBeDefined();
    expect(allowLists({ ...none, ALLOWED_CHANNELS: ['c1'] })(dm)).toBeDefined();
    expect(allowLists({ ...none, ALLOWED_ROLES: ['r1'] })(dm)).toBeDefined();
  });

  it('are a list: the first refusal wins, and more rules can be added', () => {
    const banned: AccessCheck = (i) => (i.userId === 'u' ? { rule: 'bans', error: new UserError('access.role') } : undefined);
    const config = loadConfig({ DISCORD_TOKEN: 'x', ALLOWED_CHANNELS: 'c1' });
    expect(firstRefusal(accessChecks(config), here)).toBeUndefined();
    expect(firstRefusal(accessChecks(config, [banned]), here)?.rule).toBe('bans');
    expect(firstRefusal(accessChecks(config, [banned]), { ...here, channelId: 'c9' })?.rule).toBe('allow-lists');
  });
});

describe('error classification', () => {
  it.each([
    ['UserError', new UserError('job.image_gone'), 'That image is no longer available; run the job again first.'],
    ['NoBackendError', new NoBackendError('backend.no_model', { models: 'x.safetensors (checkpoints)' }), 'No ComfyUI server has x.safetensors (checkpoints). Pick one from the list the option suggests.'],
    ['OptionValueError', new OptionValueError('txt2img', [{ option: 'steps', code: 'at_most', data: { option: 'steps', max: '150', got: '200' } }]), 'steps must be at most 150 (got 200)'],
  ])('%s is the user’s: its own message', (_name, err, text) => {
    expect(classifyError(err, en)).toEqual({ kind: 'user', text });
  });

  it('says a user’s error in their language', () => {
    expect(classifyError(new UserError('access.guild'), translator('zh-CN'))).toEqual({ kind: 'user', text: '此服务器未启用本机器人。' });
  });

  it('ComfyUI refusing the workflow is the user’s, with its reasons', () => {
    const err = new ComfyValidationError(
      { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
      { '3': { class_type: 'KSampler', dependent_outputs: [], errors: [{ type: 'value_bigger_than_max', message: 'Value 200 bigger than max of 150', details: 'steps', extra_info: {} }] } },
    );
    const c = classifyError(err, en);
    expect(c.kind).toBe('user');
    expect(c.text).toMatch(/^ComfyUI refused the workflow:\n• /);
  });

  it('ComfyUI being unavailable is told to the user, with whether to try again', () => {
    expect(classifyError(new ComfyUnavailableError('refused'), en)).toMatchObject({ kind: 'user', text: expect.stringMatching(/not reachable/) });
    expect(classifyError(new ComfyUnavailableError('500', undefined, 500), en)).toMatchObject({ kind: 'user', text: expect.stringMatching(/HTTP 500/) });
  });

  it.each([new Error('boom'), new TypeError('x is undefined'), 'a string', undefined])('anything else is ours: a generic message (%s)', (err) => {
    const c = classifyError(err, en);
    expect(c.kind).toBe('internal');
    expect(c.text).toMatch(/on our side/);
    expect(c.text).not.toContain('boom');
  });
});
