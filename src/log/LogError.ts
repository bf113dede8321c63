/**
 * What is wrong with a log. `not-a-log` is bad input (the file is missing, is not SQLite, or is
 * another program's database); every other problem is an integrity failure of an mshv-control log.
 */
export type LogProblem =
  | 'not-a-log'
  | 'header-missing'
  | 'header-version'
  | 'header-invalid'
  | 'header-checksum'
  | 'seq-gap'
  | 'checksum'
  | 'undecodable'
  | 'unknown-kind'
  | 'record-version'
  | 'kind-mismatch'
  | 'truncated'
  | 'end-marker'
  | 'storage';

/**
 * A log that cannot be read as written: names the file, the record (`seq`, or null for the file or
 * its header) and what is wrong. Reading stops at the first such record; nothing is repaired. The
 * message is printable: a damaged file can put any byte into a detail (a stored checksum, a kind
 * column), and control characters in it are escaped (`\x00`), never written to a terminal.
 *
 * @example
 * new LogError('run.log', 42, 'checksum', 'checksum mismatch').message; // 'run.log: seq 42: checksum mismatch'
 */
export class LogError extends Error {
  readonly detail: string;

  constructor(
    readonly path: string,
    readonly seq: number | null,
    readonly problem: LogProblem,
    detail: string,
  ) {
    const printable = printableText(detail);
    super(`${printableText(path)}: ${seq === null ? '' : `seq ${seq}: `}${printable}`);
    this.detail = printable;
    this.name = 'LogError';
  }

  /**
   * True when the file is not an mshv-control log this build reads (bad input rather than damage):
   * missing, not SQLite, another program's database, or a log of a format version this build does
   * not read (the build that wrote it reads it).
   */
  get isBadInput(): boolean {
    return this.problem === 'not-a-log' || this.problem === 'header-version';
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text with its control characters (C0, DEL, C1) escaped as `\xNN`: what a message may quote from
 * a damaged file, made safe to print.
 *
 * @example
 * printableText('stored 8b1b62e6b0a3ddb\u0000'); // 'stored 8b1b62e6b0a3ddb\\x00'
 */
export function printableText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Why a record body (or an import line) does not decode: the field and the rule it breaks. */
export type RecordProblem = 'undecodable' | 'unknown-kind' | 'record-version';

/**
 * A record that does not decode, or a record value that cannot be encoded: names the field.
 *
 * @example
 * new RecordError('undecodable', 'hypercall.control: 5 is not a u64 word').message;
 */
export class RecordError extends Error {
  constructor(
    readonly problem: RecordProblem,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}
