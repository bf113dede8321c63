import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, hexWord64, readArray, readInt, readWord } from '../../../snapshot/FieldReader.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import type { KernelVp } from '../KernelPartition.js';

const V = 1;

/**
 * The driver's record of one VP as JSON: `{ v, index, fd, statePages: [[type, pfn]], statsPages:
 * [[area, pfn]], interceptSuspend, rootSchedBlocked, rootSchedDispatched, kickedByHv, signaledCount }`.
 * New KernelVp fields go here (bump V and read the old version with a default).
 *
 * @example
 * writeKernelVp(vp); // { v: 1, index: 0, fd: 4, … }
 */
export function writeKernelVp(vp: KernelVp): JsonValue {
  const pages = (m: ReadonlyMap<number, bigint>): JsonValue => [...m].map(([k, pfn]) => [k, hexWord64(pfn)]);
  return {
    v: V,
    index: vp.index,
    fd: vp.fd,
    statePages: pages(vp.statePages),
    statsPages: pages(vp.statsPages),
    interceptSuspend: vp.interceptSuspend,
    rootSchedBlocked: vp.rootSchedBlocked,
    rootSchedDispatched: vp.rootSchedDispatched,
    kickedByHv: vp.kickedByHv,
    signaledCount: vp.signaledCount,
  };
}

/**
 * Read a VP record written by `writeKernelVp` (a new object).
 *
 * @example
 * readKernelVp(writeKernelVp(vp), '$.driver.device.partitions[0].vps[0]');
 */
export function readKernelVp(json: unknown, path: string): KernelVp {
  const r = FieldReader.of(json, path, "the driver's VP", V);
  const pages = (name: string): Map<number, bigint> => {
    const m = new Map<number, bigint>();
    r.each(name, (item, p) => {
      const t = readArray(item, p, { length: 2 });
      const key = readInt(t[0], childPath(p, 0), 0, 0xffff_ffff);
      if (m.has(key)) throw new SnapshotError(childPath(p, 0), 'duplicate', `${key} appears twice`);
      m.set(key, readWord(t[1], childPath(p, 1)));
    });
    return m;
  };
  const vp: KernelVp = {
    index: r.int('index', 0, 0xffff_ffff),
    fd: r.int('fd', 0),
    statePages: pages('statePages'),
    statsPages: pages('statsPages'),
    interceptSuspend: r.bool('interceptSuspend'),
    rootSchedBlocked: r.bool('rootSchedBlocked'),
    rootSchedDispatched: r.bool('rootSchedDispatched'),
    kickedByHv: r.bool('kickedByHv'),
    signaledCount: r.int('signaledCount', 0),
  };
  r.end();
  return vp;
}
