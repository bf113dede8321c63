import { canonicalString } from '../log/canonicalJson.js';
import { HYPERCALL_BYTES_MAX, RECORD_BODY_BYTES_MAX } from '../log/encodeRecord.js';
import { bytesToHex, hexToBytes, hexToWord } from '../log/hexBytes.js';
import { type HypercallRecord, RECORD_VERSIONS } from '../log/LogRecord.js';
import type { LoggedRecord } from './LoggedRecord.js';
import { sameBytes } from './sameBytes.js';

/**
 * What the recorded hypervisor takes from the log's next hypercall record: the control word and
 * input bytes to check the request against, and the status word and output bytes to answer with.
 *
 * @example
 * const a = recordedAnswer(next);
 * if (a.control !== control || !a.inputIs(input)) throw divergence;
 */
export interface RecordedAnswer {
  readonly control: bigint;
  /** Bytes of input the log recorded. */
  readonly inputLength: number;
  /** Whether `input` is the recorded input, byte for byte. */
  inputIs(input: Uint8Array): boolean;
  readonly status: bigint;
  readonly output: Uint8Array | null;
  /**
   * True when the record the re-run produced for this call is exactly the stored one (its canonical
   * body is the stored body), judged field by field without encoding it: the words and output against
   * the values read from the text, the input against a copy of the request `inputIs` accepted (so a
   * page written since cannot pass), and every other span of the text against the field it holds.
   * False when it cannot tell (no stored body, no request accepted, a field `encodeRecord` would
   * refuse): the caller then compares the whole record (`compareRecord`), which also describes a
   * difference or throws for a malformed record.
   */
  recordIs(actual: HypercallRecord): boolean;
}

/**
 * The answer in the log's next hypercall record. Read from a file, the record is not decoded: its
 * body is canonical text of a fixed layout, so the four fields are found by position (the output and
 * status counted from the end, where no name or op string can be in the way), the input is compared
 * as hex text in place (a page's bytes are not decoded from hex, only the request's encoded to it),
 * and only the status word and the output are parsed. What this reads is not all a record is: the
 * record the re-run produces is then compared with the whole stored body (`compareRecord`), which
 * is where a body that is not canonical, or differs anywhere else, is found. A body that does not
 * have the layout is decoded as before (a damaged body is then the LogError naming its seq).
 *
 * @example
 * recordedAnswer({ seq: 9, kind: 'hypercall', record, body }).status; // the recorded status word
 */
export function recordedAnswer(next: LoggedRecord): RecordedAnswer {
  const fromText = next.body === undefined ? null : answerFromBody(next.body);
  return fromText ?? answerFromRecord(next.record as HypercallRecord);
}

function answerFromRecord(r: HypercallRecord): RecordedAnswer {
  return {
    control: r.control,
    inputLength: r.input.length,
    inputIs: (input) => sameBytes(input, r.input),
    status: r.status,
    output: r.output,
    recordIs: () => false,
  };
}

const HEAD = '{"code":';
const CONTROL = ',"control":"';
const INPUT = '","input":"';
const TAIL = `","v":${RECORD_VERSIONS.hypercall},"window":`;
const STATUS = ',"status":"';
const REPS = ',"repsCompleted":';
const OUTPUT = ',"output":';
const KIND = '","kind":"hypercall","name":';
/** `0x` and 16 hex digits. */
const WORD_CHARS = 18;
const QUOTE = 0x22;

