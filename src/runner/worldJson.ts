import type { JsonValue } from '../log/JsonValue.js';
import { partitionId } from '../hv/ids.js';
import type { KernelPartition } from '../pipeline/driver/KernelPartition.js';
import {
  partitionsInOrder,
  readDriver,
  type SavedDriver,
  writeDriver,
} from '../pipeline/driver/snapshot/driverJson.js';
import { childPath } from '../scenario/jsonPath.js';
import { FieldReader, hexWord64, readArray, readInt, readWord } from '../snapshot/FieldReader.js';
import { SnapshotError } from '../snapshot/SnapshotError.js';
import type { PendingSignal } from './SimHvShared.js';

/** The `format` of a world snapshot. */
export const WORLD_FORMAT = 'mshv-control-world';
/** The world snapshot version this build writes and reads. */
export const WORLD_VERSION = 1;

/** A world's parts as JSON values: the machine's own snapshot, the driver, the pending signals. */
export interface WorldJsonParts {
  readonly machine: JsonValue;
  readonly driver: SavedDriver;
  readonly signals: readonly PendingSignal[];
}

/**
 * A world as JSON: `{ format, version, machine, driver, signals: [[partitionId, vpIndex]] }`; the
 * machine part is a complete machine snapshot (`SimulatedMachine.fromSnapshot` reads it alone).
 *
 * @example
 * writeWorld({ machine: m.snapshot(), driver: saveDriver(device), signals: [] });
 */
export function writeWorld(w: WorldJsonParts): JsonValue {
  return {
    format: WORLD_FORMAT,
    version: WORLD_VERSION,
    machine: w.machine,
    driver: writeDriver(w.driver),
    signals: w.signals.map((s) => [hexWord64(s.partition), s.vpIndex]),
  };
}

/**
 * Read a world written by `writeWorld`, format and version first; the machine part is returned
 * unread (with its path) for `SimulatedMachine.restoreAt`.
 *
 * @example
 * const parts = readWorld(JSON.parse(text), '$');
 */
export function readWorld(
  json: unknown,
  path: string,
): {
  readonly machine: unknown;
  readonly machinePath: string;
  readonly driver: SavedDriver;
  readonly signals: PendingSignal[];
} {
  const r = FieldReader.of(json, path, 'a world snapshot');
  const format = r.string('format');
  if (format !== WORLD_FORMAT)
    throw new SnapshotError(r.path('format'), 'format', `'${format}' is not '${WORLD_FORMAT}'`);
  const version = r.int('version', 0);
  if (version !== WORLD_VERSION)
    throw new SnapshotError(
      r.path('version'),
      'version',
      `version ${version} is not ${WORLD_VERSION} (this build)`,
    );
  const machine = r.raw('machine');
  const driver = readDriver(r.raw('driver'), r.path('driver'));
  let last: PendingSignal | undefined;
  const signals = r.each('signals', (item, p) => {
    const t = readArray(item, p, { length: 2 });
    const s = {
      partition: partitionId(readWord(t[0], childPath(p, 0))),
      vpIndex: readInt(t[1], childPath(p, 1), 0, 0xffff_ffff),
    };
    const key = `${s.partition}/${s.vpIndex}`;
    // Written in (partition, VP) order (pendingSignals); any other order is not this state's text.
    if (last?.partition === s.partition && last.vpIndex === s.vpIndex)
      throw new SnapshotError(p, 'duplicate', `signal ${key} appears twice`);
    if (
      last !== undefined &&
      (last.partition > s.partition || (last.partition === s.partition && last.vpIndex > s.vpIndex))
    )
      throw new SnapshotError(p, 'order', `signal ${key} is not after ${last.partition}/${last.vpIndex}`);
    last = s;
    return s;
  });
  r.end();
  return { machine, machinePath: r.path('machine'), driver, signals };
}

/**
 * The driver's partitions are the hypervisor's: each kernel partition's id names a partition of
 * the restored machine that is not deleted (the driver forgets a partition when it deletes it). A
 * hand-edited id is refused here, rule `reference`, instead of the restored world answering its
 * next ioctl on another partition, or none.
 *
 * @example
 * checkWorldReferences(json, '$', parts.driver, (id) => machine.model.resolve(id)?.state);
 */
export function checkWorldReferences(
  json: unknown,
  path: string,
  driver: SavedDriver,
  stateOf: (id: bigint) => string | undefined,
): void {
  const byFd = new Map<number, KernelPartition>();
  for (const [, e] of driver.device.fds) if (e.kind !== 'eventfd') byFd.set(e.pt.fd, e.pt);
  for (const [, m] of driver.device.mappings ?? []) byFd.set(m.pt.fd, m.pt);
  const device = (json as { readonly driver: { readonly device: unknown } }).driver.device;
  for (const [i, fd] of partitionsInOrder(device)) {
    const pt = byFd.get(fd);
    const state = pt === undefined ? undefined : stateOf(pt.id);
    if (pt !== undefined && (state === undefined || state === 'deleted'))
      throw new SnapshotError(
        `${path}.driver.device.partitions[${i}].id`,
        'reference',
        `partition 0x${pt.id.toString(16)} is ${state === undefined ? 'not a partition' : 'deleted'} in the machine`,
      );
  }
}
