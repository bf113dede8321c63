import type { JsonValue } from '../../../log/JsonValue.js';
import { childPath } from '../../../scenario/jsonPath.js';
import { FieldReader, readArray, readInt, readOneOf, readString } from '../../../snapshot/FieldReader.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import type { KernelPartition } from '../KernelPartition.js';
import { Eventfd } from '../Eventfd.js';
import type { FdEntry, SavedDevice } from '../MshvDevice.js';
import type { TeardownStep } from '../teardown.js';
import { readKernelPartition, writeKernelPartition } from './kernelPartitionJson.js';
import { HV_PAGE_SIZE } from '../../../hv/Page.js';
import { VP_MAPPING_BASE, type VpMapping, vpMappedPfn } from '../VpMapping.js';

const V = 2;
/** HV_SYNIC_EVENT_RING_MESSAGE_COUNT: a ring tail is a slot index below it. */
const RING_SLOTS = 63;
/** fds 0–2 are the standard streams; the device hands out 3 and up. */
const FIRST_FD = 3;

/**
 * The device's fd table as JSON: `{ v, nextFd, partitions, fds, teardownCount }`. Each partition
 * object appears once in `partitions` (in order of its first fd, then those only a mapping holds)
 * and fds name it by its own fd: `[fd, 'partition', ptFd]`, `[fd, 'vp', ptFd, vpIndex]`,
 * `[fd, 'eventfd', count]` (the 64-bit counter as `0x` hex). `ringTails` are the doorbell ISR's
 * per-CPU read positions, `[cpu, slot]`. Version 2 added the eventfd counter, the teardown steps and
 * the ring tails (version 1 was never released). `teardownCount` replaced the list of every teardown
 * report (`teardowns`, still read: its length is the count), which grew with every partition a long
 * run ever destroyed. A device that ever mapped a VP page adds `mappingsMade` and its live `mappings`,
 * `[address, ptFd, vpIndex, pgoff]` (the address as `0x` hex); a device that never did writes
 * neither, so its bytes are those of every earlier snapshot.
 *
 * @example
 * writeDevice(device.save());
 */
export function writeDevice(s: SavedDevice): JsonValue {
  const partitions: KernelPartition[] = [];
  const fds: JsonValue[] = [];
  for (const [fd, e] of s.fds) {
    if (e.kind === 'eventfd') {
      fds.push([fd, 'eventfd', `0x${e.eventfd.count.toString(16)}`]);
      continue;
    }
    if (!partitions.includes(e.pt)) partitions.push(e.pt);
    fds.push(e.kind === 'partition' ? [fd, 'partition', e.pt.fd] : [fd, 'vp', e.pt.fd, e.vp.index]);
  }
  // A partition whose fds are all closed lives on while a VP page of it is mapped.
  for (const [, m] of s.mappings ?? []) if (!partitions.includes(m.pt)) partitions.push(m.pt);
  return {
    v: V,
    nextFd: s.nextFd,
    partitions: partitions.map((pt) => writeKernelPartition(pt)),
    fds,
    teardownCount: s.teardownCount,
    ringTails: s.ringTails.map(([cpu, slot]) => [cpu, slot]),
    ...(s.mappingsMade === undefined
      ? {}
      : {
          mappingsMade: s.mappingsMade,
          mappings: (s.mappings ?? []).map(([address, m]) => [
            `0x${address.toString(16)}`,
            m.pt.fd,
            m.vp.index,
            m.pgoff,
          ]),
        }),
  };
}

/**
 * The `teardowns` list snapshots written before `teardownCount` held (every report, kept for the
 * run's whole life): each report is still checked, and only their number is kept.
 */
function readTeardownList(r: FieldReader): number {
  return r.each('teardowns', (item, p) => {
    const q = FieldReader.of(item, p, 'a teardown report');
    q.each('steps', (x, xp) => readString(x, xp));
    q.each('ops', (x, xp) => readTeardownStep(x, xp));
    q.int('withdrawnPages', 0);
    q.end();
  }).length;
}

/**
 * Read an fd table written by `writeDevice`: fds ascending from 3 and below `nextFd`; every
 * partition referenced, by its own fd for a partition fd; every VP fd naming a VP of its partition
 * with that fd; each partition's reference count equal to its open fds (the partition fd unless
 * released, plus its VP fds); every irqfd bound to an open eventfd of the table.
 *
 * @example
 * new MshvDevice(env, readDevice(writeDevice(device.save()), '$.driver.device'));
 */
