import { decodeRecord } from './decodeRecord.js';
import { encodeRecord } from './encodeRecord.js';
import { isCanonicalBody } from './isCanonicalBody.js';
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
 * seq. With `verify` the kind column must be the body's kind, and the body must be the canonical
 * encoding of the record it decodes to (`encodeRecord`): the same values in other text (spacing, key
 * order, `65.0`, a `\u0065` escape) come from no writer, and would export as a line that is not
 * JSON or that import refuses. One path for the records a read decodes at once and the ones it
 * defers.
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
  if (verify && !isCanonicalBody(record, body)) {
    // The failure path only: where the text first differs from the canonical body.
    const at = firstDifference(encodeRecord(record), body);
    throw new LogError(
      path,
      seq,
      'undecodable',
      `${record.kind}: body is not canonical JSON: the log was edited (same values in other text, ` +
        `from character ${at}: ${excerpt(body, at)})`,
    );
  }
  return record;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
  return i;
}

/** Up to 24 characters of `text` from `at`, quoted as JSON (a damaged body may hold anything). */
function excerpt(text: string, at: number): string {
  const end = Math.min(text.length, at + 24);
  return `${JSON.stringify(text.slice(at, end))}${end < text.length ? '...' : ''}`;
}
