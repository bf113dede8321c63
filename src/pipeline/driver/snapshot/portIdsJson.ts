import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, readArray, readInt } from '../../../snapshot/FieldReader.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import { PORT_ID_MAX, PORT_ID_MIN } from '../../../hv/hypercalls/CreatePort.js';
import type { KernelPartition } from '../KernelPartition.js';
import type { SavedPortIds } from '../portIdAllocator.js';

const V = 2;

/**
 * The port-id table as JSON: `{ v, next, freed, owners: [[id, partitionFd, portType]] }` (version 2
 * added the port type of each entry; version 1 was never released).
 *
 * @example
 * writePortIds(portIdsOf(env).save());
 */
export function writePortIds(s: SavedPortIds): JsonValue {
  return {
    v: V,
    next: s.next,
    freed: [...s.freed],
    owners: s.owners.map(([id, e]) => [id, e.owner.fd, e.portType]),
  };
}

/**
 * Read a port-id table written by `writePortIds`; owners are looked up among the open partitions
 * (`partitionByFd`), freed ids ascend below `next`, no id is both freed and owned.
 *
 * @example
 * PortIdAllocator.restore(readPortIds(json, '$.driver.portIds', (fd) => byFd.get(fd)));
 */
export function readPortIds(
  json: unknown,
  path: string,
  partitionByFd: (fd: number) => KernelPartition | undefined,
): SavedPortIds {
  const r = FieldReader.of(json, path, 'the port-id table', V);
  const next = r.int('next', PORT_ID_MIN, PORT_ID_MAX);
  let last = 0;
  const taken = new Set<number>();
  const freed = r.each('freed', (item, p) => {
    const id = readInt(item, p, PORT_ID_MIN, next - 1);
    if (id <= last) throw new SnapshotError(p, 'order', `id ${id} is not above ${last}`);
    last = id;
    taken.add(id);
    return id;
  });
  const owners = r.each('owners', (item, p) => {
    const t = readArray(item, p, { length: 3 });
    const id = readInt(t[0], childPath(p, 0), PORT_ID_MIN, next - 1);
    if (taken.has(id))
      throw new SnapshotError(
        childPath(p, 0),
        'duplicate',
        `id ${id} is both freed and owned, or owned twice`,
      );
    taken.add(id);
    const fd = readInt(t[1], childPath(p, 1), 0);
    const pt = partitionByFd(fd);
    if (pt === undefined || pt.fdReleased)
      throw new SnapshotError(childPath(p, 1), 'reference', `no open partition with fd ${fd}`);
    const portType = readInt(t[2], childPath(p, 2), 0, 0xffff_ffff);
    return [id, { owner: pt, portType }] as const;
  });
  r.end();
  return { next, freed, owners };
}
