import { hypercallDefByCode } from '../hv/hypercalls/index.js';
import { encodeRecord } from '../log/encodeRecord.js';
import type { HypercallRecord, LogRecord } from '../log/LogRecord.js';
import { bytesDifferences, describeHypercall, describeRecord, shortJson } from './describeRecord.js';
import type { Divergence } from './Divergence.js';
import type { LoggedRecord } from './LoggedRecord.js';
import { sameBytes } from './sameBytes.js';

/** A body shown in a report: at most 160 characters of it. */
const clip = (text: string): string =>
  text.length <= 160 ? text : `${text.slice(0, 160)}… (${text.length} chars)`;

/** Most differing JSON paths a report lists. */
const PATHS_MAX = 6;

/**
 * Compare the record a re-run produced with the log's record at the same place: null when they are
 * identical (same canonical body), else the divergence, decoded. A record read from a file is
 * compared by its stored body; one held in memory (no body) by its canonical body, a hypercall field
 * by field (bytes as bytes). A difference is reported field by field.
 *
 * @example
 * compareRecord({ seq: 3, record: logged }, produced); // null when reproduced
 */
export function compareRecord(expected: LoggedRecord, actual: LogRecord): Divergence | null {
  let actualBody: string | undefined;
  if (expected.kind === actual.kind && expected.body !== undefined) {
    // The common case, decided on text: a stored body equal to the canonical body of the record
    // the re-run produced needs no decoding (a deferred record stays undecoded).
    actualBody = encodeRecord(actual);
    if (actualBody === expected.body) return null;
  }
  const e = expected.record;
  if (e.kind === 'hypercall' && actual.kind === 'hypercall') return compareHypercall(expected.seq, e, actual);
  actualBody ??= encodeRecord(actual);
  const expectedBody = expected.body ?? encodeRecord(e);
  if (actualBody === expectedBody) return null;
  if (e.kind !== actual.kind)
    return {
      seq: expected.seq,
      expectedKind: e.kind,
      actualKind: actual.kind,
      reason: `the log has a ${e.kind} record here, the replay produced a ${actual.kind}`,
      expected: describeRecord(e),
      actual: describeRecord(actual),
    };
  const paths: { path: string; expected: unknown; actual: unknown }[] = [];
  jsonDifferences(JSON.parse(expectedBody), JSON.parse(actualBody), '', paths);
  // Same values, other text: the stored body is not canonical, which no writer produces.
  if (paths.length === 0)
    return {
      seq: expected.seq,
      expectedKind: e.kind,
      actualKind: actual.kind,
      reason: `${e.kind}: the stored body has the same values in another form (key order, spacing or number form): it is not canonical JSON, so the log was edited`,
      expected: [...describeRecord(e), `stored as ${clip(expectedBody)}`],
      actual: [...describeRecord(actual), `canonical ${clip(actualBody)}`],
    };
  const shown = paths.slice(0, PATHS_MAX);
  const more = paths.length > PATHS_MAX ? [`… ${paths.length - PATHS_MAX} more difference(s)`] : [];
  return {
    seq: expected.seq,
    expectedKind: e.kind,
    actualKind: actual.kind,
    reason: `${e.kind} differs at ${shown.map((p) => p.path).join(', ')}${more.length > 0 ? ', …' : ''}`,
    expected: [...describeRecord(e), ...shown.map((p) => `at ${p.path}: ${shortJson(p.expected)}`), ...more],
    actual: [...describeRecord(actual), ...shown.map((p) => `at ${p.path}: ${shortJson(p.actual)}`), ...more],
  };
}

function compareHypercall(seq: number, e: HypercallRecord, a: HypercallRecord): Divergence | null {
  const fields: string[] = [];
  if (e.name !== a.name || e.code !== a.code) fields.push('call');
  if (e.control !== a.control) fields.push('control word');
  if (!sameBytes(e.input, a.input)) fields.push('input bytes');
  if (e.status !== a.status) fields.push('status');
  if (e.repsCompleted !== a.repsCompleted) fields.push('reps completed');
  if (!sameBytes(e.output, a.output)) fields.push('output bytes');
  if (e.window !== a.window) fields.push('window');
  if (e.op !== a.op) fields.push('operation');
  if (fields.length === 0) return null;
  return hypercallDivergence(seq, `hypercall differs: ${fields.join(', ')}`, e, a);
}

/**
 * A hypercall divergence with both sides decoded and the differing input and output bytes located
 * in the call's layout.
 *
 * @example
 * hypercallDivergence(15, 'hypercall differs: status', logged, { ...logged, status: 0n });
 */
export function hypercallDivergence(
  seq: number,
  reason: string,
  e: HypercallRecord,
  a: HypercallRecord,
): Divergence {
  const def = hypercallDefByCode(e.code);
  const input = bytesDifferences(def, 'input', e.input, a.input);
  const output = bytesDifferences(def, 'output', e.output, a.output);
  return {
    seq,
    expectedKind: 'hypercall',
    actualKind: 'hypercall',
    reason,
    expected: [...describeHypercall(e), ...input.expected, ...output.expected],
    actual: [...describeHypercall(a), ...input.actual, ...output.actual],
  };
}

/** Collect the JSON paths where two parsed JSON values differ (leaves, or type changes). */
function jsonDifferences(
  e: unknown,
  a: unknown,
  path: string,
  out: { path: string; expected: unknown; actual: unknown }[],
): void {
  if (out.length > PATHS_MAX) return;
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(e) && Array.isArray(a)) {
    if (e.length !== a.length) {
      out.push({ path: `${path || '$'}.length`, expected: e.length, actual: a.length });
      return;
    }
    for (let i = 0; i < e.length; i++) jsonDifferences(e[i], a[i], `${path}[${i}]`, out);
    return;
  }
  if (isObj(e) && isObj(a)) {
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
    for (const k of keys) jsonDifferences(e[k], a[k], path === '' ? k : `${path}.${k}`, out);
    return;
  }
  if (JSON.stringify(e) !== JSON.stringify(a))
    out.push({ path: path || '$', expected: e ?? null, actual: a ?? null });
}
