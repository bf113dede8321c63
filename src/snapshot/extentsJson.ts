import type { JsonValue } from '../log/JsonValue.js';
import { childPath } from '../scenario/jsonPath.js';
import { FieldReader, readInt } from './FieldReader.js';
import { SnapshotError } from './SnapshotError.js';

/** One extent [start, end) → value (structurally adapters/simulated's Extent). */
export interface ExtentLike<V> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/** How an extent value goes to JSON and back, and whether two neighbours would have been merged. */
export interface ExtentValueJson<V> {
  readonly write: (value: V) => JsonValue;
  readonly read: (json: unknown, path: string) => V;
  /** Equal keys for values that write the same JSON (PFN left out for sliding values). */
  readonly key: (value: V) => string;
  /** The value's frame number for extents whose value slides with the position (PFN runs), else omitted. */
  readonly pfn?: {
    readonly of: (value: V) => number;
    readonly with: (value: V, pfn: number) => V;
    /** Smallest PFN a value may carry (-1 for "no backing"). */
    readonly min: number;
  };
  /** ExtentCodec.joins: true when b directly after a (of length aLength) is the same run. */
  readonly joins: (a: V, aLength: number, b: V) => boolean;
}

/**
 * Extents as snapshots write them: `values`, the distinct values in order of first use (with the
 * PFN taken out for sliding values), and `runs`, flat tuples per extent: the gap since the previous
 * extent's end, the length, for sliding values the PFN minus the previous backed extent's end PFN,
 * and the value's index. Gaps and PFN deltas are small numbers, so a map of a million runs writes a
 * few bytes per run. Size is proportional to the extent count, never to the pages covered.
 *
 * @example
 * writeExtents([{ start: 0, end: 4, value: 'free' }], { write: (v) => v, read: (j) => String(j), key: (v) => v, joins: (a, _n, b) => a === b });
 * // { values: ['free'], runs: [0, 4, 0] }
 */
export function writeExtents<V>(extents: Iterable<ExtentLike<V>>, codec: ExtentValueJson<V>): JsonValue {
  const values: JsonValue[] = [];
  const byIdentity = new Map<V, number>();
  const byKey = new Map<string, number>();
  const runs: number[] = [];
  const slide = codec.pfn;
  let end = 0;
  let pfnEnd = 0;
  for (const e of extents) {
    let index = byIdentity.get(e.value);
    if (index === undefined) {
      const key = codec.key(e.value);
      index = byKey.get(key);
      if (index === undefined) {
        index = values.length;
        values.push(codec.write(slide === undefined ? e.value : slide.with(e.value, 0)));
        byKey.set(key, index);
      }
      if (slide === undefined) byIdentity.set(e.value, index);
    }
    runs.push(e.start - end, e.end - e.start);
    if (slide !== undefined) {
      const pfn = slide.of(e.value);
      runs.push(pfn - pfnEnd);
      if (pfn >= 0) pfnEnd = pfn + (e.end - e.start);
    }
    runs.push(index);
    end = e.end;
  }
  return { runs, values };
}

/**
 * Read extents written by `writeExtents`: sorted, disjoint, inside [0, limit), each neighbour pair
 * unmerged exactly when the codec says they would not join (the canonical form an ExtentMap keeps).
 * Errors name the path of the offending number.
 *
 * @example
 * readExtents({ values: ['free'], runs: [0, 4, 0] }, '$.owners', codec, 16); // [{ start: 0, end: 4, value: 'free' }]
 */
export function readExtents<V>(
  json: unknown,
  path: string,
  codec: ExtentValueJson<V>,
  limit: number,
): ExtentLike<V>[] {
  const r = FieldReader.of(json, path, 'an extent list');
  const rawValues = r.array('values');
  const values = rawValues.map((v, i) => codec.read(v, childPath(r.path('values'), i)));
  const slide = codec.pfn;
  const stride = slide === undefined ? 3 : 4;
  const runs = r.array('runs', { stride });
  r.end();
  const runsPath = r.path('runs');
  const out: ExtentLike<V>[] = [];
  let end = 0;
  let pfnEnd = 0;
  let prev: ExtentLike<V> | undefined;
  for (let i = 0; i < runs.length; i += stride) {
    const at = (k: number): string => childPath(runsPath, i + k);
    const gap = readInt(runs[i], at(0), 0);
    const length = readInt(runs[i + 1], at(1), 1);
    const start = end + gap;
    if (start + length > limit)
      throw new SnapshotError(at(1), 'range', `extent [${start}, ${start + length}) ends beyond ${limit}`);
    const index = readInt(runs[i + stride - 1], at(stride - 1), 0, Math.max(0, values.length - 1));
    let value = values[index];
    if (value === undefined) throw new SnapshotError(at(stride - 1), 'reference', 'no value to index');
    if (slide !== undefined) {
      const pfn = pfnEnd + readInt(runs[i + 2], at(2), -Number.MAX_SAFE_INTEGER);
      if (pfn < slide.min) throw new SnapshotError(at(2), 'range', `PFN ${pfn} is below ${slide.min}`);
      value = slide.with(value, pfn);
      if (pfn >= 0) pfnEnd = pfn + length;
    }
    const e = { start, end: start + length, value };
    if (prev !== undefined && gap === 0 && codec.joins(prev.value, prev.end - prev.start, value))
      throw new SnapshotError(at(0), 'order', `extent at ${start} joins the one before: it should be merged`);
    out.push(e);
    prev = e;
    end = e.end;
  }
  return out;
}
