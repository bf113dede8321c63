import type { LogRecord } from '../log/LogRecord.js';

/**
 * A record as replay reads it: its seq, the record, and (read from a file) the stored canonical
 * body, which replay compares with the body of the record the re-run produced.
 */
export interface LoggedRecord {
  readonly seq: number;
  readonly record: LogRecord;
  readonly body?: string;
  /** Its stored chained checksum (read from a file). */
  readonly checksum?: string;
}
