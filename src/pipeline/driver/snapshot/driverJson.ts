import type { JsonValue } from '../../../log/JsonValue.js';
import { FieldReader } from '../../../snapshot/FieldReader.js';
import { SnapshotError } from '../../../snapshot/SnapshotError.js';
import type { SavedWindowTracker } from '../../WindowTracker.js';
import type { KernelPartition } from '../KernelPartition.js';
import type { MshvDevice, SavedDevice } from '../MshvDevice.js';
import { portIdsOf, type SavedPortIds } from '../portIdAllocator.js';
import { readDevice, writeDevice } from './mshvDeviceJson.js';
import { readPortIds, writePortIds } from './portIdsJson.js';
import { readWindowTracker, writeWindowTracker } from './windowTrackerJson.js';

const V = 1;

/** The driver model's state: the fd table, the interrupt-window counters, the port-id table. */
export interface SavedDriver {
  readonly device: SavedDevice;
  readonly windows: SavedWindowTracker;
  readonly portIds: SavedPortIds;
}

/**
 * Everything the driver model holds beyond its configuration (hooks, executors and the host are
 * supplied again on restore). Only between ioctls: inside an interrupt window it throws.
 *
 * @example
 * const saved = saveDriver(device);
 */
export function saveDriver(device: MshvDevice): SavedDriver {
  return { device: device.save(), windows: device.env.windows.save(), portIds: portIdsOf(device.env).save() };
}

/**
 * The driver as JSON: `{ v, device, windows, portIds }`, one codec per class, each with its own `v`.
 * Driver state that is not per partition, VP or fd (for instance a per-CPU doorbell ring tail)
 * belongs here as a new field with its own codec.
 *
 * @example
 * writeDriver(saveDriver(device));
 */
export function writeDriver(s: SavedDriver): JsonValue {
  return {
    v: V,
    device: writeDevice(s.device),
    windows: writeWindowTracker(s.windows),
    portIds: writePortIds(s.portIds),
  };
}

/**
 * Read a driver written by `writeDriver`; port-id owners must be open partitions of the fd table,
 * and each ioeventfd's port id one its partition owns.
 *
 * @example
 * readDriver(writeDriver(saveDriver(device)), '$.driver');
 */
export function readDriver(json: unknown, path: string): SavedDriver {
  const r = FieldReader.of(json, path, 'the driver', V);
  const device = readDevice(r.raw('device'), r.path('device'));
  const open = new Map<number, KernelPartition>();
  for (const [fd, e] of device.fds) if (e.kind === 'partition') open.set(fd, e.pt);
  const s: SavedDriver = {
    device,
    windows: readWindowTracker(r.raw('windows'), r.path('windows')),
    portIds: readPortIds(r.raw('portIds'), r.path('portIds'), (fd) => open.get(fd)),
  };
  r.end();
  // An ioeventfd is a doorbell on a port id its partition owns until the ioeventfd goes.
  const owners = new Map(s.portIds.owners.map(([id, e]) => [id, e.owner]));
  const byFd = new Map<number, KernelPartition>();
  for (const [, e] of device.fds) if (e.kind !== 'eventfd') byFd.set(e.pt.fd, e.pt);
  for (const [, m] of device.mappings ?? []) byFd.set(m.pt.fd, m.pt);
  for (const [i, fd] of partitionsInOrder(r.raw('device'))) {
    const kp = byFd.get(fd);
    kp?.ioeventfds.forEach((io, j) => {
      if (owners.get(io.portId) !== kp)
        throw new SnapshotError(
          `${r.path('device')}.partitions[${i}].ioeventfds[${j}].portId`,
          'reference',
          `port ${io.portId} is not a port id this partition owns in the port-id table`,
        );
    });
  }
  return s;
}

/**
 * `[index, fd]` of each partition in a device JSON `readDevice` accepted, for error paths.
 *
 * @example
 * partitionsInOrder({ partitions: [{ fd: 3 }] }); // [[0, 3]]
 */
export function partitionsInOrder(device: unknown): (readonly [number, number])[] {
  const list = (device as { readonly partitions: readonly { readonly fd: number }[] }).partitions;
  return list.map((p, i) => [i, p.fd] as const);
}
