// The catalogues: complete, with the same placeholders as English, and the rules for
// which language a user is answered in.
import { describe, expect, it } from 'vitest';
import { catalogues, FALLBACK_LOCALE, pickLocale, translator } from '../../src/discord/i18n/index.ts';
import { formatMessage, placeholdersOf } from '../../src/discord/i18n/message-format.ts';
import { USER_ERROR_CODES } from '../../src/jobs/user-error.ts';

const english = catalogues.get(FALLBACK_LOCALE)!;
/** Messages that are a name or an abbreviation everybody uses as it is. */
// Names, and the pattern of a numbered button ("Upscale 2" / "放大 2"), which has no words of its own.
const SAME_IN_EVERY_LANGUAGE = new Set(['field.cfg', 'field.lora', 'button.numbered']);

describe('catalogues', () => {
  it('include English and Simplified Chinese', () => {
    expect([...catalogues.keys()]).toEqual(expect.arrayContaining(['en-US', 'zh-CN']));
  });

  for (const [locale, messages] of catalogues) {
    if (locale === FALLBACK_LOCALE) continue;
    it(`${locale} has exactly the keys of en-US`, () => {
      const missing = Object.keys(english).filter((k) => !(k in messages));
      const extra = Object.keys(messages).filter((k) => !(k in english));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });
    it(`${locale} translates every message (only names are the same in every language)`, () => {
      const untranslated = Object.entries(english)
        .filter(([k, en]) => messages[k as keyof typeof messages] === en && !SAME_IN_EVERY_LANGUAGE.has(k))
        .map(([k]) => k);
      expect(untranslated).toEqual([]);
    });
    it(`${locale} uses the same placeholders as en-US in every message`, () => {
      const differ = Object.entries(english)
        .filter(([k, en]) => k in messages && placeholdersOf(en).join('|') !== placeholdersOf(messages[k as keyof typeof messages]).join('|'))
        .map(([k]) => k);
      expect(differ).toEqual([]);
    });
  }

  it('have words for every code the domain raises', () => {
    const missing = USER_ERROR_CODES.filter((c) => !(`error.${c}` in english));
    expect(missing).toEqual([]);
  });
});

describe('message format', () => {
  it('fills values and formats numbers for the locale', () => {
    expect(formatMessage('{n} of {total}', { n: 1234, total: 'x' }, 'en-US')).toBe('1,234 of x');
  });
  it('picks plural forms by the locale rules', () => {
    const m = '{n, plural, one {# job} other {# jobs}}';
    expect(formatMessage(m, { n: 1 }, 'en-US')).toBe('1 job');
    expect(formatMessage(m, { n: 3 }, 'en-US')).toBe('3 jobs');
  });
  it('names placeholders with their format, inside plural forms too', () => {
    expect(placeholdersOf('{a} {b, bytes} {c, plural, other {# {d}}}')).toEqual(['a', 'b, bytes', 'c, plural', 'd']);
  });
  it('leaves a value it was not given visible', () => {
    expect(formatMessage('hi {who}', {}, 'en-US')).toBe('hi {who}');
  });
  it('formats sizes and durations through the translator', () => {
    const zh = translator('zh-CN');
    expect(zh.t('error.attachment.too_large', { option: 'image', name: 'a.png', size: 30 * 1024 * 1024, limit: 10 * 1024 * 1024 })).toContain('30 MB');
    expect(translator('en-US').duration(65_000)).toBe('1m 05s');
    expect(zh.duration(65_000)).toBe('1 分 05 秒');
  });
});

describe('translator', () => {
  it('joins lists as the language does', () => {
    expect(translator('en-US').list(['output', 'temp'])).toBe('output and temp');
    expect(translator('zh-CN').list(['output', 'temp'])).toBe('output和temp');
  });
  it('formats numbers inside messages for the locale, and sizes with units', () => {
    expect(translator('en-US').t('queue.bot_heading', { count: 1234 })).toBe("**In the bot's queue** — 1,234 jobs wait");
    expect(translator('en-US').t('queue.bot_heading', { count: 1 })).toBe("**In the bot's queue** — 1 job waits");
    expect(translator('zh-CN').t('queue.bot_heading', { count: 3 })).toBe('**机器人队列** — 3 个任务在等待');
    expect(translator('zh-CN').t('status.vram', { device: 'cuda:0', free: 6 * 1024 ** 3, total: 24 * 1024 ** 3 })).toBe('cuda:0：可用 6 GB，共 24 GB');
  });
  it('writes dates in the locale, in UTC', () => {
    const at = Date.UTC(2026, 0, 15, 14, 5);
    expect(translator('en-US').date(at)).toBe('Jan 15, 2026, 2:05 PM UTC');
    expect(translator('zh-CN').date(at)).toBe('2026年1月15日 14:05 UTC');
  });
});

describe('which language', () => {
  it("is the user's when the bot speaks it", () => {
    expect(pickLocale('zh-CN', 'en-US', 'en-US')).toBe('zh-CN');
  });
  it('is a catalogue of the same language for another variant (zh-TW → zh-CN, en-GB → en-US)', () => {
    expect(pickLocale('zh-TW', null, 'en-US')).toBe('zh-CN');
    expect(pickLocale('en-GB', 'zh-CN', 'en-US')).toBe('en-US');
  });
  it("is the server's when the user's has no catalogue", () => {
    expect(pickLocale('fr', 'zh-CN', 'en-US')).toBe('zh-CN');
  });
  it('is DEFAULT_LOCALE when neither has one', () => {
    expect(pickLocale('fr', 'de', 'zh-CN')).toBe('zh-CN');
    expect(pickLocale('fr', 'de', 'en-US')).toBe('en-US');
  });
});