export function readDevice(json: unknown, path: string): SavedDevice {
  const r = FieldReader.of(json, path, 'the device', V);
  const nextFd = r.int('nextFd', FIRST_FD);
  const byFd = new Map<number, KernelPartition>();
  const paths = new Map<KernelPartition, string>();
  r.each('partitions', (item, p) => {
    const pt = readKernelPartition(item, p);
    if (byFd.has(pt.fd))
      throw new SnapshotError(`${p}.fd`, 'duplicate', `partition fd ${pt.fd} appears twice`);
    byFd.set(pt.fd, pt);
    paths.set(pt, p);
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
      readArray(item, p, { length: 3 });
      const count = readU64Hex(t[2], childPath(p, 2));
      return [fd, { kind, eventfd: new Eventfd(count) }];
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
  const mappingsMade = r.has('mappingsMade') ? r.int('mappingsMade', 0) : undefined;
  const mappings = mappingsMade === undefined ? [] : readMappings(r, mappingsMade, byFd, refs);
  for (const [ptFd, pt] of byFd) {
    const open = refs.get(pt);
    if (open === undefined)
      throw new SnapshotError(
        r.path('partitions'),
        'reference',
        `partition ${ptFd} is held by no fd and no mapping`,
      );
    if (pt.refs !== open)
      throw new SnapshotError(
        r.path('partitions'),
        'consistency',
        `partition ${ptFd} has ${pt.refs} references but ${open} open fds and mappings`,
      );
  }
  // Closing an eventfd deactivates the irqfds bound to it (removeIrqfds), and releasing a
  // partition fd drops them all: an irqfd always names an open eventfd.
  const eventfds = new Set<number>();
  for (const [fd, e] of fds) if (e.kind === 'eventfd') eventfds.add(fd);
  for (const [pt, p] of paths)
    pt.irqfds.forEach((f, i) => {
      if (!eventfds.has(f.eventfd))
        throw new SnapshotError(
          childPath(childPath(`${p}.irqfds`, i), 0),
          'reference',
          `irqfd eventfd ${f.eventfd} is not an open eventfd of the fd table`,
        );
    });
  const teardownCount = r.has('teardowns') ? readTeardownList(r) : r.int('teardownCount', 0);
  let lastCpu = -1;
  const ringTails = r.each('ringTails', (item, p): readonly [number, number] => {
    const t = readArray(item, p, { length: 2 });
    const cpu = readInt(t[0], childPath(p, 0), 0);
    if (cpu <= lastCpu)
      throw new SnapshotError(childPath(p, 0), 'order', `cpu ${cpu} is not above ${lastCpu}`);
    lastCpu = cpu;
    return [cpu, readInt(t[1], childPath(p, 1), 0, RING_SLOTS - 1)];
  });
  r.end();
  return {
    nextFd,
    fds,
    teardownCount,
    ringTails,
    ...(mappingsMade === undefined ? {} : { mappings, mappingsMade }),
  };
}

/**
 * The live VP page mappings: addresses the device handed out (one of the first `made` pages from
 * VP_MAPPING_BASE), ascending, each of a VP its partition has, at an offset that VP can map. Each
 * counts as a reference to its partition.
 */
function readMappings(
  r: FieldReader,
  made: number,
  byFd: ReadonlyMap<number, KernelPartition>,
  refs: Map<KernelPartition, number>,
): (readonly [bigint, VpMapping])[] {
  let last = -1n;
  return r.each('mappings', (item, p): readonly [bigint, VpMapping] => {
    const t = readArray(item, p, { length: 4 });
    const address = readU64Hex(t[0], childPath(p, 0));
    const page = (address - VP_MAPPING_BASE) / BigInt(HV_PAGE_SIZE);
    if (
      address < VP_MAPPING_BASE ||
      (address - VP_MAPPING_BASE) % BigInt(HV_PAGE_SIZE) !== 0n ||
      page >= BigInt(made)
    )
      throw new SnapshotError(
        childPath(p, 0),
        'range',
        `0x${address.toString(16)} is not one of the ${made} mapping addresses handed out`,
      );
    if (address <= last)
      throw new SnapshotError(
        childPath(p, 0),
        'order',
        `0x${address.toString(16)} is not above 0x${last.toString(16)}`,
      );
    last = address;
    const ptFd = readInt(t[1], childPath(p, 1), FIRST_FD);
    const pt = byFd.get(ptFd);
    if (pt === undefined)
      throw new SnapshotError(childPath(p, 1), 'reference', `no partition with fd ${ptFd}`);
    const index = readInt(t[2], childPath(p, 2), 0, 0xffff_ffff);
    const vp = pt.vps.get(index);
    if (vp === undefined)
      throw new SnapshotError(childPath(p, 2), 'reference', `partition ${ptFd} has no VP ${index}`);
    const pgoff = readInt(t[3], childPath(p, 3), 0);
    const pfn = vpMappedPfn(vp, pgoff);
    if (!pfn.ok) throw new SnapshotError(childPath(p, 3), 'reference', pfn.error.message);
    refs.set(pt, (refs.get(pt) ?? 0) + 1);
    return [address, { pt, vp, pgoff }];
  });
}

const STEP_OPS = [
  'SUSPEND_VP',
  'RELEASE_VP',
  'RELEASE_REGION',
  'FINALIZE_PARTITION',
  'UNLIST_PARTITION',
  'WITHDRAW_MEMORY',
  'DELETE_PARTITION',
] as const;

/** One §c.12 step of a teardown report: `{ op }`, with `vp` or `guestPfn` where the op names one. */
function readTeardownStep(json: unknown, path: string): TeardownStep {
  const q = FieldReader.of(json, path, 'a teardown step');
  const op = readOneOf(q.raw('op'), q.path('op'), STEP_OPS);
  let step: TeardownStep;
  if (op === 'SUSPEND_VP' || op === 'RELEASE_VP') step = { op, vp: q.int('vp', 0, 0xffff_ffff) };
  else if (op === 'RELEASE_REGION') step = { op, guestPfn: q.int('guestPfn', 0) };
  else step = { op };
  q.end();
  return step;
}

/** A u64 written as `0x` hex. */
function readU64Hex(json: unknown, path: string): bigint {
  const text = readString(json, path);
  if (!/^0x[0-9a-f]{1,16}$/.test(text))
    throw new SnapshotError(path, 'hex', `${JSON.stringify(text)} is not a 0x u64`);
  return BigInt(text);
}
