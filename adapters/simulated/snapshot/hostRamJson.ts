import type { JsonValue } from '../../../src/log/JsonValue.js';
import { type ExtentValueJson, readExtents, writeExtents } from '../../../src/snapshot/extentsJson.js';
import { FieldReader, readInt } from '../../../src/snapshot/FieldReader.js';
import { readSparseBytes, writeSparseBytes } from '../../../src/snapshot/sparseBytes.js';
import { SnapshotError } from '../../../src/snapshot/SnapshotError.js';
import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import { type Owner, type OwnerKind, type SavedHostRam, owner, sameOwner } from '../host/HostRam.js';

const V = 1;
const KINDS = ['free', 'kernel', 'user', 'pool', 'hv'] as const satisfies readonly OwnerKind[];

/** Owner values of the host map: a small palette of `{kind, partition, pins, maps, exclusive}`. */
export const ownerJson: ExtentValueJson<Owner> = {
  write: (o) => ({
    kind: o.kind,
    partition: o.partition,
    pins: o.pins,
    maps: o.maps,
    exclusive: o.exclusive,
  }),
  read(json, path) {
    const r = FieldReader.of(json, path, 'a page owner');
    const o = owner(
      r.oneOf('kind', KINDS),
      r.int('partition', -1),
      r.int('pins', 0),
      r.int('maps', 0),
      r.int('exclusive', -1),
    );
    r.end();
    return o;
  },
  key: (o) => `${o.kind}/${o.partition}/${o.pins}/${o.maps}/${o.exclusive}`,
  joins: (a, _n, b) => sameOwner(a, b),
};

/**
 * Host RAM as JSON: `{ v, owners, contents, shared, reservedPages }`. Contents are listed only for
 * pages whose bytes are not all zero, each as sparse segments, so a snapshot grows with the
 * extents and the pages actually written, never with RAM size.
 *
 * @example
 * writeHostRam(ram.save()); // { v: 1, owners: { values, runs }, contents: [], shared: [], reservedPages: 0 }
 */
export function writeHostRam(s: SavedHostRam): JsonValue {
  return {
    v: V,
    owners: writeExtents(s.owners, ownerJson),
    contents: s.contents.map((c) => ({ pfn: c.pfn, bytes: writeSparseBytes(c.bytes) })),
    shared: [...s.sharedWithRoot],
    reservedPages: s.reservedPages,
  };
}

/**
 * Read host RAM written by `writeHostRam` for a machine whose RAM ends at `endPfn`: extents and
 * content pages in PFN order below it, the shared set strictly ascending.
 *
 * @example
 * readHostRam(writeHostRam(ram.save()), '$.machine.ram', ram.endPfn);
 */
export function readHostRam(json: unknown, path: string, endPfn: number): SavedHostRam {
  const r = FieldReader.of(json, path, 'host RAM', V);
  const owners = readExtents(r.raw('owners'), r.path('owners'), ownerJson, endPfn);
  let last = -1;
  const contents = r.each('contents', (item, p) => {
    const c = FieldReader.of(item, p, 'a page of contents');
    const pfn = c.int('pfn', 0, endPfn - 1);
    if (pfn <= last) throw new SnapshotError(c.path('pfn'), 'order', `pfn ${pfn} is not above ${last}`);
    last = pfn;
    const bytes = readSparseBytes(c.raw('bytes'), c.path('bytes'), HV_PAGE_SIZE);
    c.end();
    return { pfn, bytes };
  });
  last = -1;
  const shared = r.each('shared', (item, p) => {
    const pfn = readInt(item, p, 0, endPfn - 1);
    if (pfn <= last) throw new SnapshotError(p, 'order', `pfn ${pfn} is not above ${last}`);
    last = pfn;
    return pfn;
  });
  const reservedPages = r.int('reservedPages', 0);
  r.end();
  return { owners, contents, sharedWithRoot: shared, reservedPages };
}
