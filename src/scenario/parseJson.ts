import { childPath } from './jsonPath.js';
import { ScenarioError, type SourcePosition } from './ScenarioError.js';

/** Largest scenario text the loader reads (characters). Scenarios are hand-written; this is generous. */
export const scenarioTextCharsMax = 16 * 1024 * 1024;
/** Deepest nesting of arrays and objects the loader reads. A version-1 scenario needs 5. */
export const jsonDepthMax = 64;

/** How `parseJson` reads numbers. */
export interface ParseJsonOptions {
  /**
   * Refuse a number literal with a fraction or an exponent (`1.0`, `1e2`), rule `integer`, naming
   * the literal: a scenario's numbers are integers, and `1e-400` would otherwise read as 0. Check
   * models keep fractions (rates such as `0.3`), so the default is false.
   */
  readonly integersOnly?: boolean;
}

export interface ParsedJson {
  readonly value: unknown;
  /** Where each value starts, by JSON path (see jsonPath.ts). */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

/**
 * Parse JSON text strictly (RFC 8259) and remember where every value starts, so that errors found
 * later can name a line and column. Unlike JSON.parse it rejects an object that names a key twice
 * and an integer literal at or beyond 2^53 (which JSON.parse would silently round), and it reports
 * syntax errors with the line, column and JSON path where they occur. A number literal beyond the
 * range of a double (`1e400`) is refused (rule `precision`) rather than read as Infinity, and a
 * leading byte order mark is named as such (RFC 8259 §8.1 forbids adding one; JSON.parse refuses it).
 *
 * @example
 * parseJson('{"seed": 7}').positions.get('$.seed'); // { line: 1, column: 10 }
 * parseJson('{"seed": 1e2}', { integersOnly: true }); // throws '$.seed: 1e2 is not an integer literal …; write 100'
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): ParsedJson {
  if (text.length > scenarioTextCharsMax) {
    throw new ScenarioError(
      '$',
      'json-limit',
      `scenario text is ${text.length} characters; the limit is ${scenarioTextCharsMax}`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) {
    throw new ScenarioError(
      '$',
      'json-syntax',
      'a UTF-8 byte order mark (EF BB BF) starts the text; JSON text has none (RFC 8259 §8.1): save the file as UTF-8 without a BOM',
      { line: 1, column: 1 },
    );
  }
  const parser = new JsonParser(text, options.integersOnly ?? false);
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

  constructor(
    private readonly text: string,
    private readonly integersOnly: boolean,
  ) {
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
    const c = String.fromCodePoint(this.text.codePointAt(this.offset) ?? 0);
    // An invisible character (a control, a format character such as U+FEFF, a non-ASCII space) by number.
    if (/^[\p{C}\p{Z}]$/u.test(c) && c !== ' ')
      return `character U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `character ${JSON.stringify(c)}`;
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
    if (this.integersOnly && /[.eE]/.test(literal))
      throw new ScenarioError(path, 'integer', notIntegerLiteral(literal), this.positionOf(start));
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      throw new ScenarioError(
        path,
        'precision',
        `JSON number ${literal} is beyond the range of a double (it would read as ${value > 0 ? '' : '-'}Infinity)`,
        this.positionOf(start),
      );
    }
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

/** Digits of an exact integer the hint still spells out; beyond, the value is only said to be large. */
const HINT_DIGITS_MAX = 40;

/**
 * Why a literal with a fraction or an exponent is refused where integers are read, with the integer
 * to write when its exact value is one (`1e2`: write 100; `1.0`: write 1), computed exactly (a
 * double would turn `1e-400` into 0).
 */
function notIntegerLiteral(literal: string): string {
  const head = `${literal} is not an integer literal (scenario numbers are JSON integers: no '.', 'e' or 'E')`;
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(literal);
  if (m === null) return head;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return `${head}; write 0`;
  // value = digits × 10^shift, exactly.
  const shift = Number(exponent) - fraction.length;
  let magnitude: string;
  if (shift >= 0) {
    if (digits.length + shift > HINT_DIGITS_MAX)
      return `${head}; its value has ${digits.length + shift} digits`;
    magnitude = `${digits}${'0'.repeat(shift)}`;
  } else {
    const zeros = /0*$/.exec(digits)?.[0].length ?? 0;
    if (-shift > zeros) return `${head}; its value is not an integer`;
    magnitude = digits.slice(0, digits.length + shift);
  }
  const n = BigInt(`${sign}${magnitude}`);
  return n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n
    ? `${head}; write ${n}`
    : `${head}; write it as a string: "${n}"`;
}
