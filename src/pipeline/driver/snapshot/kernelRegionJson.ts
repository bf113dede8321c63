import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, hexWord64, readArray, readBool, readInt } from '../../../snapshot/FieldReader.js';
import { readPfnRuns, writePfnRuns } from '../../../snapshot/pfnRunsJson.js';
import type { KernelRegion } from '../KernelPartition.js';

const V = 1;
/** PFNs of a 52-bit physical address space. */
const PFN_LIMIT = 2 ** 40;

/**
 * A guest memory region as JSON: `{ v, guestPfn, pages, userAddr, mapFlags, kind, runs, mmioPfn,
 * chunks: [[pageOffset, pages, large]] }`, the pinned runs as `[pfnDelta, count, …]`: a region of a
 * million pages costs what its runs cost.
 *
 * @example
 * writeKernelRegion(pt.regions[0]);
 */
export function writeKernelRegion(r: KernelRegion): JsonValue {
  return {
    v: V,
    guestPfn: r.guestPfn,
    pages: r.pages,
    userAddr: hexWord64(r.userAddr),
    mapFlags: r.mapFlags,
    kind: r.kind,
    runs: writePfnRuns(r.runs),
    mmioPfn: r.mmioPfn,
    chunks: r.chunks.map((c) => [c.pageOffset, c.pages, c.large]),
  };
}

/**
 * Read a region written by `writeKernelRegion`.
 *
 * @example
 * readKernelRegion(writeKernelRegion(region), '$.regions[0]');
 */
export function readKernelRegion(json: unknown, path: string): KernelRegion {
  const r = FieldReader.of(json, path, 'a guest memory region', V);
  const region: KernelRegion = {
    guestPfn: r.int('guestPfn', 0),
    pages: r.int('pages', 0),
    userAddr: r.word('userAddr'),
    mapFlags: r.int('mapFlags', 0, 0xffff_ffff),
    kind: r.oneOf('kind', ['ram', 'mmio']),
    runs: readPfnRuns(r.raw('runs'), r.path('runs'), PFN_LIMIT),
    mmioPfn: r.int('mmioPfn', 0),
    chunks: r.each('chunks', (item, p) => {
      const t = readArray(item, p, { length: 3 });
      return {
        pageOffset: readInt(t[0], childPath(p, 0), 0),
        pages: readInt(t[1], childPath(p, 1), 0),
        large: readBool(t[2], childPath(p, 2)),
      };
    }),
  };
  r.end();
  return region;
}
