import { canonicalJson } from './canonicalJson.js';
import type { LogHeader } from './LogHeader.js';
import type { LogReader } from './LogReader.js';

/** The `format` field of an export's first line. */
export const EXPORT_FORMAT = 'mshv-control-log';

/**
 * The header line of an export: canonical JSON of the header fields, `format` and the header's
 * checksum.
 *
 * @example
 * headerLine(h, 'cbf29ce484222325'); // '{"checksum":"cbf2...","createdBy":"...","format":"mshv-control-log",...}'
 */
export function headerLine(h: LogHeader, checksum: string): string {
  return canonicalJson({
    checksum,
    createdBy: h.createdBy,
    format: EXPORT_FORMAT,
    formatVersion: h.formatVersion,
    meta: h.meta,
    nodeVersion: h.nodeVersion,
    productVersion: h.productVersion,
    seed: h.seed,
  });
}

/**
 * One record line: `seq` and `checksum` first, then the stored body's fields (already canonical).
 *
 * @example
 * recordLine(1, 'abcd...', '{"kind":"snapshot","state":null,"v":1}');
 * // '{"seq":1,"checksum":"abcd...","kind":"snapshot","state":null,"v":1}'
 */
export function recordLine(seq: number, checksum: string, body: string): string {
  return `{"seq":${seq},"checksum":"${checksum}",${body.slice(1)}`;
}

/**
 * The end line, written when the log was closed: the last seq and its checksum, so an import can
 * tell a cut-off export from a complete one.
 */
export function endLine(lastSeq: number, checksum: string): string {
  return canonicalJson({ checksum, end: true, lastSeq });
}

/**
 * A log as JSON Lines: the header line, one line per record in seq order, and the end line when
 * the log was closed. Every record is verified as it is read, so a damaged log throws a LogError
 * naming the record after the lines before it were produced. Same log, same bytes.
 *
 * @example
 * for (const line of exportLines(openLog('/tmp/run.log'))) process.stdout.write(`${line}\n`);
 */
export function* exportLines(log: LogReader): Generator<string, void, undefined> {
  const end = log.endMarker();
  yield headerLine(log.header, log.headerChecksum);
  for (const r of log.records()) yield recordLine(r.seq, r.checksum, r.body);
  if (end !== null) yield endLine(end.lastSeq, end.lastChecksum);
}
