// Node 20's JSON.parse often names no position ("Unexpected token '}', ... is
// not valid JSON"), and a server owner editing a file by hand needs the line
// and column. This scanner re-reads text that JSON.parse rejected and reports
// where, and why, it stops being JSON.

export interface JsonSyntaxProblem {
  line: number;
  column: number;
  reason: string;
}

/** Thrown inside the scanner where the text stops being JSON; never escapes findJsonSyntaxProblem. */
class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Where `text` first stops being valid JSON, or undefined if it is valid. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.skipSpace();
    scanner.value();
    scanner.skipSpace();
    if (scanner.pos < text.length) throw new Stop(scanner.pos, 'unexpected text after the end of the JSON value');
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { ...lineAndColumn(text, e.offset), reason: e.reason };
  }
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos] as string)) this.pos++;
  }

  value(): void {
    const c = this.text[this.pos];
    if (c === undefined) throw new Stop(this.pos, 'the file ends where a value was expected');
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    throw new Stop(this.pos, `expected a value but found ${this.found()}`);
  }

  private object(): void {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') throw new Stop(this.pos, `expected a property name in double quotes but found ${this.found()}`);
      this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw new Stop(this.pos, `expected ':' after the property name but found ${this.found()}`);
      this.pos++;
      this.skipSpace();
      this.value();
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return;
      }
      if (c !== ',') throw new Stop(this.pos, `expected ',' or '}' after a property value but found ${this.found()}`);
      const comma = this.pos++;
      this.skipSpace();
      if (this.text[this.pos] === '}') throw new Stop(comma, "trailing comma before '}' (JSON allows none)");
    }
  }

  private array(): void {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ']') {
        this.pos++;
        return;
      }
      if (c !== ',') throw new Stop(this.pos, `expected ',' or ']' after an array element but found ${this.found()}`);
      const comma = this.pos++;
      this.skipSpace();
      if (this.text[this.pos] === ']') throw new Stop(comma, "trailing comma before ']' (JSON allows none)");
    }
  }

  private string(): void {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw new Stop(start, 'this string is never closed');
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c < ' ') throw new Stop(this.pos, 'a raw line break or control character inside a string (write \\n instead)');
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            throw new Stop(this.pos, 'invalid \\u escape (needs four hex digits)');
          }
          this.pos += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) throw new Stop(this.pos, `invalid escape \\${e ?? ''} in a string`);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) throw new Stop(this.pos, `invalid number starting with ${this.found()}`);
    this.pos += match[0].length;
  }

  private found(): string {
    const c = this.text[this.pos];
    return c === undefined ? 'the end of the file' : JSON.stringify(c);
  }
}
