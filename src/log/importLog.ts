import { linkSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isChecksumHex, recordChecksum } from './checksum.js';
import { decodeRecordValue } from './decodeRecord.js';
import { encodeRecord, RECORD_BODY_BYTES_MAX } from './encodeRecord.js';
import { EXPORT_FORMAT } from './exportLog.js';
import type { JsonObject } from './JsonValue.js';
import { RecordError } from './LogError.js';
import { checksumOfHeader, LOG_FORMAT_VERSION, makeHeader, type LogHeader } from './LogHeader.js';
import type { RecordKind } from './LogRecord.js';
import { LogWriter } from './LogWriter.js';

/**
 * A JSON Lines file that cannot be imported. `integrity` is true when the lines are well-formed
 * but were changed (a checksum that does not match, a missing line, a cut-off end): exit 1; false
 * for input that is not an export at all: exit 2.
 */
export class ImportError extends Error {
  constructor(
    readonly line: number,
    readonly seq: number | null,
    readonly integrity: boolean,
    detail: string,
  ) {
    super(`line ${line}${seq === null ? '' : ` (seq ${seq})`}: ${detail}`);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /**
   * Accept records whose content no longer matches their checksum (edited by hand) and write
   * recomputed checksums; every edited record is listed in the report. Default false: an edited
   * line fails the import naming it. Seq numbers are never renumbered: a missing, added or
   * reordered line fails either way.
   */
  readonly recomputeChecksums?: boolean;
}

/** An edited record that `recomputeChecksums` accepted. */
export interface EditedRecord {
  readonly line: number;
  readonly seq: number;
  readonly kind: RecordKind;
  /** The checksum the line carried. */
  readonly statedChecksum: string;
  /** The checksum written. */
  readonly writtenChecksum: string;
}

export interface ImportReport {
  readonly records: number;
  /** The export had an end line, so the new log is closed with an end marker too. */
  readonly closed: boolean;
  /** The header line's fields were edited (accepted with `recomputeChecksums`). */
  readonly headerEdited: boolean;
  readonly edited: readonly EditedRecord[];
  /** Unedited records whose checksum changed only because an earlier one was edited (the chain). */
  readonly rechained: number;
}

/** The longest line an export can hold: the largest record body and room for seq and checksum. */
export const LINE_CHARS_MAX = RECORD_BODY_BYTES_MAX + 1024;

/** Records per transaction while importing. */
const IMPORT_BATCH_RECORDS = 10_000;

/**
 * Build a new log at `target` from export lines (`exportLines`). Each line's checksum is checked
 * against its content and its predecessor's stated checksum, so an edited line is named exactly
 * (and the lines after it are not blamed). The log is written beside `target` and linked into
 * place only when complete: a failed import leaves nothing at `target`, and an existing `target`
 * is never overwritten (Error with code EEXIST).
 *
 * @example
 * await importLog(readFileSync('run.jsonl', 'utf8').split('\n'), '/tmp/copy.log');
 */
export async function importLog(
  lines: Iterable<string> | AsyncIterable<string>,
  target: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const tmpDir = mkdtempSync(join(dirname(target), `.${basename(target)}.import-`));
  const tmpLog = join(tmpDir, 'log');
  let writer: LogWriter | undefined;
  try {
    const state = new ImportState(options.recomputeChecksums ?? false);
    let lineNo = 0;
    let blank: number | null = null;
    for await (const raw of lines) {
      lineNo += 1;
      if (raw.length > LINE_CHARS_MAX)
        throw new ImportError(
          lineNo,
          null,
          false,
          `${raw.length} characters, above LINE_CHARS_MAX (${LINE_CHARS_MAX})`,
        );
      if (raw.trim() === '') {
        blank ??= lineNo;
        continue;
      }
      if (blank !== null) throw new ImportError(blank, null, false, 'blank line inside the export');
      if (writer === undefined) {
        writer = LogWriter.create(tmpLog, state.header(parseLine(raw, lineNo), lineNo));
        continue;
      }
      state.line(writer, parseLine(raw, lineNo), lineNo);
      if (writer.pendingCount >= IMPORT_BATCH_RECORDS) writer.commit();
    }
    if (writer === undefined) throw new ImportError(1, null, false, 'empty: no header line');
    const closed = state.endSeen;
    writer.close({ endMarker: closed });
    writer = undefined;
    linkSync(tmpLog, target); // fails with EEXIST rather than replace a file that appeared meanwhile
    return {
      records: state.records,
      closed,
      headerEdited: state.headerEdited,
      edited: state.edited,
      rechained: state.rechained,
    };
  } finally {
    writer?.close({ endMarker: false });
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

class ImportState {
  records = 0;
  headerEdited = false;
  endSeen = false;
  rechained = 0;
  readonly edited: EditedRecord[] = [];
  /** The previous line's stated checksum (the header's for seq 1). */
  #statedPrev = '';

  constructor(readonly recompute: boolean) {}

  header(o: Readonly<Record<string, unknown>>, line: number): LogHeader {
    if (o.format !== EXPORT_FORMAT)
      throw new ImportError(
        line,
        null,
        false,
        `header: expected "format": "${EXPORT_FORMAT}" on the first line`,
      );
    if (o.formatVersion !== LOG_FORMAT_VERSION)
      throw new ImportError(
        line,
        null,
        false,
        `header: format version ${o.formatVersion === undefined ? 'missing' : JSON.stringify(o.formatVersion)} is not supported (this build reads ${LOG_FORMAT_VERSION})`,
      );
    const allowed = [
      'checksum',
      'createdBy',
      'format',
      'formatVersion',
      'meta',
      'nodeVersion',
      'productVersion',
      'seed',
    ];
    for (const k of Object.keys(o))
      if (!allowed.includes(k)) throw new ImportError(line, null, false, `header.${k}: unknown field`);
    const str = (k: string): string => {
      const v = o[k];
      if (typeof v !== 'string') throw new ImportError(line, null, false, `header.${k}: expected a string`);
      return v;
    };
    const meta = o.meta;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
      throw new ImportError(line, null, false, 'header.meta: expected a JSON object');
    let header: LogHeader;
    try {
      header = makeHeader(
        {
          seed: str('seed'),
          productVersion: str('productVersion'),
          nodeVersion: str('nodeVersion'),
          createdBy: str('createdBy'),
          meta: meta as JsonObject,
        },
        LOG_FORMAT_VERSION,
      );
    } catch (e) {
      throw new ImportError(line, null, false, (e as Error).message);
    }
    const stated = this.#checksum(o, line, null);
    const computed = checksumOfHeader(header);
    if (stated !== computed) {
      if (!this.recompute)
        throw new ImportError(
          line,
          null,
          true,
          `header: checksum mismatch: the line says ${stated}, its fields give ${computed} (edited; --recompute-checksums accepts edits)`,
        );
      this.headerEdited = true;
    }
    this.#statedPrev = stated;
    return header;
  }

  line(writer: LogWriter, o: Readonly<Record<string, unknown>>, line: number): void {
    if (this.endSeen) throw new ImportError(line, null, false, 'a line after the end line');
    if (o.end === true) {
      this.#end(writer, o, line);
      return;
    }
    const expected = writer.lastSeq + 1;
    const seq = o.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
      throw new ImportError(line, null, false, 'seq: expected a positive integer');
    if (seq !== expected)
      throw new ImportError(
        line,
        seq,
        true,
        seq > expected
          ? `seq gap: expected seq ${expected} (${seq - expected} record(s) missing before this line)`
          : `out of order: expected seq ${expected}`,
      );
    const stated = this.#checksum(o, line, seq);
    let body: string;
    let kind: RecordKind;
    try {
      const record = decodeRecordValue(o, ['seq', 'checksum']);
      body = encodeRecord(record);
      kind = record.kind;
      writer.append(record);
    } catch (e) {
      if (e instanceof RecordError || e instanceof TypeError || e instanceof RangeError)
        throw new ImportError(line, seq, false, e.message);
      throw e;
    }
    const own = recordChecksum(this.#statedPrev, seq, body);
    const written = writer.lastChecksum;
    if (own !== stated) {
      if (!this.recompute)
        throw new ImportError(
          line,
          seq,
          true,
          `${kind}: checksum mismatch: the line says ${stated}, its content gives ${String(own)} (the record was edited; --recompute-checksums accepts edits)`,
        );
      this.edited.push({ line, seq, kind, statedChecksum: stated, writtenChecksum: written });
    } else if (written !== stated) {
      this.rechained += 1;
    }
    this.#statedPrev = stated;
    this.records += 1;
  }

  #end(writer: LogWriter, o: Readonly<Record<string, unknown>>, line: number): void {
    for (const k of Object.keys(o))
      if (!['checksum', 'end', 'lastSeq'].includes(k))
        throw new ImportError(line, null, false, `end.${k}: unknown field`);
    const lastSeq = o.lastSeq;
    if (typeof lastSeq !== 'number' || !Number.isSafeInteger(lastSeq) || lastSeq < 0)
      throw new ImportError(line, null, false, 'end.lastSeq: expected a non-negative integer');
    if (lastSeq !== writer.lastSeq)
      throw new ImportError(
        line,
        null,
        true,
        lastSeq > writer.lastSeq
          ? `truncated: the end line says the log ends at seq ${lastSeq}, the records stop at seq ${writer.lastSeq}`
          : `the end line says the log ends at seq ${lastSeq}, but records continue to seq ${writer.lastSeq}`,
      );
    const stated = this.#checksum(o, line, null);
    if (stated !== this.#statedPrev && !this.recompute)
      throw new ImportError(
        line,
        null,
        true,
        `end: checksum ${stated} differs from the last record's ${this.#statedPrev} (edited; --recompute-checksums accepts edits)`,
      );
    this.endSeen = true;
  }

  #checksum(o: Readonly<Record<string, unknown>>, line: number, seq: number | null): string {
    const c = o.checksum;
    if (typeof c !== 'string' || !isChecksumHex(c))
      throw new ImportError(line, seq, false, 'checksum: expected 16 lowercase hex digits');
    return c;
  }
}

function parseLine(raw: string, line: number): Readonly<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new ImportError(line, null, false, `not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ImportError(line, null, false, 'expected a JSON object');
  return v as Readonly<Record<string, unknown>>;
}
