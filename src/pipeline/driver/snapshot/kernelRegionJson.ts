import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, hexWord64, readArray, readBool, readInt } from '../../../snapshot/FieldReader.js';
import { readPfnRuns, writePfnRuns } from '../../../snapshot/pfnRunsJson.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import type { FaultedChunk, KernelRegion } from '../KernelPartition.js';
import type { Chunk } from '../planChunks.js';
import { MSHV_MAP_FAULT_IN_PAGES } from '../../../hv/KernelConstants.js';

const V = 1;
/** PFNs of a 52-bit physical address space. */
const PFN_LIMIT = 2 ** 40;

/**
 * A guest memory region as JSON: `{ v, guestPfn, pages, userAddr, mapFlags, kind, runs, mmioPfn,
 * chunks: [[pageOffset, pages, large]] }`, the pinned runs as `[pfnDelta, count, …]`: a region of a
 * million pages costs what its runs cost. A movable region adds `faulted: [[pageOffset, pages, runs,
 * chunks]]`, its present pages: chunks faulted in and pieces an invalidation left of them (the other
 * kinds are written as before).
 *
 * @example
 * writeKernelRegion(pt.regions[0]);
 */
export function writeKernelRegion(r: KernelRegion): JsonValue {
  const out: Record<string, JsonValue> = {
    v: V,
    guestPfn: r.guestPfn,
    pages: r.pages,
    userAddr: hexWord64(r.userAddr),
    mapFlags: r.mapFlags,
    kind: r.kind,
    runs: writePfnRuns(r.runs),
    mmioPfn: r.mmioPfn,
    chunks: writeChunks(r.chunks),
  };
  if (r.faulted !== undefined)
    out.faulted = [...r.faulted.values()]
      .sort((a, b) => a.pageOffset - b.pageOffset)
      .map((f) => [f.pageOffset, f.pages, writePfnRuns(f.runs), writeChunks(f.chunks)]);
  return out;
}

function writeChunks(chunks: readonly Chunk[]): JsonValue {
  return chunks.map((c) => [c.pageOffset, c.pages, c.large]);
}

function readChunks(json: unknown, path: string): Chunk[] {
  return readArray(json, path).map((item, i) => {
    const p = childPath(path, i);
    const t = readArray(item, p, { length: 3 });
    return {
      pageOffset: readInt(t[0], childPath(p, 0), 0),
      pages: readInt(t[1], childPath(p, 1), 0),
      large: readBool(t[2], childPath(p, 2)),
    };
  });
}

/**
 * A movable region's present pages: `[[pageOffset, pages, runs, chunks]]` in ascending, disjoint
 * order, each inside one 512-aligned block of the region (`regionPages` long: a chunk faulted in, or
 * a piece an invalidation left of one), whose runs and chunks cover its pages.
 */
function readFaulted(json: unknown, path: string, regionPages: number): Map<number, FaultedChunk> {
  const out = new Map<number, FaultedChunk>();
  let prevEnd = 0;
  readArray(json, path).forEach((item, i) => {
    const p = childPath(path, i);
    const t = readArray(item, p, { length: 4 });
    const pageOffset = readInt(t[0], childPath(p, 0), 0, regionPages - 1);
    if (pageOffset < prevEnd)
      throw new SnapshotError(
        childPath(p, 0),
        'consistency',
        `piece at page offset ${pageOffset} overlaps or precedes the one before it (which ends at ${prevEnd})`,
      );
    const blockEnd = pageOffset - (pageOffset % MSHV_MAP_FAULT_IN_PAGES) + MSHV_MAP_FAULT_IN_PAGES;
    const pages = readInt(t[1], childPath(p, 1), 1, Math.min(blockEnd, regionPages) - pageOffset);
    const runs = readPfnRuns(t[2], childPath(p, 2), PFN_LIMIT);
    const chunks = readChunks(t[3], childPath(p, 3));
    const held = runs.reduce((n, r) => n + r.count, 0);
    const mapped = chunks.reduce((n, c) => n + c.pages, 0);
    if (held !== pages || mapped !== pages)
      throw new SnapshotError(
        p,
        'consistency',
        `${pages} pages, but its runs hold ${held} and its chunks map ${mapped}`,
      );
    out.set(pageOffset, { pageOffset, pages, runs, chunks });
    prevEnd = pageOffset + pages;
  });
  return out;
}

/**
 * Read a region written by `writeKernelRegion`.
 *
 * @example
 * readKernelRegion(writeKernelRegion(region), '$.regions[0]');
 */
export function readKernelRegion(json: unknown, path: string): KernelRegion {
  const r = FieldReader.of(json, path, 'a guest memory region', V);
  const kind = r.oneOf('kind', ['ram', 'mmio', 'movable']);
  const pages = r.int('pages', 0);
  const region: KernelRegion = {
    guestPfn: r.int('guestPfn', 0),
    pages,
    userAddr: r.word('userAddr'),
    mapFlags: r.int('mapFlags', 0, 0xffff_ffff),
    kind,
    runs: readPfnRuns(r.raw('runs'), r.path('runs'), PFN_LIMIT),
    mmioPfn: r.int('mmioPfn', 0),
    chunks: readChunks(r.raw('chunks'), r.path('chunks')),
    ...(kind === 'movable' ? { faulted: readFaulted(r.raw('faulted'), r.path('faulted'), pages) } : {}),
  };
  r.end();
  return region;
}
