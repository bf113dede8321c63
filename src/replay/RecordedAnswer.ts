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
  return {
    control,
    inputLength: inputChars / 2,
    inputIs: (input) =>
      input.length * 2 === inputChars && body.slice(inputAt, inputEnd) === bytesToHex(input),
    status,
    output,
  };
}
