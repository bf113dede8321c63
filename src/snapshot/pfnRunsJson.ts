import { childPath } from '../scenario/jsonPath.js';
import { readArray, readInt } from './FieldReader.js';
import { SnapshotError } from './SnapshotError.js';

/** A run of consecutive frames (structurally src/ports PfnRun). */
export interface RunLike {
  readonly pfn: number;
  readonly count: number;
}

/**
 * PFN runs as a flat array `[pfnDelta, count, …]`, each delta relative to the previous run's end
 * (0 for the first), so physically close runs write short numbers. Order is kept as given: a pool's
 * free list is a stack and its order matters.
 *
 * @example
 * writePfnRuns([{ pfn: 0x100, count: 4 }, { pfn: 0x104, count: 2 }]); // [256, 4, 0, 2]
 */
export function writePfnRuns(runs: readonly RunLike[]): number[] {
  const out: number[] = [];
  let end = 0;
  for (const r of runs) {
    out.push(r.pfn - end, r.count);
    end = r.pfn + r.count;
  }
  return out;
}

/**
 * Read runs written by `writePfnRuns`: counts ≥ 1, frames in [0, limit).
 *
 * @example
 * readPfnRuns([256, 4, 0, 2], '$.runs', 1 << 20); // [{ pfn: 256, count: 4 }, { pfn: 260, count: 2 }]
 */
export function readPfnRuns(value: unknown, path: string, limit: number): { pfn: number; count: number }[] {
  const flat = readArray(value, path, { stride: 2 });
  const out: { pfn: number; count: number }[] = [];
  let end = 0;
  for (let i = 0; i < flat.length; i += 2) {
    const pfn = end + readInt(flat[i], childPath(path, i), -Number.MAX_SAFE_INTEGER);
    const count = readInt(flat[i + 1], childPath(path, i + 1), 1);
    if (pfn < 0 || pfn + count > limit)
      throw new SnapshotError(
        childPath(path, i),
        'range',
        `run [${pfn}, +${count}) is not inside [0, ${limit})`,
      );
    out.push({ pfn, count });
    end = pfn + count;
  }
  return out;
}
