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
    if (this.#record === undefined) this.#record = this.#decode();
    return this.#record;
  }

  #decode(): LogRecord {
    let record: LogRecord;
    try {
      record = decodeRecord(this.body);
    } catch (e) {
      if (e instanceof RecordError) throw new LogError(this.path, this.seq, e.problem, e.message);
      throw e;
    }
    if (this.verify && record.kind !== this.kind)
      throw new LogError(
        this.path,
        this.seq,
        'kind-mismatch',
        `kind column '${this.kind}' disagrees with the body's '${record.kind}'`,
      );
    return record;
  }
}
