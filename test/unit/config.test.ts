import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createLogger, redact } from '../../src/log.ts';

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
});

describe('logs', () => {
  it('are JSON lines with secrets and tokens replaced', () => {
    const lines: string[] = [];
    const log = createLogger({ secrets: ['hunter2-secret'], write: (l) => lines.push(l) }).child({ jobId: 'j1' });
    log.info('sending', { header: 'Bearer hunter2-secret', url: 'http://x/api/v10/webhooks/123/aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4' });
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({ level: 'info', msg: 'sending', jobId: 'j1' });
    expect(lines[0]).not.toContain('hunter2-secret');
    expect(lines[0]).not.toContain('aW50ZXJhY3Rpb246');
    expect(redact('MTA5ODc2NTQzMjEwOTg3NjU0.GabcDe.abcdefghijklmnopqrstuvwxyz12345', [])).toBe('[redacted]');
  });
});