/** The answer read by position from a canonical hypercall body, or null when it has another layout. */
function answerFromBody(body: string): RecordedAnswer | null {
  if (!body.startsWith(HEAD)) return null;
  const controlAt = body.indexOf(CONTROL, HEAD.length) + CONTROL.length;
  if (controlAt < CONTROL.length) return null;
  const control = hexToWord(body.slice(controlAt, controlAt + WORD_CHARS));
  if (control === null || !body.startsWith(INPUT, controlAt + WORD_CHARS)) return null;
  const inputAt = controlAt + WORD_CHARS + INPUT.length;
  // From the end: …,"output":null|"hex","repsCompleted":N,"status":"0x…","v":1,"window":W}
  const tailAt = body.lastIndexOf(TAIL);
  const statusAt = tailAt - WORD_CHARS;
  if (tailAt < 0 || !body.startsWith(STATUS, statusAt - STATUS.length)) return null;
  const status = hexToWord(body.slice(statusAt, tailAt));
  const repsAt = body.lastIndexOf(REPS, statusAt);
  if (status === null || repsAt < inputAt) return null;
  let output: Uint8Array | null = null;
  let outputAt = repsAt - OUTPUT.length - 4;
  if (!body.startsWith(`${OUTPUT}null`, outputAt)) {
    if (body.charCodeAt(repsAt - 1) !== QUOTE) return null;
    outputAt = body.lastIndexOf(`${OUTPUT}"`, repsAt);
    if (outputAt < inputAt) return null;
    output = hexToBytes(body.slice(outputAt + OUTPUT.length + 1, repsAt - 1));
    if (output === null) return null;
  }
  // The input ends where the kind follows it, found backwards over the short name and op.
  const inputEnd = body.lastIndexOf(KIND, outputAt);
  if (inputEnd < inputAt || (inputEnd - inputAt) % 2 !== 0) return null;
  const inputChars = inputEnd - inputAt;
  const inputLength = inputChars / 2;
  const answer: RecordedAnswer = {
    control,
    inputLength,
    inputIs: (input) => {
      // A slice and ===, not startsWith at an offset: V8 compares a long search string char by char.
      const same = input.length === inputLength && body.slice(inputAt, inputEnd) === bytesToHex(input);
      if (same && input.length <= HYPERCALL_BYTES_MAX) {
        REQUEST.set(input);
        requestOwner = answer;
      } else if (requestOwner === answer) requestOwner = null;
      return same;
    },
    status,
    output,
    recordIs: (a) =>
      requestOwner === answer &&
      body.length <= RECORD_BODY_BYTES_MAX &&
      a.control === control &&
      a.status === status &&
      isU(a.code, 0x1_0000) &&
      isU(a.repsCompleted, 0x1_0000_0000) &&
      (a.window === null || isU(a.window, Number.MAX_SAFE_INTEGER + 1)) &&
      a.input instanceof Uint8Array &&
      (a.output === null || (a.output instanceof Uint8Array && a.output.length <= HYPERCALL_BYTES_MAX)) &&
      sameBytes(a.output, output) &&
      sameBytes(a.input, REQUEST.subarray(0, inputLength)) &&
      spanIs(body, HEAD.length, controlAt - CONTROL.length, String(a.code)) &&
      spanIs(body, inputEnd + KIND.length, outputAt, nameAndOp(a)) &&
      spanIs(body, repsAt + REPS.length, statusAt - STATUS.length, String(a.repsCompleted)) &&
      spanIs(body, tailAt + TAIL.length, body.length - 1, a.window === null ? 'null' : String(a.window)) &&
      body.charCodeAt(body.length - 1) === CLOSE,
  };
  return answer;
}

/**
 * The request the last accepted `inputIs` saw, copied (one page at most): what `recordIs` compares the
 * re-run's record with. One hypercall is answered at a time, and `requestOwner` says whose it is (null
 * once that answer's latest request was refused).
 */
const REQUEST = new Uint8Array(HYPERCALL_BYTES_MAX);
let requestOwner: RecordedAnswer | null = null;
const CLOSE = 0x7d;

/** A non-negative integer below `limit` (a u16, a u32, a safe integer): what encodeRecord takes. */
function isU(v: unknown, limit: number): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < limit;
}

/** True when `body[from, to)` is exactly `text`. */
function spanIs(body: string, from: number, to: number, text: string): boolean {
  return to - from === text.length && body.startsWith(text, from);
}

/** `"name","op":"op"` as the canonical body writes them; '' (matching nothing) for a name or op encodeRecord refuses. */
function nameAndOp(a: HypercallRecord): string {
  if (typeof a.name !== 'string' || a.name === '' || typeof a.op !== 'string' || a.op === '') return '';
  return `${canonicalString(a.name)},"op":${canonicalString(a.op)}`;
}
