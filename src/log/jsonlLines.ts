import { ImportError } from './ImportError.js';

/**
 * The lines of a JSON Lines byte stream, each at most `lineCharsMax` characters. A line ends at
 * `\n`, `\r\n` or a lone `\r` (as `node:readline` splits them); the last line needs no ending. A
 * longer line throws an ImportError naming its number as soon as it passes the bound, without
 * building it: the memory held is the bound plus one chunk, whatever the input. The bytes must be
 * UTF-8 (a byte that is not throws, naming the line, rather than becoming U+FFFD); a byte order
 * mark is kept, so a JSON parser refuses it.
 *
 * @example
 * for await (const line of jsonlLines(createReadStream('run.jsonl'), LINE_CHARS_MAX)) console.log(line);
 */
export async function* jsonlLines(
  chunks: AsyncIterable<Uint8Array | string>,
  lineCharsMax: number,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const splitter = new LineSplitter(lineCharsMax);
  const decode = (chunk: Uint8Array | undefined): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      // Name the line of the first byte that is not UTF-8: count the breaks before it.
      const loose = chunk === undefined ? '' : new TextDecoder('utf-8', { ignoreBOM: true }).decode(chunk);
      const before = loose.slice(0, Math.max(0, loose.indexOf('\uFFFD')));
      const line = splitter.lineNo + (before.match(LINE_BREAK)?.length ?? 0);
      throw new ImportError(line, null, false, 'not UTF-8 text (a byte sequence UTF-8 does not allow)');
    }
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decode(chunk);
    yield* splitter.push(text);
  }
  yield* splitter.push(decode(undefined));
  yield* splitter.end();
}

const LINE_BREAK = /\r\n|\r|\n/g;

/** Splits text fed in pieces into lines, refusing a line longer than the bound as it grows. */
class LineSplitter {
  /** The number of the line being assembled (1-based). */
  lineNo = 1;
  #parts: string[] = [];
  #partChars = 0;
  /** The last piece ended with a lone `\r`: a `\n` starting the next piece belongs to it. */
  #afterCr = false;

  constructor(readonly lineCharsMax: number) {}

  push(text: string): string[] {
    if (text === '') return [];
    const lines: string[] = [];
    let at = this.#afterCr && text.startsWith('\n') ? 1 : 0;
    this.#afterCr = false;
    LINE_BREAK.lastIndex = at;
    for (let m = LINE_BREAK.exec(text); m !== null; m = LINE_BREAK.exec(text)) {
      this.#add(text, at, m.index);
      lines.push(this.#parts.length === 1 ? (this.#parts[0] ?? '') : this.#parts.join(''));
      this.#parts = [];
      this.#partChars = 0;
      this.lineNo += 1;
      at = LINE_BREAK.lastIndex;
      if (m[0] === '\r' && at === text.length) this.#afterCr = true;
    }
    this.#add(text, at, text.length);
    return lines;
  }

  /** The last line, when the text does not end with a line break. */
  end(): string[] {
    if (this.#partChars === 0) return [];
    const last = this.#parts.join('');
    this.#parts = [];
    this.#partChars = 0;
    return [last];
  }

  #add(text: string, from: number, to: number): void {
    if (to === from) return;
    if (this.#partChars + (to - from) > this.lineCharsMax)
      throw new ImportError(
        this.lineNo,
        null,
        false,
        `more than LINE_CHARS_MAX (${this.lineCharsMax}) characters (the longest line an export holds)`,
      );
    this.#parts.push(text.slice(from, to));
    this.#partChars += to - from;
  }
}
