import { canonicalJson } from './canonicalJson.js';
import { LogError } from './LogError.js';
import type { LogHeader } from './LogHeader.js';
import type { LogReader } from './LogReader.js';

/** The `format` field of an export's first line. */
export const EXPORT_FORMAT = 'mshv-control-log';

/**
 * The header line's field that marks the export of a log that was not closed (no end marker: its
 * writer crashed or is still writing): the last seq the export holds. Such an export has no end
 * line, so without it an import could not tell it from an export cut short. Not part of the
 * header's checksum (like `format`, it describes the export, not the run).
 */
export const UNCLOSED_KEY = 'unclosedLastSeq';

/** The field that makes a line a damage line (see `damageLine`). */
export const DAMAGE_KEY = 'damaged';

/**
 * The header line of an export: canonical JSON of the header fields, `format` and the header's
 * checksum; for a log that was not closed, `unclosedLastSeq` (the last seq the export holds).
 *
 * @example
 * headerLine(h, 'cbf29ce484222325'); // '{"checksum":"cbf2...","createdBy":"...","format":"mshv-control-log",...}'
 */
export function headerLine(h: LogHeader, checksum: string, unclosedLastSeq: number | null = null): string {
  return canonicalJson({
    checksum,
    createdBy: h.createdBy,
    format: EXPORT_FORMAT,
    formatVersion: h.formatVersion,
    meta: h.meta,
    nodeVersion: h.nodeVersion,
    productVersion: h.productVersion,
    seed: h.seed,
    ...(unclosedLastSeq === null ? {} : { [UNCLOSED_KEY]: unclosedLastSeq }),
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
 *
 * @example
 * endLine(53, '0123456789abcdef'); // '{"checksum":"0123456789abcdef","end":true,"lastSeq":53}'
 */
export function endLine(lastSeq: number, checksum: string): string {
  return canonicalJson({ checksum, end: true, lastSeq });
}

/**
 * The damage line: the last line of an export that stopped at a record it could not read, naming
 * the seq (null when the damage is not in one record) and the reader's problem and detail. An
 * import refuses it (exit 1), so an export of a damaged log never imports as a shorter, healthy one.
 *
 * @example
 * damageLine(new LogError('run.log', 20, 'seq-gap', 'missing'));
 * // '{"damaged":true,"detail":"missing","problem":"seq-gap","seq":20}'
 */
export function damageLine(e: LogError): string {
  return canonicalJson({ [DAMAGE_KEY]: true, detail: e.detail, problem: e.problem, seq: e.seq });
}

/**
 * A log as JSON Lines: the header line, one line per record in seq order, and the end line when
 * the log was closed. A log that was not closed has no end line; its header line says the last seq
 * (`unclosedLastSeq`, the records committed when the export began: a writer still running may add
 * more, which this export leaves out). Every record is verified as it is read, so a damaged log
 * ends with a damage line after the lines before it and then throws its LogError, naming the
 * record; the header line is always written first, even when the end marker or the last seq does
 * not read (then the damage line follows it at once, its seq null). Same log, same bytes.
 *
 * @example
 * for (const line of exportLines(openLog('/tmp/run.log'))) process.stdout.write(`${line}\n`);
 */
export function* exportLines(log: LogReader): Generator<string, void, undefined> {
  let end: ReturnType<LogReader['endMarker']>;
  let unclosedLastSeq: number | null;
  try {
    end = log.endMarker();
    // The last seq alone (the key's last entry): a count would read every page, damaged ones too.
    unclosedLastSeq = end === null ? Math.max(0, log.lastStoredSeq() ?? 0) : null;
  } catch (e) {
    if (!(e instanceof LogError)) throw e;
    yield headerLine(log.header, log.headerChecksum);
    yield damageLine(e);
    throw e;
  }
  yield headerLine(log.header, log.headerChecksum, unclosedLastSeq);
  try {
    for (const r of log.records()) {
      if (unclosedLastSeq !== null && r.seq > unclosedLastSeq) break;
      yield recordLine(r.seq, r.checksum, r.body);
    }
  } catch (e) {
    if (e instanceof LogError) yield damageLine(e);
    throw e;
  }
  if (end !== null) yield endLine(end.lastSeq, end.lastChecksum);
}
