// L5: README.zh-CN.md is the whole README in Chinese, kept in step: the same
// headings at each level in the same order, each linking to the other, and both
// documenting DEFAULT_LOCALE and how to add a language.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/recordings.ts';

const read = (name: string) => readFileSync(join(REPO_ROOT, name), 'utf8');

/** The level of every heading, in order (`#` lines inside code blocks are no headings). */
function headingLevels(markdown: string): number[] {
  const levels: number[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^(#{1,6})\s+\S/.exec(line);
    if (heading) levels.push(heading[1]!.length);
  }
  return levels;
}

describe('README.zh-CN.md', () => {
  const english = read('README.md');
  const chinese = read('README.zh-CN.md');

  it('has the same headings at each level, in the same order, as README.md', () => {
    expect(headingLevels(chinese).join(' ')).toBe(headingLevels(english).join(' '));
    expect(headingLevels(english).length).toBeGreaterThan(5);
  });

  it('is linked from the top of README.md, and links back', () => {
    const top = (md: string) => md.split('\n').slice(0, 5).join('\n');
    expect(top(english)).toContain('(README.zh-CN.md)');
    expect(top(chinese)).toContain('(README.md)');
  });

  it('is in Chinese throughout: every section has Chinese words', () => {
    const sections = chinese.split(/\n(?=#{1,6} )/);
    const without = sections.filter((s) => !/[\u4e00-\u9fff]/.test(s.replace(/```[\s\S]*?```/g, ''))).map((s) => s.split('\n')[0]);
    expect(without).toEqual([]);
  });

  it('both document DEFAULT_LOCALE and adding a language file', () => {
    for (const md of [english, chinese]) {
      expect(md).toContain('DEFAULT_LOCALE');
      expect(md).toContain('src/discord/i18n/locales/');
    }
  });
});
