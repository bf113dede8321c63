import { canonicalString } from './canonicalJson.js';
import { encodeRecord } from './encodeRecord.js';
import { RECORD_VERSIONS, type HypercallRecord, type LogRecord } from './LogRecord.js';

/**
 * Whether `body` is the canonical encoding of `record`, the record it decodes to: what
 * `encodeRecord(record) === body` says. A hypercall is checked piece by piece against its body
 * without encoding it (its hex is most of a log's text, and of a read's time): its keys, numbers
 * and names are compared as their canonical text; each of its hex strings (`control`, `input`,
 * `output`, `status`) is the string the decoder read at that very place, and its text there is
 * exactly its value when the value's length in characters ends at a closing quote (an escape would
 * make the text longer than the value, and a hex value holds no quote). `isCanonicalBody.test.ts`
 * holds it to `encodeRecord`.
 *
 * @example
 * isCanonicalBody(record, encodeRecord(record)); // true
 * isCanonicalBody(record, ` ${encodeRecord(record)}`); // false: same values, other text
 */
export function isCanonicalBody(record: LogRecord, body: string): boolean {
  return record.kind === 'hypercall' ? isCanonicalHypercall(record, body) : encodeRecord(record) === body;
}

/** A u64 word's canonical text: `0x` and 16 hex digits. */
const WORD_CHARS = 18;

function isCanonicalHypercall(r: HypercallRecord, body: string): boolean {
  let at = next(body, 0, '{"code":');
  at = next(body, at, String(r.code));
  at = next(body, at, ',"control":"');
  at = hex(body, at, WORD_CHARS);
  at = next(body, at, ',"input":"');
  at = hex(body, at, 2 * r.input.length);
  at = next(body, at, ',"kind":"hypercall","name":');
  at = next(body, at, canonicalString(r.name));
  at = next(body, at, ',"op":');
  at = next(body, at, canonicalString(r.op));
  at = next(body, at, ',"output":');
  at = r.output === null ? next(body, at, 'null') : hex(body, next(body, at, '"'), 2 * r.output.length);
  at = next(body, at, ',"repsCompleted":');
  at = next(body, at, String(r.repsCompleted));
  at = next(body, at, ',"status":"');
  at = hex(body, at, WORD_CHARS);
  at = next(body, at, HYPERCALL_VERSION);
  at = next(body, at, r.window === null ? 'null' : String(r.window));
  return next(body, at, '}') === body.length;
}

/** Where `body` goes on after `text` at `at`; -1 when it does not hold `text` there (or at is -1). */
function next(body: string, at: number, text: string): number {
  return at >= 0 && body.startsWith(text, at) ? at + text.length : -1;
}

/**
 * After a hex string of the decoded value's length and its closing quote: the quote there proves
 * the text before it is the value.
 */
function hex(body: string, at: number, chars: number): number {
  return at >= 0 && body.charCodeAt(at + chars) === QUOTE ? at + chars + 1 : -1;
}

const QUOTE = 0x22;
const HYPERCALL_VERSION = `,"v":${String(RECORD_VERSIONS.hypercall)},"window":`;
