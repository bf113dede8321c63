import { decodeRecord } from './decodeRecord.js';
import { LogError, RecordError } from './LogError.js';
import type { LogRecord, RecordKind, StoredRecord } from './LogRecord.js';

/**
 * A stored record whose body is decoded when `record` is first read, not when the row is read
 * (`ReadOptions.deferKinds`). `kind` is the kind column until then. Decoding runs the same checks
 * an eager read runs, the kind column against the body's kind included when the walk verifies, and
 * throws the same LogError naming the seq; the decoded record is kept.
 *
 * @example
 * const r = new DeferredRecord('run.log', 7, checksum, body, 'transition', true);
 * r.kind; // 'transition', without decoding
 * r.record.kind; // decodes now
 */
export class DeferredRecord implements StoredRecord {
  #record: LogRecord | undefined;

  constructor(
    readonly path: string,
    readonly seq: number,
    readonly checksum: string,
    readonly body: string,
    readonly kind: RecordKind,
    readonly verify: boolean,
  ) {}

  get record(): LogRecord {
    if (this.#record === undefined)
      this.#record = decodeStored(this.path, this.seq, this.body, this.kind, this.verify);
    return this.#record;
  }
}

/**
 * Decode a stored body, as a log read does: a body that does not decode is a LogError naming the
 * seq, and with `verify` the kind column must be the body's kind. One path for the records a read
 * decodes at once and the ones it defers.
 *
 * @example
 * decodeStored('run.log', 7, body, 'transition', true).kind; // 'transition'
 */
export function decodeStored(
  path: string,
  seq: number,
  body: string,
  kindColumn: unknown,
  verify: boolean,
): LogRecord {
  let record: LogRecord;
  try {
    record = decodeRecord(body);
  } catch (e) {
    if (e instanceof RecordError) throw new LogError(path, seq, e.problem, e.message);
    throw e;
  }
  if (verify && record.kind !== kindColumn)
    throw new LogError(
      path,
      seq,
      'kind-mismatch',
      `kind column '${String(kindColumn)}' disagrees with the body's '${record.kind}'`,
    );
  return record;
}
