import { linkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isChecksumHex, recordChecksum } from './checksum.js';
import { decodeRecordValue } from './decodeRecord.js';
import { encodeRecord, RECORD_BODY_BYTES_MAX } from './encodeRecord.js';
import { DAMAGE_KEY, EXPORT_FORMAT, UNCLOSED_KEY } from './exportLog.js';
import { ImportError } from './ImportError.js';
import {
  checkImportTarget,
  checkNoSideFiles,
  makeImportDir,
  sweepStaleImports,
  type StaleImports,
} from './importTarget.js';
import type { JsonObject } from './JsonValue.js';
import { RecordError } from './LogError.js';
import { checksumOfHeader, LOG_FORMAT_VERSION, makeHeader, type LogHeader } from './LogHeader.js';
import type { RecordKind } from './LogRecord.js';
import { LogWriter } from './LogWriter.js';
import { parseImportLine } from './parseImportLine.js';

export { ImportError, ImportTargetError } from './ImportError.js';

export interface ImportOptions {
  /**
   * Accept records whose content no longer matches their checksum (edited by hand) and write
   * recomputed checksums; every edited record is listed in the report. Default false: an edited
   * line fails the import naming it. Seq numbers are never renumbered: a missing, added or
   * reordered line, or an end line that does not match, fails either way.
   */
  readonly recomputeChecksums?: boolean;
  /**
   * Accept an export that shows no end: neither an end line nor, on its header line, the last seq
   * of a log that was not closed (`unclosedLastSeq`). Such an export was cut off, or is an unclosed
   * log's export written by a build before `unclosedLastSeq` existed; the two cannot be told
   * apart, so by default it fails (integrity). With this option it becomes an unclosed log ending
   * at its last line (`ImportReport.endUnconfirmed`).
   */
  readonly allowUnclosed?: boolean;
  /**
   * Told what `sweepStaleImports` found beside the target, before the first line is read (so a
   * caller can say so even when the import then fails); the report carries it too.
   */
  readonly onStaleImports?: (stale: StaleImports) => void;
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
  /**
   * The export had no end line and no `unclosedLastSeq` to check its length against: it was
   * imported as an unclosed log because `allowUnclosed` was given, and it may have been cut off.
   */
  readonly endUnconfirmed: boolean;
  /** The header line's fields were edited (accepted with `recomputeChecksums`). */
  readonly headerEdited: boolean;
  readonly edited: readonly EditedRecord[];
  /** Unedited records whose checksum changed only because an earlier one was edited (the chain). */
  readonly rechained: number;
  /** Directories killed imports of the same target left beside it: removed, or kept (see `sweepStaleImports`). */
  readonly staleImports: StaleImports;
}

/**
 * The longest line an export can hold: the largest record body (or header: `HEADER_CHARS_MAX` is
 * the same bound) and room for seq and checksum (or the header line's format, checksum and
 * `unclosedLastSeq`).
 */
export const LINE_CHARS_MAX = RECORD_BODY_BYTES_MAX + 1024;

/** Records per transaction while importing. */
const IMPORT_BATCH_RECORDS = 10_000;

/**
 * Build a new log at `target` from export lines (`exportLines`). Each line's checksum is checked
 * against its content and its predecessor's stated checksum, so an edited line is named exactly
 * (and the lines after it are not blamed). The target is checked before any line is read
 * (`checkImportTarget`: nothing there, no SQLite side file beside it, a writable directory); the
 * log is written in a directory beside it and linked into place only when complete: a failed
 * import leaves nothing at `target` and removes its directory, and an existing `target` is never
 * overwritten (Error with code EEXIST). An export must show where it ends: its end line, or the
 * `unclosedLastSeq` of its header line (`allowUnclosed` accepts neither); an export that stopped
 * at damage in its log fails naming the seq. Lines from a file: `jsonlLines`, which bounds them.
 *
 * @example
 * await importLog(jsonlLines(createReadStream('run.jsonl'), LINE_CHARS_MAX), '/tmp/copy.log');
 */
