import type { LogRecord, RecordKind } from '../log/LogRecord.js';

/**
 * A record as replay reads it: its seq, its kind, the record, and (read from a file) the stored
 * canonical body, which replay compares with the body of the record the re-run produced. Read from
 * a file, the records replay only compares are decoded when `record` is first read (a
 * DeferredRecord): a record reproduced byte for byte is never decoded.
 */
export interface LoggedRecord {
  readonly seq: number;
  /** `record.kind`, known without decoding a deferred record. */
  readonly kind: RecordKind;
  readonly record: LogRecord;
  readonly body?: string;
  /** Its stored chained checksum (read from a file). */
  readonly checksum?: string;
}
