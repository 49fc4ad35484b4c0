// The banned-word matcher: whole words in spaced scripts, substrings in CJK.
import { describe, expect, it } from 'vitest';
import { compileBannedWords, fold, hasCjk, parseWordList } from '../../../src/moderation/banned-words.ts';

const find = (words: string[], text: string) => compileBannedWords(words).find(text);

describe('CJK detection', () => {
  it('finds Han, kana and Hangul, and nothing in Latin, Cyrillic or emoji', () => {
    expect(hasCjk('血腥')).toBe(true);
    expect(hasCjk('ひらがな')).toBe(true);
    expect(hasCjk('カタカナ')).toBe(true);
    expect(hasCjk('ｶﾀｶﾅ')).toBe(true); // half-width katakana
    expect(hasCjk('한국어')).toBe(true);
    expect(hasCjk('a cat 猫')).toBe(true);
    expect(hasCjk('gore')).toBe(false);
    expect(hasCjk('кровь')).toBe(false);
    expect(hasCjk('😀 ¡olé!')).toBe(false);
  });
});

describe('whole words', () => {
  it('matches a word on its own, at either end, and next to punctuation', () => {
    expect(find(['gore'], 'gore')).toBe('gore');
    expect(find(['gore'], 'lots of gore, please')).toBe('gore');
    expect(find(['gore'], '(gore)')).toBe('gore');
    expect(find(['gore'], 'a "gore"-fest')).toBe('gore');
    expect(find(['gore'], 'Gore-Tex')).toBe('gore'); // a hyphen separates words
    expect(find(['gore'], 'end with gore')).toBe('gore');
  });

  it('does not match inside a longer word', () => {
    expect(find(['gore'], 'gorey, gorgeous, algorethm, ungored')).toBeUndefined();
    expect(find(['ass'], 'a class of glass bass')).toBeUndefined();
    expect(find(['ass'], 'bad_ass')).toBeUndefined(); // _ joins words
    expect(find(['ass'], 'ass2')).toBeUndefined(); // so do digits
  });

  it('ignores case, also beyond ASCII', () => {
    expect(find(['gore'], 'GORE')).toBe('gore');
    expect(find(['Gore'], 'gOrE')).toBe('Gore');
    expect(find(['ÄRGER'], 'so ein ärger')).toBe('ÄRGER');
    expect(find(['кровь'], 'КРОВЬ на снегу')).toBe('кровь');
    expect(find(['σκοτάδι'], 'ΣΚΟΤΆΔΙ')).toBe('σκοτάδι');
  });

  it('uses Unicode letters as word characters: accented letters continue a word', () => {
    expect(find(['cafe'], 'café')).toBeUndefined();
    expect(find(['café'], 'un café noir')).toBe('café');
    expect(find(['кровь'], 'кровью')).toBeUndefined();
    // A decomposed é (e + combining accent) is the same word as the composed one.
    expect(find(['café'], 'un cafe\u0301 noir')).toBe('café');
    expect(find(['cafe'], 'un cafe\u0301 noir')).toBeUndefined();
  });

  it('folds full-width letters (NFKC)', () => {
    expect(find(['nsfw'], 'ＮＳＦＷ art')).toBe('nsfw');
  });

  it('matches phrases across any white space', () => {
    expect(find(['blood bath'], 'a Blood \n  Bath scene')).toBe('blood bath');
    expect(find(['blood bath'], 'bloodbath')).toBeUndefined();
  });

  it('a word that ends in punctuation may touch letters on that side', () => {
    expect(find(['c++'], 'c++ code')).toBe('c++');
    expect(find(['c++'], 'c++x')).toBe('c++');
    expect(find(['c++'], 'abc++')).toBeUndefined();
  });

  it('a Latin word next to CJK text is a whole word (CJK characters are boundaries)', () => {
    expect(find(['nsfw'], '画一张nsfw的图')).toBe('nsfw');
    expect(find(['nsfw'], 'ＮＳＦＷ图片')).toBe('nsfw');
  });

  it('a word in a supplementary plane (surrogate pairs) is bounded correctly', () => {
    // U+1D400 MATHEMATICAL BOLD CAPITAL A folds (NFKC) to "a": a letter right before the word.
    expect(find(['gore'], '\u{1D400}gore')).toBeUndefined();
    expect(find(['gore'], '😀gore😀')).toBe('gore');
  });
});

describe('CJK substrings', () => {
  it('matches a CJK word anywhere, with no boundary needed', () => {
    expect(find(['血腥'], '一个血腥的场景')).toBe('血腥');
    expect(find(['血腥'], '血腥')).toBe('血腥');
    expect(find(['グロ'], 'とてもグロテスク')).toBe('グロ');
    expect(find(['폭력'], '폭력적인 장면')).toBe('폭력');
    expect(find(['血腥'], '一个血色的场景')).toBeUndefined();
  });

  it('a mixed word with a CJK character also matches as a substring', () => {
    expect(find(['r18禁'], 'xr18禁x')).toBe('r18禁');
  });
});

describe('the list', () => {
  it('reports the earliest word in the text, and the longer of two at the same place', () => {
    expect(find(['gore', 'blood'], 'blood and gore')).toBe('blood');
    expect(find(['blood', 'blood bath'], 'a blood bath')).toBe('blood bath');
  });

  it('ignores empty entries and duplicates; an empty list matches nothing', () => {
    const m = compileBannedWords(['', '  ', 'Gore', 'gore', 'GORE']);
    expect(m.size).toBe(1);
    expect(compileBannedWords([]).find('anything at all')).toBeUndefined();
    expect(m.find('')).toBeUndefined();
  });

  it('reads a word-list file: one a line, # comments and blank lines skipped, CRLF too', () => {
    expect(parseWordList('# moderation list\r\ngore\r\n\r\n  blood bath  \n#血腥\n血腥\n')).toEqual(['gore', 'blood bath', '血腥']);
  });

  it('folds as documented', () => {
    expect(fold('ＡＢ\t\ncd')).toBe('ab cd');
  });
});
