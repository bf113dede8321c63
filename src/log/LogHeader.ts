import process from 'node:process';
import { canonicalJson } from './canonicalJson.js';
import { headerChecksum } from './checksum.js';
import { RECORD_BODY_BYTES_MAX } from './encodeRecord.js';
import type { JsonObject } from './JsonValue.js';

/** The log format this build writes and reads (tables, header fields, checksum rule). */
export const LOG_FORMAT_VERSION = 1;

/**
 * The run header: what produced the log. Everything in it is an input of the run (no wall-clock
 * time), so the same inputs give the same header. Replay compares records, not the header: a log
 * written under another Node version replays the same.
 */
export interface LogHeader {
  readonly formatVersion: number;
  /** The run's seed, as a decimal string (bigints as strings). */
  readonly seed: string;
  /** The mshv-control version that wrote the log. */
  readonly productVersion: string;
  /** `process.versions.node` of the writer. */
  readonly nodeVersion: string;
  /** What wrote it, e.g. `mshv-control run scenarios/boot.json`. */
  readonly createdBy: string;
  /** Caller-defined facts about the run (scenario name, snapshot interval): JSON, deterministic. */
  readonly meta: JsonObject;
}

/** What a writer is given; the format version is the build's, the Node version the running one. */
export interface LogHeaderInit {
  readonly seed: string | number | bigint;
  readonly productVersion: string;
  readonly createdBy: string;
  readonly nodeVersion?: string;
  readonly meta?: JsonObject;
}

/**
 * The most characters a header's canonical text (`canonicalHeader`) may hold: a record body's
 * bound, so the header's export line (that text, its format, checksum and `unclosedLastSeq`) fits
 * in `LINE_CHARS_MAX` and every log's export imports.
 */
export const HEADER_CHARS_MAX = RECORD_BODY_BYTES_MAX;

/**
 * Complete and check a header, as `LogWriter.create` and `log import` do before anything is
 * written: every text field non-empty and well-formed UTF-16 (SQLite stores text as UTF-8, so a lone
 * surrogate would come back as U+FFFD and the header would never match its checksum again), the
 * seed an integer, meta JSON, and the whole within `HEADER_CHARS_MAX`. Throws a TypeError or
 * RangeError naming the field and the rule.
 *
 * @example
 * makeHeader({ seed: 7n, productVersion: '0.1.0', createdBy: 'test', nodeVersion: '24.21.0' }).seed; // '7'
 */
export function makeHeader(init: LogHeaderInit, formatVersion = LOG_FORMAT_VERSION): LogHeader {
  const seed = typeof init.seed === 'string' ? init.seed : String(init.seed);
  if (!/^-?\d+$/.test(seed)) throw new TypeError(`header.seed: '${seed}' is not a decimal integer`);
  const header: LogHeader = {
    formatVersion,
    seed,
    productVersion: nonEmpty(init.productVersion, 'header.productVersion'),
    nodeVersion: nonEmpty(init.nodeVersion ?? process.versions.node, 'header.nodeVersion'),
    createdBy: nonEmpty(init.createdBy, 'header.createdBy'),
    meta: init.meta ?? {},
  };
  if (typeof header.meta !== 'object' || Array.isArray(header.meta))
    throw new TypeError('header.meta: expected a JSON object');
  const metaText = canonicalJson(header.meta, 'header.meta');
  const size = canonicalHeader(header).length;
  if (size > HEADER_CHARS_MAX) {
    // Name the field that makes it large: meta, unless a text field is longer.
    const sizes: [string, number][] = [
      ['meta', metaText.length],
      ['productVersion', header.productVersion.length],
      ['nodeVersion', header.nodeVersion.length],
      ['createdBy', header.createdBy.length],
    ];
    const [field, chars] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
    throw new RangeError(
      `header.${field}: ${chars} characters make the header's canonical text ${size} characters, ` +
        `above HEADER_CHARS_MAX (${HEADER_CHARS_MAX}): its export line would not import`,
    );
  }
  return header;
}

/**
 * The header's canonical text (what its checksum covers).
 *
 * @example
 * canonicalHeader(h); // '{"createdBy":"test","formatVersion":1,"meta":{},"nodeVersion":"24.21.0",...}'
 */
export function canonicalHeader(h: LogHeader): string {
  return canonicalJson({
    createdBy: h.createdBy,
    formatVersion: h.formatVersion,
    meta: h.meta,
    nodeVersion: h.nodeVersion,
    productVersion: h.productVersion,
    seed: h.seed,
  });
}

/**
 * The header's checksum: the root of the record chain (record 1 chains from it).
 *
 * @example
 * checksumOfHeader(h).length; // 16
 */
export function checksumOfHeader(h: LogHeader): string {
  return headerChecksum(canonicalHeader(h));
}

function nonEmpty(v: string, field: string): string {
  if (typeof v !== 'string' || v === '') throw new TypeError(`${field}: expected a non-empty string`);
  if (!v.isWellFormed()) {
    const at = loneSurrogateAt(v);
    throw new TypeError(
      `${field}: a lone UTF-16 surrogate (\\u${v.charCodeAt(at).toString(16)} at index ${String(at)}) ` +
        'is not text SQLite can store (it would read back as U+FFFD, and the header would fail its checksum)',
    );
  }
  return v;
}

/** The index of the first code unit of `v` that is a surrogate without its pair. */
function loneSurrogateAt(v: string): number {
  for (let i = 0; i < v.length; i += 1) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = v.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}
