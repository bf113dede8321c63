import { partitionId } from '../../../hv/ids.js';
import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, hexWord64, readArray, readInt } from '../../../snapshot/FieldReader.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import { KernelPartition } from '../KernelPartition.js';
import { readKernelRegion, writeKernelRegion } from './kernelRegionJson.js';
import { readKernelVp, writeKernelVp } from './kernelVpJson.js';

const V = 1;
const U32 = 0xffff_ffff;

/**
 * struct mshv_partition as the model keeps it, as JSON: identity, references, regions, VPs (in
 * creation order), irqfds `[[eventfd, gsi, resamplefd | null]]`, ioeventfds, the MSI routing table
 * `[[gsi, addressLo, addressHi, data]]` or null, and the async-completion slot. New
 * KernelPartition fields go here (bump V and read the old version with a default).
 *
 * @example
 * writeKernelPartition(pt);
 */
export function writeKernelPartition(pt: KernelPartition): JsonValue {
  return {
    v: V,
    fd: pt.fd,
    id: hexWord64(pt.id),
    ptFlags: hexWord64(pt.ptFlags),
    initialized: pt.initialized,
    refs: pt.refs,
    fdReleased: pt.fdReleased,
    regions: pt.regions.map((r) => writeKernelRegion(r)),
    vps: [...pt.vps.values()].map((vp) => writeKernelVp(vp)),
    irqfds: pt.irqfds.map((f) => [f.eventfd, f.gsi, f.resamplefd ?? null]),
    ioeventfds: pt.ioeventfds.map((io) => ({
      eventfd: io.eventfd,
      addr: hexWord64(io.addr),
      len: io.len,
      datamatch: hexWord64(io.datamatch),
      wildcard: io.wildcard,
      portId: io.portId,
    })),
    msiRouting: pt.msiRouting?.map((m) => [m.gsi, m.addressLo, m.addressHi, m.data]) ?? null,
    asyncCompletionDone: pt.asyncCompletionDone,
    asyncCompletionStatus: pt.asyncCompletionStatus,
  };
}

/**
 * Read a partition written by `writeKernelPartition` (a new object); VP indexes must be unique.
 *
 * @example
 * readKernelPartition(writeKernelPartition(pt), '$.driver.device.partitions[0]');
 */
export function readKernelPartition(json: unknown, path: string): KernelPartition {
  const r = FieldReader.of(json, path, "the driver's partition", V);
  const pt = new KernelPartition(r.int('fd', 0), partitionId(r.word('id')), r.word('ptFlags'));
  pt.initialized = r.bool('initialized');
  pt.refs = r.int('refs', 0);
  pt.fdReleased = r.bool('fdReleased');
  pt.regions.push(...r.each('regions', (item, p) => readKernelRegion(item, p)));
  for (const [i, vp] of r.each('vps', (item, p) => readKernelVp(item, p)).entries()) {
    if (pt.vps.has(vp.index))
      throw new SnapshotError(childPath(r.path('vps'), i), 'duplicate', `VP ${vp.index} appears twice`);
    pt.vps.set(vp.index, vp);
  }
  pt.irqfds.push(
    ...r.each('irqfds', (item, p) => {
      const t = readArray(item, p, { length: 3 });
      return {
        eventfd: readInt(t[0], childPath(p, 0), 0),
        gsi: readInt(t[1], childPath(p, 1), 0, U32),
        resamplefd: t[2] === null ? undefined : readInt(t[2], childPath(p, 2), -U32, U32),
      };
    }),
  );
  pt.ioeventfds.push(
    ...r.each('ioeventfds', (item, p) => {
      const q = FieldReader.of(item, p, 'an ioeventfd');
      const io = {
        eventfd: q.int('eventfd', 0),
        addr: q.word('addr'),
        len: q.int('len', 0, 8),
        datamatch: q.word('datamatch'),
        wildcard: q.bool('wildcard'),
        portId: q.int('portId', 1, U32),
      };
      q.end();
      return io;
    }),
  );
  const routing = r.raw('msiRouting');
  pt.msiRouting =
    routing === null
      ? null
      : r.each('msiRouting', (item, p) => {
          const t = readArray(item, p, { length: 4 });
          return {
            gsi: readInt(t[0], childPath(p, 0), 0, U32),
            addressLo: readInt(t[1], childPath(p, 1), 0, U32),
            addressHi: readInt(t[2], childPath(p, 2), 0, U32),
            data: readInt(t[3], childPath(p, 3), 0, U32),
          };
        });
  pt.asyncCompletionDone = r.bool('asyncCompletionDone');
  pt.asyncCompletionStatus = r.int('asyncCompletionStatus', 0, U32);
  r.end();
  return pt;
}
