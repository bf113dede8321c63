import { childPath } from './jsonPath.js';
import { ScenarioError, type SourcePosition } from './ScenarioError.js';

/** Largest scenario text the loader reads (characters). Scenarios are hand-written; this is generous. */
export const scenarioTextCharsMax = 16 * 1024 * 1024;
/** Deepest nesting of arrays and objects the loader reads. A version-1 scenario needs 5. */
export const jsonDepthMax = 64;

export interface ParsedJson {
  readonly value: unknown;
  /** Where each value starts, by JSON path (see jsonPath.ts). */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

/**
 * Parse JSON text strictly (RFC 8259) and remember where every value starts, so that errors found
 * later can name a line and column. Unlike JSON.parse it rejects an object that names a key twice
 * and an integer literal at or beyond 2^53 (which JSON.parse would silently round), and it reports
 * syntax errors with the line, column and JSON path where they occur.
 *
 * @example
 * parseJson('{"seed": 7}').positions.get('$.seed'); // { line: 1, column: 10 }
 */
export function parseJson(text: string): ParsedJson {
  if (text.length > scenarioTextCharsMax) {
    throw new ScenarioError(
      '$',
      'json-limit',
      `scenario text is ${text.length} characters; the limit is ${scenarioTextCharsMax}`,
    );
  }
  const parser = new JsonParser(text);
  parser.skipSpace();
  const value = parser.value('$', 0);
  parser.skipSpace();
  if (parser.offset < text.length) parser.fail('$', `unexpected ${parser.describeHere()} after the document`);
  return { value, positions: parser.positions };
}

class JsonParser {
  offset = 0;
  readonly positions = new Map<string, SourcePosition>();
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) this.lineStarts.push(i + 1);
  }

  positionOf(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  fail(path: string, detail: string, offset = this.offset): never {
    throw new ScenarioError(path, 'json-syntax', `JSON syntax: ${detail}`, this.positionOf(offset));
  }

  describeHere(): string {
    if (this.offset >= this.text.length) return 'end of text';
    return `character ${JSON.stringify(this.text[this.offset])}`;
  }

  skipSpace(): void {
    while (this.offset < this.text.length) {
      const c = this.text.charCodeAt(this.offset);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.offset++;
    }
  }

  value(path: string, depth: number): unknown {
    if (depth > jsonDepthMax) {
      throw new ScenarioError(
        path,
        'json-limit',
        `nesting deeper than ${jsonDepthMax}`,
        this.positionOf(this.offset),
      );
    }
    this.positions.set(path, this.positionOf(this.offset));
    const c = this.text[this.offset];
    if (c === '{') return this.object(path, depth);
    if (c === '[') return this.array(path, depth);
    if (c === '"') return this.string(path);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number(path);
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length;
        return v;
      }
    }
    if (c === "'") this.fail(path, 'strings need double quotes');
    return this.fail(path, `expected a value, found ${this.describeHere()}`);
  }

  private object(path: string, depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.offset++; // {
    this.skipSpace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] !== '"') {
        this.fail(path, `expected a member name in double quotes, found ${this.describeHere()}`);
      }
      const keyOffset = this.offset;
      const key = this.string(path);
      const memberPath = childPath(path, key);
      if (Object.hasOwn(result, key)) {
        throw new ScenarioError(
          memberPath,
          'duplicate-key',
          `key '${key}' appears twice in one object`,
          this.positionOf(keyOffset),
        );
      }
      this.skipSpace();
      if (this.text[this.offset] !== ':')
        this.fail(memberPath, `expected ':' after member name, found ${this.describeHere()}`);
      this.offset++;
      this.skipSpace();
      // defineProperty: a key named "__proto__" must become a plain member, not a prototype.
      Object.defineProperty(result, key, {
        value: this.value(memberPath, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      const next = this.text[this.offset];
      this.offset++;
      if (next === '}') return result;
      if (next !== ',') {
        this.offset--;
        this.fail(memberPath, `expected ',' or '}' after a member, found ${this.describeHere()}`);
      }
      this.skipSpace();
      if (this.text[this.offset] === '}') this.fail(path, 'trailing comma before }');
    }
  }

  private array(path: string, depth: number): unknown[] {
    const result: unknown[] = [];
    this.offset++; // [
    this.skipSpace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      const elementPath = childPath(path, result.length);
      result.push(this.value(elementPath, depth + 1));
      this.skipSpace();
      const next = this.text[this.offset];
      this.offset++;
      if (next === ']') return result;
      if (next !== ',') {
        this.offset--;
        this.fail(elementPath, `expected ',' or ']' after an element, found ${this.describeHere()}`);
      }
      this.skipSpace();
      if (this.text[this.offset] === ']') this.fail(path, 'trailing comma before ]');
    }
  }

  private string(path: string): string {
    const start = this.offset;
    this.offset++; // opening quote
    let out = '';
    let runStart = this.offset;
    for (;;) {
      if (this.offset >= this.text.length) this.fail(path, 'unterminated string', start);
      const c = this.text.charCodeAt(this.offset);
      if (c === 0x22) {
        out += this.text.slice(runStart, this.offset);
        this.offset++;
        return out;
      }
      if (c < 0x20) this.fail(path, 'control character in a string (escape it)');
      if (c !== 0x5c) {
        this.offset++;
        continue;
      }
      out += this.text.slice(runStart, this.offset);
      const e = this.text[this.offset + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && Object.hasOwn(simple, e)) {
        out += simple[e] ?? '';
        this.offset += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.offset + 2, this.offset + 6))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.offset + 2, this.offset + 6), 16));
        this.offset += 6;
      } else {
        this.fail(path, `invalid escape '\\${e ?? ''}' in a string`);
      }
      runStart = this.offset;
    }
  }

  private number(path: string): number {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.offset, this.offset + 400),
    );
    if (m === null) return this.fail(path, `invalid number starting with ${this.describeHere()}`);
    const literal = m[0];
    const start = this.offset;
    this.offset += literal.length;
    const c = this.text[this.offset];
    if (c !== undefined && /[0-9]/.test(c)) {
      this.fail(path, `invalid number '${literal}${c}...': JSON numbers have no leading zero`, start);
    }
    if (c !== undefined && /[A-Za-z_.]/.test(c)) {
      this.fail(
        path,
        `invalid number '${literal}${c}...': hex, sizes and units go in a string, e.g. "0x1000" or "4KiB"`,
        start,
      );
    }
    const value = Number(literal);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new ScenarioError(
        path,
        'precision',
        `JSON number ${literal} is beyond 2^53 and would be rounded; write it as a string${
          /^-?[0-9]+$/.test(literal) ? `, e.g. "${literal}"` : ' ("0x..." or decimal)'
        }`,
        this.positionOf(start),
      );
    }
    return value;
  }
}
