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
 * its header) and what is wrong. Reading stops at the first such record; nothing is repaired.
 *
 * @example
 * new LogError('run.log', 42, 'checksum', 'checksum mismatch').message; // 'run.log: seq 42: checksum mismatch'
 */
export class LogError extends Error {
  constructor(
    readonly path: string,
    readonly seq: number | null,
    readonly problem: LogProblem,
    readonly detail: string,
  ) {
    super(`${path}: ${seq === null ? '' : `seq ${seq}: `}${detail}`);
    this.name = 'LogError';
  }

  /** True when the file is not an mshv-control log at all (bad input rather than damage). */
  get isBadInput(): boolean {
    return this.problem === 'not-a-log';
  }
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
