import { childPath } from '../scenario/jsonPath.js';
import { allZero } from './allZero.js';
import { readArray, readInt, readString } from './FieldReader.js';
import { SnapshotError } from './SnapshotError.js';

/** Zero bytes between two non-zero spans that still join them into one segment (fewer, longer segments). */
const JOIN_GAP_BYTES = 8;

/** Bytes as snapshots write them: `[offset, hex]` segments of the non-zero spans; all zero is `[]`. */
export type SparseBytesJson = readonly (readonly [number, string])[];

const HEX = /^(?:[0-9a-f]{2})+$/;

/**
 * The non-zero spans of `bytes` as `[offset, lowercase hex]` segments, in offset order. A span of
 * zeros shorter than 8 bytes between two non-zero spans stays inside the segment. Deterministic:
 * equal bytes give equal segments.
 *
 * @example
 * writeSparseBytes(new Uint8Array([0, 0, 1, 2, 0])); // [[2, '0102']]
 */
export function writeSparseBytes(bytes: Uint8Array): SparseBytesJson {
  const out: [number, string][] = [];
  if (allZero(bytes)) return out;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    while (i < n && bytes[i] === 0) i++;
    if (i >= n) break;
    const start = i;
    let end = i;
    while (i < n) {
      if (bytes[i] !== 0) {
        i++;
        end = i;
        continue;
      }
      let z = i;
      while (z < n && bytes[z] === 0 && z - end < JOIN_GAP_BYTES) z++;
      if (z < n && bytes[z] !== 0 && z - end < JOIN_GAP_BYTES) i = z;
      else break;
    }
    out.push([start, hexOf(bytes, start, end)]);
    i = end;
  }
  return out;
}

/**
 * Read segments written by `writeSparseBytes` into `length` bytes (zero elsewhere). Segments must be
 * in offset order, must not overlap and must fit.
 *
 * @example
 * readSparseBytes([[2, '0102']], '$.slot', 5); // Uint8Array [0, 0, 1, 2, 0]
 */
export function readSparseBytes(value: unknown, path: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let end = 0;
  for (const [i, seg] of readArray(value, path).entries()) {
    const p = childPath(path, i);
    const pair = readArray(seg, p, { length: 2 });
    const offset = readInt(pair[0], childPath(p, 0), 0, length - 1);
    const hex = readString(pair[1], childPath(p, 1));
    if (!HEX.test(hex)) throw new SnapshotError(childPath(p, 1), 'hex', 'not lowercase hex byte pairs');
    if (offset < end)
      throw new SnapshotError(childPath(p, 0), 'order', `segment at ${offset} overlaps the one before`);
    const size = hex.length / 2;
    if (offset + size > length)
      throw new SnapshotError(p, 'range', `segment [${offset}, ${offset + size}) leaves the ${length} bytes`);
    for (let k = 0; k < size; k++) out[offset + k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
    end = offset + size;
  }
  return out;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX_PAIRS[bytes[i] ?? 0] ?? '00';
  return s;
}
