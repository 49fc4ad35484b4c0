// The banned words in force: BANNED_WORDS plus BANNED_WORDS_FILE (both apply
// when both are set). The file is read at start and again on every reload.
import { readFileSync } from 'node:fs';
import { compileBannedWords, parseWordList, type BannedWordMatcher } from './banned-words.ts';

export interface BannedWordSource {
  /** From BANNED_WORDS. */
  words: readonly string[];
  /** BANNED_WORDS_FILE: one word a line. */
  file?: string | undefined;
}

/** BANNED_WORDS_FILE could not be read; the words in force stay as they were. */
export class BannedWordsFileError extends Error {
  override name = 'BannedWordsFileError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`BANNED_WORDS_FILE ${file} could not be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
}

export class BannedWordList {
  private matcher: BannedWordMatcher;

  /** Reads the file now: a moderation list that cannot be read stops the start (it would let everything through). */
  constructor(private readonly source: BannedWordSource) {
    this.matcher = this.read();
  }

  /** How many distinct words are in force. */
  get size(): number {
    return this.matcher.size;
  }

  /** The first banned word in `text`, as the list spells it. */
  find(text: string): string | undefined {
    return this.matcher.find(text);
  }

  /**
   * Reads BANNED_WORDS_FILE again and returns how many words are in force. Throws
   * BannedWordsFileError, keeping the previous words, when the file cannot be read.
   */
  reload(): number {
    this.matcher = this.read();
    return this.matcher.size;
  }

  private read(): BannedWordMatcher {
    const words = [...this.source.words];
    if (this.source.file) {
      try {
        words.push(...parseWordList(readFileSync(this.source.file, 'utf8')));
      } catch (err) {
        throw new BannedWordsFileError(this.source.file, err);
      }
    }
    return compileBannedWords(words);
  }
}
