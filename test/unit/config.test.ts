import { parse } from 'dotenv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTING_KEYS } from '../../src/config.ts';
import { createLogger, redact } from '../../src/log.ts';
import { REPO_ROOT } from '../support/recordings.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration', () => {
  it('names every missing or invalid setting at once, without echoing values', () => {
    let error: unknown;
    try {
      loadConfig({ COMFYUI_URL: 'ftp://x', EDIT_INTERVAL_MS: 'soon', SHARDS: '-2', DISCORD_GUILD_ID: 'secret-guild' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DISCORD_TOKEN is missing/);
    expect(problems).toMatch(/COMFYUI_URL/);
    expect(problems).toMatch(/EDIT_INTERVAL_MS must be a whole number/);
    expect(problems).toMatch(/SHARDS must be "auto"/);
    expect(problems).toMatch(/DISCORD_GUILD_ID must be a Discord id/);
    expect(problems).not.toContain('secret-guild');
  });

  it('reads lists and defaults', () => {
    const c = loadConfig({ DISCORD_TOKEN: 't', COMFYUI_URL: 'http://a:1, http://b:2/prefix', ATTACHMENT_HOSTS: '127.0.0.1:9' });
    expect(c.COMFYUI_URL).toEqual(['http://a:1', 'http://b:2/prefix']);
    expect(c.ATTACHMENT_HOSTS).toEqual(['127.0.0.1:9']);
    expect(c.EDIT_INTERVAL_MS).toBe(1500);
    expect(c.REGISTER_COMMANDS).toBe(true);
    expect(loadConfig({ DISCORD_TOKEN: 't' }).ATTACHMENT_HOSTS).toContain('cdn.discordapp.com');
  });

  it('takes an empty or blank value for "not set", for every key', () => {
    const defaults = loadConfig({ DISCORD_TOKEN: 't' });
    expect(SETTING_KEYS.length).toBeGreaterThan(20);
    for (const key of SETTING_KEYS.filter((k) => k !== 'DISCORD_TOKEN')) {
      for (const blank of ['', ' ', '\t \n']) {
        expect(loadConfig({ DISCORD_TOKEN: 't', [key]: blank }), `${key}=${JSON.stringify(blank)}`).toEqual(defaults);
      }
    }
  });

  it('says the token is missing when it is empty or blank', () => {
    for (const blank of ['', '   ']) expect(problemsOf({ DISCORD_TOKEN: blank })).toEqual([expect.stringMatching(/^DISCORD_TOKEN is missing/)]);
  });

  it('still refuses a value that is set and wrong, with spaces around it or not', () => {
    expect(problemsOf({ DISCORD_TOKEN: 't', DISCORD_GUILD_ID: ' x ', DISCORD_API_URL: 'discord' })).toEqual([
      expect.stringMatching(/^DISCORD_GUILD_ID must be a Discord id/),
      expect.stringMatching(/^DISCORD_API_URL must be an http/),
    ]);
  });

  it('accepts .env.example as shipped once DISCORD_TOKEN is filled in; its empty keys mean their defaults', () => {
    const example = parse(readFileSync(join(REPO_ROOT, '.env.example')));
    const empty = Object.keys(example).filter((k) => example[k] === '');
    expect(empty).toEqual(expect.arrayContaining(['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID', 'DISCORD_GUILD_ID', 'DISCORD_API_URL']));
    const config = loadConfig({ ...example, DISCORD_TOKEN: 't' });
    const defaults = loadConfig({ DISCORD_TOKEN: 't' });
    for (const key of empty.filter((k) => k !== 'DISCORD_TOKEN')) expect(config[key as keyof typeof config], key).toEqual(defaults[key as keyof typeof defaults]);
    expect(config.DISCORD_APPLICATION_ID).toBeUndefined();
    expect(config.DISCORD_GUILD_ID).toBeUndefined();
    expect(config.DISCORD_API_URL).toBeUndefined();
  });

  it('.env.example documents exactly the keys the bot reads', () => {
    const example = parse(readFileSync(join(REPO_ROOT, '.env.example')));
    expect(Object.keys(example).sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('reads DEFAULT_LOCALE: a locale tag, en-US when empty or left out', () => {
    expect(loadConfig({ DISCORD_TOKEN: 't' }).DEFAULT_LOCALE).toBe('en-US');
    expect(loadConfig({ DISCORD_TOKEN: 't', DEFAULT_LOCALE: '' }).DEFAULT_LOCALE).toBe('en-US');
    expect(loadConfig({ DISCORD_TOKEN: 't', DEFAULT_LOCALE: 'zh-CN' }).DEFAULT_LOCALE).toBe('zh-CN');
    expect(() => loadConfig({ DISCORD_TOKEN: 't', DEFAULT_LOCALE: 'chinese' })).toThrow(/DEFAULT_LOCALE must be a locale tag/);
  });

  it('reads the moderation and metrics settings; empty means not set', () => {
    const off = loadConfig({ DISCORD_TOKEN: 't', HTTP_PORT: '', HTTP_HOST: '', BANNED_WORDS: '', BANNED_WORDS_FILE: ' ' });
    expect(off).toMatchObject({ HTTP_HOST: '127.0.0.1', BANNED_WORDS: [], SPOILER_RESULTS: false });
    expect(off.HTTP_PORT).toBeUndefined();
    expect(off.BANNED_WORDS_FILE).toBeUndefined();
    const on = loadConfig({ DISCORD_TOKEN: 't', HTTP_PORT: '9464', HTTP_HOST: '0.0.0.0', BANNED_WORDS: 'gore, blood bath ,', BANNED_WORDS_FILE: '/etc/words.txt', SPOILER_RESULTS: 'true' });
    expect(on).toMatchObject({ HTTP_PORT: 9464, HTTP_HOST: '0.0.0.0', BANNED_WORDS: ['gore', 'blood bath'], BANNED_WORDS_FILE: '/etc/words.txt', SPOILER_RESULTS: true });
    expect(loadConfig({ DISCORD_TOKEN: 't', HTTP_PORT: '0' }).HTTP_PORT).toBe(0);
    expect(() => loadConfig({ DISCORD_TOKEN: 't', HTTP_PORT: '70000' })).toThrow(/HTTP_PORT must be a port number/);
  });
});

describe('logs', () => {
  it('are JSON lines with secrets and tokens replaced', () => {
    const lines: string[] = [];
    const log = createLogger({ secrets: ['hunter2-secret'], write: (l) => lines.push(l) }).child({ jobId: 'j1' });
    log.info('sending', { header: 'Bearer hunter2-secret', url: 'http://x/api/v10/webhooks/123/aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4' });
    const parsed = JSON.parse(lines[0]!) as unknown;
    expect(parsed).toMatchObject({ level: 'info', msg: 'sending', jobId: 'j1' });
    expect(lines[0]).not.toContain('hunter2-secret');
    expect(lines[0]).not.toContain('aW50ZXJhY3Rpb246');
    expect(redact('MTA5ODc2NTQzMjEwOTg3NjU0.GabcDe.abcdefghijklmnopqrstuvwxyz12345', [])).toBe('[redacted]');
  });
});