export async function importLog(
  lines: Iterable<string> | AsyncIterable<string>,
  target: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  checkImportTarget(target);
  const staleImports = sweepStaleImports(target);
  options.onStaleImports?.(staleImports);
  const tmpDir = makeImportDir(target);
  const tmpLog = join(tmpDir, 'log');
  let writer: LogWriter | undefined;
  try {
    const state = new ImportState(options.recomputeChecksums ?? false);
    let lineNo = 0;
    let lastLine = 0;
    let blank: number | null = null;
    for await (const raw of lines) {
      lineNo += 1;
      if (raw.length > LINE_CHARS_MAX)
        throw new ImportError(
          lineNo,
          null,
          false,
          `more than LINE_CHARS_MAX (${LINE_CHARS_MAX}) characters (the longest line an export holds)`,
        );
      if (raw.trim() === '') {
        blank ??= lineNo;
        continue;
      }
      if (blank !== null) throw new ImportError(blank, null, false, 'blank line inside the export');
      lastLine = lineNo;
      if (writer === undefined) {
        writer = LogWriter.create(tmpLog, state.header(parseImportLine(raw, lineNo), lineNo));
        continue;
      }
      state.line(writer, parseImportLine(raw, lineNo), lineNo);
      if (writer.pendingCount >= IMPORT_BATCH_RECORDS) writer.commit();
    }
    if (writer === undefined) throw new ImportError(1, null, false, 'empty: no header line');
    const endUnconfirmed = state.finish(writer, lastLine, options.allowUnclosed ?? false);
    const closed = state.endSeen;
    writer.close({ endMarker: closed });
    writer = undefined;
    checkNoSideFiles(target);
    linkSync(tmpLog, target); // fails with EEXIST rather than replace a file that appeared meanwhile
    return {
      records: state.records,
      closed,
      endUnconfirmed,
      headerEdited: state.headerEdited,
      edited: state.edited,
      rechained: state.rechained,
      staleImports,
    };
  } finally {
    try {
      writer?.close({ endMarker: false });
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
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
  /** The header line's `unclosedLastSeq`: the export of a log that was not closed, up to this seq. */
  #unclosedLastSeq: number | null = null;

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
      UNCLOSED_KEY,
    ];
    for (const k of Object.keys(o))
      if (!allowed.includes(k)) throw new ImportError(line, null, false, `header.${k}: unknown field`);
    const str = (k: string): string => {
      const v = o[k];
      if (typeof v !== 'string') throw new ImportError(line, null, false, `header.${k}: expected a string`);
      return v;
    };
    const unclosed = o[UNCLOSED_KEY];
    if (unclosed !== undefined) {
      if (typeof unclosed !== 'number' || !Number.isSafeInteger(unclosed) || unclosed < 0)
        throw new ImportError(line, null, false, `header.${UNCLOSED_KEY}: expected a non-negative integer`);
      this.#unclosedLastSeq = unclosed;
    }
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
      if (e instanceof ImportError) throw e; // a field check of `str` above, already naming the line
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
    if (this.endSeen) throw new ImportError(line, null, true, 'a line after the end line (added)');
    if (DAMAGE_KEY in o) this.#damage(writer, o, line);
    if (o.end === true) {
      this.#end(writer, o, line);
      return;
    }
    const expected = writer.lastSeq + 1;
    const seq = o.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
      throw new ImportError(line, null, false, 'seq: expected a positive integer');
    if (this.#unclosedLastSeq !== null && seq > this.#unclosedLastSeq)
      throw new ImportError(
        line,
        seq,
        true,
        `past the end: the header line says the log was not closed and its export holds records up to seq ${this.#unclosedLastSeq} (${UNCLOSED_KEY}); lines were added`,
      );
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
    if (this.#unclosedLastSeq !== null)
      throw new ImportError(
        line,
        null,
        true,
        `an end line, but the header line says the log was not closed (${UNCLOSED_KEY} ${this.#unclosedLastSeq}): the lines do not come from one export`,
      );
    // Compared with the stated chain, which edits accepted by --recompute-checksums leave as it
    // was: an end line that does not match belongs to another export (or to more records), so it
    // fails with or without that option.
    const stated = this.#checksum(o, line, null);
    if (stated !== this.#statedPrev)
      throw new ImportError(
        line,
        null,
        true,
        `end: checksum ${stated} differs from the last record's ${this.#statedPrev}: the end line does not belong to these records (cut off and spliced?); it fails with or without --recompute-checksums`,
      );
    this.endSeen = true;
  }

  /** A damage line: the export stopped at a record it could not read. Always refused. */
  #damage(writer: LogWriter, o: Readonly<Record<string, unknown>>, line: number): never {
    for (const k of Object.keys(o))
      if (![DAMAGE_KEY, 'detail', 'problem', 'seq'].includes(k))
        throw new ImportError(line, null, false, `${DAMAGE_KEY}.${k}: unknown field`);
    const { seq, problem, detail } = o;
    if (o[DAMAGE_KEY] !== true) throw new ImportError(line, null, false, `${DAMAGE_KEY}: expected true`);
    if (seq !== null && (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1))
      throw new ImportError(line, null, false, `${DAMAGE_KEY}.seq: expected a positive integer or null`);
    if (typeof problem !== 'string' || typeof detail !== 'string')
      throw new ImportError(line, null, false, `${DAMAGE_KEY}: expected "problem" and "detail" strings`);
    throw new ImportError(
      line,
      seq,
      true,
      `the export stopped at damage in its log (${problem}: ${detail}); ` +
        `the records after seq ${writer.lastSeq} were not exported, and a log that silently ends there is not imported`,
    );
  }

  /**
   * After the last line: check the export showed where it ends. Returns true when it did not and
   * `allowUnclosed` accepted it (the new log stays unclosed, possibly cut off).
   */
  finish(writer: LogWriter, lastLine: number, allowUnclosed: boolean): boolean {
    if (this.endSeen) return false;
    const last = writer.lastSeq;
    if (this.#unclosedLastSeq !== null) {
      if (last !== this.#unclosedLastSeq)
        throw new ImportError(
          lastLine,
          null,
          true,
          `truncated: the header line says the log was not closed and its export holds records up to seq ${this.#unclosedLastSeq} (${UNCLOSED_KEY}), the records stop at seq ${last}`,
        );
      return false;
    }
    if (!allowUnclosed)
      throw new ImportError(
        lastLine,
        null,
        true,
        `no end line after seq ${last}, and the header line does not say the log was unclosed (${UNCLOSED_KEY}): ` +
          'the export was cut off, or is an unclosed log exported by an earlier build; ' +
          '--allow-unclosed imports it as an unclosed log ending at this line',
      );
    return true;
  }

  #checksum(o: Readonly<Record<string, unknown>>, line: number, seq: number | null): string {
    const c = o.checksum;
    if (typeof c !== 'string' || !isChecksumHex(c))
      throw new ImportError(line, seq, false, 'checksum: expected 16 lowercase hex digits');
    return c;
  }
}
