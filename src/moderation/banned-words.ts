// Which banned word a text contains. Pure: a word list in, a matcher out.
//
// A word written in a script without spaces between words (Chinese, Japanese,
// Korean) matches anywhere, as a substring. Any other word matches only as a
// whole word: the characters around it must not be letters, digits or marks of
// a spaced script. A CJK character next to it counts as a boundary, so "nsfw" is
// found in "画一张nsfw图" but not in "unsfwx". Matching ignores case and width
// (NFKC: "ＮＳＦＷ" is "nsfw"), and a run of spaces in a phrase matches any run
// of white space.

/** Han, kana, Hangul and Bopomofo: the scripts matched as substrings. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/** A character that continues a word of a spaced script (so a whole-word match cannot end next to it). */
function continuesWord(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch) && !CJK.test(ch);
}

/** Case, width and spacing folded the same way for words and texts. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ');
}

/** The words of a word-list file: one a line; blank lines and lines starting with `#` are skipped. */
export function parseWordList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export interface BannedWordMatcher {
  /** How many distinct words it knows. */
  readonly size: number;
  /** The first banned word found in `text` (as the list spells it), or undefined. */
  find(text: string): string | undefined;
}

interface Entry {
  folded: string;
  word: string;
  anywhere: boolean;
  /** Whether the word starts / ends with a word character: only then must a boundary be there ("c++" may touch a letter). */
  boundedStart: boolean;
  boundedEnd: boolean;
}

export function compileBannedWords(words: Iterable<string>): BannedWordMatcher {
  const entries = new Map<string, Entry>();
  for (const raw of words) {
    const word = raw.trim();
    const folded = fold(word).trim();
    if (folded === '' || entries.has(folded)) continue;
    const chars = [...folded];
    entries.set(folded, {
      folded,
      word,
      anywhere: hasCjk(folded),
      boundedStart: continuesWord(chars[0]),
      boundedEnd: continuesWord(chars[chars.length - 1]),
    });
  }
  const list = [...entries.values()];
  return {
    size: list.length,
    find(text) {
      if (list.length === 0 || text === '') return undefined;
      const haystack = fold(text);
      let best: { at: number; word: string } | undefined;
      for (const entry of list) {
        const at = firstMatch(haystack, entry);
        // The earliest in the text; of two at the same place, the longer (the more specific word).
        if (at !== -1 && (!best || at < best.at || (at === best.at && entry.word.length > best.word.length))) best = { at, word: entry.word };
      }
      return best?.word;
    },
  };
}

function firstMatch(haystack: string, entry: Entry): number {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(entry.folded, from);
    if (at === -1 || entry.anywhere) return at;
    const end = at + entry.folded.length;
    const startOk = !entry.boundedStart || !continuesWord(codePointBefore(haystack, at));
    const endOk = !entry.boundedEnd || !continuesWord(codePointAt(haystack, end));
    if (startOk && endOk) return at;
    from = at + 1;
  }
}

function codePointAt(s: string, i: number): string | undefined {
  const cp = s.codePointAt(i);
  return cp === undefined ? undefined : String.fromCodePoint(cp);
}

function codePointBefore(s: string, i: number): string | undefined {
  if (i <= 0) return undefined;
  const low = s.charCodeAt(i - 1);
  // The second half of a surrogate pair: the character starts one unit earlier.
  const start = low >= 0xdc00 && low <= 0xdfff && i >= 2 ? i - 2 : i - 1;
  return codePointAt(s, start);
}
