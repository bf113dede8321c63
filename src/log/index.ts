/**
 * The durable event log: SQLite through node:sqlite (WAL, one transaction per commit), append-only,
 * a chained checksum per record, a run header; JSON Lines export and import. See README.md.
 */
export { canonicalJson, canonicalString } from './canonicalJson.js';
export { headerChecksum, recordChecksum } from './checksum.js';
export { decodeRecord, decodeRecordValue } from './decodeRecord.js';
export { encodeRecord, HYPERCALL_BYTES_MAX, RECORD_BODY_BYTES_MAX } from './encodeRecord.js';
export { endLine, EXPORT_FORMAT, exportLines, headerLine, recordLine } from './exportLog.js';
export { bytesToHex, hexToBytes, hexToWord, wordToHex } from './hexBytes.js';
export { ImportError, importLog } from './importLog.js';
export { isCanonicalBody } from './isCanonicalBody.js';
export type { EditedRecord, ImportOptions, ImportReport } from './importLog.js';
export type { StaleImports } from './importTarget.js';
export type { JsonObject, JsonValue } from './JsonValue.js';
export { LogError, RecordError } from './LogError.js';
export type { LogProblem, RecordProblem } from './LogError.js';
export {
  canonicalHeader,
  checksumOfHeader,
  HEADER_CHARS_MAX,
  LOG_FORMAT_VERSION,
  makeHeader,
} from './LogHeader.js';
export type { LogHeader, LogHeaderInit } from './LogHeader.js';
export { RECORD_KINDS, RECORD_VERSIONS } from './LogRecord.js';
export type {
  HypercallRecord,
  IntentRecord,
  LogRecord,
  OperationRecord,
  RecordKind,
  ResultOutcome,
  ResultRecord,
  SnapshotRecord,
  StoredRecord,
  TransitionRecord,
} from './LogRecord.js';
export { LogReader, openLog } from './LogReader.js';
export type { EndMarker, LogStats, LogVerdict, ReadOptions } from './LogReader.js';
export { LogWriter } from './LogWriter.js';
export type { LogDurability, LogWriterOptions } from './LogWriter.js';
export { LOG_APPLICATION_ID } from './schema.js';
export { hypercallRecordOf } from './hypercallRecordOf.js';
export { resultRecordOf } from './resultRecordOf.js';
