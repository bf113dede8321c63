import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, readArray, readInt, readOneOf, readString } from '../../../snapshot/FieldReader.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import type { KernelPartition } from '../KernelPartition.js';
import type { FdEntry, SavedDevice } from '../MshvDevice.js';
import { readKernelPartition, writeKernelPartition } from './kernelPartitionJson.js';

const V = 1;
/** fds 0–2 are the standard streams; the device hands out 3 and up. */
const FIRST_FD = 3;

/**
 * The device's fd table as JSON: `{ v, nextFd, partitions, fds, teardowns }`. Each partition
 * object appears once in `partitions` (in order of its first fd) and fds name it by its own fd:
 * `[fd, 'partition', ptFd]`, `[fd, 'vp', ptFd, vpIndex]`, `[fd, 'eventfd']`. Eventfd state (a
 * counter, when the model grows one) goes into the eventfd tuple here.
 *
 * @example
 * writeDevice(device.save());
 */
export function writeDevice(s: SavedDevice): JsonValue {
  const partitions: KernelPartition[] = [];
  const fds: JsonValue[] = [];
  for (const [fd, e] of s.fds) {
    if (e.kind === 'eventfd') {
      fds.push([fd, 'eventfd']);
      continue;
    }
    if (!partitions.includes(e.pt)) partitions.push(e.pt);
    fds.push(e.kind === 'partition' ? [fd, 'partition', e.pt.fd] : [fd, 'vp', e.pt.fd, e.vp.index]);
  }
  return {
    v: V,
    nextFd: s.nextFd,
    partitions: partitions.map((pt) => writeKernelPartition(pt)),
    fds,
    teardowns: s.teardowns.map((t) => ({ steps: [...t.steps], withdrawnPages: t.withdrawnPages })),
  };
}

/**
 * Read an fd table written by `writeDevice`: fds ascending from 3 and below `nextFd`; every
 * partition referenced, by its own fd for a partition fd; every VP fd naming a VP of its partition
 * with that fd; each partition's reference count equal to its open fds (the partition fd unless
 * released, plus its VP fds).
 *
 * @example
 * new MshvDevice(env, readDevice(writeDevice(device.save()), '$.driver.device'));
 */
export function readDevice(json: unknown, path: string): SavedDevice {
  const r = FieldReader.of(json, path, 'the device', V);
  const nextFd = r.int('nextFd', FIRST_FD);
  const byFd = new Map<number, KernelPartition>();
  r.each('partitions', (item, p) => {
    const pt = readKernelPartition(item, p);
    if (byFd.has(pt.fd))
      throw new SnapshotError(`${p}.fd`, 'duplicate', `partition fd ${pt.fd} appears twice`);
    byFd.set(pt.fd, pt);
  });
  const refs = new Map<KernelPartition, number>();
  let last = FIRST_FD - 1;
  const fds = r.each('fds', (item, p): readonly [number, FdEntry] => {
    const t = readArray(item, p);
    const fd = readInt(t[0], childPath(p, 0), FIRST_FD, nextFd - 1);
    if (fd <= last) throw new SnapshotError(childPath(p, 0), 'order', `fd ${fd} is not above ${last}`);
    last = fd;
    const kind = readOneOf(t[1], childPath(p, 1), ['partition', 'vp', 'eventfd']);
    if (kind === 'eventfd') {
      readArray(item, p, { length: 2 });
      return [fd, { kind }];
    }
    const ptFd = readInt(t[2], childPath(p, 2), FIRST_FD);
    const pt = byFd.get(ptFd);
    if (pt === undefined)
      throw new SnapshotError(childPath(p, 2), 'reference', `no partition with fd ${ptFd}`);
    refs.set(pt, (refs.get(pt) ?? 0) + 1);
    if (kind === 'partition') {
      readArray(item, p, { length: 3 });
      if (ptFd !== fd || pt.fdReleased)
        throw new SnapshotError(
          childPath(p, 2),
          'reference',
          `fd ${fd} is not the open fd of partition ${ptFd}`,
        );
      return [fd, { kind, pt }];
    }
    readArray(item, p, { length: 4 });
    const index = readInt(t[3], childPath(p, 3), 0, 0xffff_ffff);
    const vp = pt.vps.get(index);
    if (vp?.fd !== fd)
      throw new SnapshotError(
        childPath(p, 3),
        'reference',
        `partition ${ptFd} has no VP ${index} behind fd ${fd}`,
      );
    return [fd, { kind, pt, vp }];
  });
  for (const [ptFd, pt] of byFd) {
    const open = refs.get(pt);
    if (open === undefined)
      throw new SnapshotError(r.path('partitions'), 'reference', `partition ${ptFd} is held by no fd`);
    if (pt.refs !== open)
      throw new SnapshotError(
        r.path('partitions'),
        'consistency',
        `partition ${ptFd} has ${pt.refs} references but ${open} open fds`,
      );
  }
  const teardowns = r.each('teardowns', (item, p) => {
    const q = FieldReader.of(item, p, 'a teardown report');
    const t = {
      steps: q.each('steps', (x, xp) => readString(x, xp)),
      withdrawnPages: q.int('withdrawnPages', 0),
    };
    q.end();
    return t;
  });
  r.end();
  return { nextFd, fds, teardowns };
}
