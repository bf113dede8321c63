import type { JsonValue } from '../../../src/log/JsonValue.js';
import { FieldReader } from '../../../src/snapshot/FieldReader.js';
import { readPfnRuns, writePfnRuns } from '../../../src/snapshot/pfnRunsJson.js';
import type { SavedPool } from '../model/Pool.js';

const V = 1;

/**
 * A memory pool as JSON: `{ v, free, used, freePages, usedPages, depositedTotal, withdrawnTotal }`, both stacks bottom
 * first (their order decides which pages the next structures take).
 *
 * @example
 * writePool(pool.save()); // { v: 1, free: [pfnDelta, count, …], used: […], … }
 */
export function writePool(s: SavedPool): JsonValue {
  return {
    v: V,
    free: writePfnRuns(s.free),
    used: writePfnRuns(s.used),
    freePages: s.freePages,
    usedPages: s.usedPages,
    depositedTotal: s.depositedTotal,
    withdrawnTotal: s.withdrawnTotal,
  };
}

/**
 * Read a pool written by `writePool`, frames below `endPfn`.
 *
 * @example
 * Pool.restore(key, ram, readPool(writePool(pool.save()), '$.pool', ram.endPfn));
 */
export function readPool(json: unknown, path: string, endPfn: number): SavedPool {
  const r = FieldReader.of(json, path, 'a memory pool', V);
  const s: SavedPool = {
    free: readPfnRuns(r.raw('free'), r.path('free'), endPfn),
    used: readPfnRuns(r.raw('used'), r.path('used'), endPfn),
    freePages: r.int('freePages', 0),
    usedPages: r.int('usedPages', 0),
    depositedTotal: r.int('depositedTotal', 0),
    withdrawnTotal: r.int('withdrawnTotal', 0),
  };
  r.end();
  return s;
}
