import process from 'node:process';
import { canonicalJson } from './canonicalJson.js';
import { headerChecksum } from './checksum.js';
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
 * Complete and check a header: every text field non-empty, the seed an integer, meta JSON.
 * Throws a TypeError naming the field.
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
  canonicalJson(header.meta, 'header.meta');
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
  return v;
}
