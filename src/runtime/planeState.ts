import { createActor, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import type { VpCommand } from '../../machines/vp/VpOp.js';
import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import { toJsonValue } from '../log/toJsonValue.js';
import type { UserMemRegion } from '../ports/DevicePort.js';
import type { Machines } from './Machines.js';
import type { RequestOutcome } from './RequestOutcome.js';
import type { PartitionSlot, VpSlot } from './Slots.js';

/** The format tag of a control plane's saved state. */
export const PLANE_STATE_FORMAT = 'mshv-control-plane';
/** The version of that format this build writes and reads. */
export const PLANE_STATE_VERSION = 1;

/** A settled run as the plane queues it for `takeSettled`. */
export interface SettledRunState {
  readonly ticket: number;
  readonly partition: string;
  readonly vp: number;
  readonly outcome: RequestOutcome;
}

/**
 * Everything a control plane holds between requests, decoded (what `restore` installs). Settled runs
 * not yet taken are not part of the saved state: each one's outcome is already a result record, and
 * taking them is not recorded, so a replay could not reproduce the queue.
 */
export interface PlaneContents {
  readonly opId: number;
  readonly ticket: number;
  readonly eventfds: readonly number[];
  readonly settled: readonly SettledRunState[];
  readonly slots: readonly PartitionSlot[];
}

/**
 * A control plane's state as JSON: counters, eventfds, and per partition its fd,
 * its machine's persisted snapshot (xstate `getPersistedSnapshot`), regions, saved clock, teardown
 * progress (and `outlived` when closing its fds left it held), the eventfds made for its irqfds and
 * ioeventfds, and VPs (each with its machine's persisted snapshot, a sleeping run, if any, and the
 * address of the register page the VMM mapped, if it did).
 *
 * @example
 * const json = encodePlaneState(contents, SHIPPED_MACHINES);
 * json.format; // 'mshv-control-plane'
 */
export function encodePlaneState(contents: PlaneContents, machines: Machines): JsonObject {
  return {
    format: PLANE_STATE_FORMAT,
    version: PLANE_STATE_VERSION,
    opId: contents.opId,
    ticket: contents.ticket,
    eventfds: [...contents.eventfds],
    partitions: contents.slots.map((slot) => ({
      key: slot.key,
      fd: slot.fd,
      machine: persisted(machines.partition, slot.snapshot),
      regions: [...slot.regions].map(([key, region]) => [key, toJsonValue(region)]),
      savedClock: slot.savedClock === null ? null : `0x${slot.savedClock.toString(16)}`,
      teardown: slot.teardown === null ? null : toJsonValue(slot.teardown),
      released: slot.released,
      ...(slot.outlived === true ? { outlived: true } : {}),
      eventfds: [...slot.eventfds],
      vps: [...slot.vps.values()].map((vp) => ({
        index: vp.index,
        fd: vp.fd,
        name: vp.name,
        machine: persisted(machines.vp, vp.snapshot),
        run: vp.run === null ? null : toJsonValue(vp.run),
        ...(vp.registerPage === null ? {} : { registerPage: `0x${vp.registerPage.toString(16)}` }),
      })),
    })),
  };
}

/**
 * Why a saved plane state was refused: the JSON path and what is wrong there.
 *
 * @example
 * new PlaneStateError('$.partitions[0].fd', 'expected an integer').message; // '$.partitions[0].fd: expected an integer'
 */
export class PlaneStateError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'PlaneStateError';
  }
}

/**
 * Read a saved plane state back, restoring each machine snapshot on the given definitions (so a
 * checker's planted guards stay planted). Throws a PlaneStateError naming the path of the first
 * malformed value; nothing is half built.
 *
 * @example
 * const contents = decodePlaneState(json, SHIPPED_MACHINES);
 */
export function decodePlaneState(json: JsonValue, machines: Machines): PlaneContents {
  const r = new Reader();
  const root = r.object(json, '$');
  if (root.format !== PLANE_STATE_FORMAT)
    throw new PlaneStateError('$.format', `expected '${PLANE_STATE_FORMAT}'`);
  if (root.version !== PLANE_STATE_VERSION)
    throw new PlaneStateError(
      '$.version',
      `version ${JSON.stringify(root.version ?? null)} is not supported (this build reads ${PLANE_STATE_VERSION})`,
    );
  const slots = r.array(root.partitions, '$.partitions').map((p, i): PartitionSlot => {
    const path = `$.partitions[${i}]`;
    const o = r.object(p, path);
    const key = r.string(o.key, `${path}.key`);
    const vps = new Map<number, VpSlot>();
    for (const [j, v] of r.array(o.vps, `${path}.vps`).entries()) {
      const vpath = `${path}.vps[${j}]`;
      const vo = r.object(v, vpath);
      const index = r.int(vo.index, `${vpath}.index`);
      const run = vo.run === null ? null : r.object(vo.run, `${vpath}.run`);
      vps.set(index, {
        index,
        fd: r.int(vo.fd, `${vpath}.fd`),
        name: r.string(vo.name, `${vpath}.name`),
        snapshot: restoreSnapshot(machines.vp, vo.machine, `${vpath}.machine`),
        run:
          run === null
            ? null
            : {
                ticket: r.int(run.ticket, `${vpath}.run.ticket`),
                opId: r.int(run.opId, `${vpath}.run.opId`),
                cmd: r.object(run.cmd, `${vpath}.run.cmd`) as unknown as VpCommand,
              },
        registerPage: vo.registerPage === undefined ? null : r.u64(vo.registerPage, `${vpath}.registerPage`),
      });
    }
    const regions = new Map<string, UserMemRegion>();
    for (const [j, entry] of r.array(o.regions, `${path}.regions`).entries()) {
      const rpath = `${path}.regions[${j}]`;
      const [name, region] = r.array(entry, rpath);
      const ro = r.object(region, `${rpath}[1]`);
      regions.set(r.string(name, `${rpath}[0]`), {
        size: r.u64(ro.size, `${rpath}[1].size`),
        guestPfn: r.u64(ro.guestPfn, `${rpath}[1].guestPfn`),
        userspaceAddr: r.u64(ro.userspaceAddr, `${rpath}[1].userspaceAddr`),
        flags: r.int(ro.flags, `${rpath}[1].flags`),
        ...(ro.rsvd === undefined ? {} : { rsvd: r.u64(ro.rsvd, `${rpath}[1].rsvd`) }),
      });
    }
    return {
      key,
      fd: r.int(o.fd, `${path}.fd`),
      snapshot: restoreSnapshot(machines.partition, o.machine, `${path}.machine`),
      vps,
      regions,
      savedClock: o.savedClock === null ? null : r.u64(o.savedClock, `${path}.savedClock`),
      teardown:
        o.teardown === null
          ? null
          : (r.array(o.teardown, `${path}.teardown`) as unknown as NonNullable<PartitionSlot['teardown']>),
      released: r.bool(o.released, `${path}.released`),
      ...(o.outlived === undefined ? {} : { outlived: r.bool(o.outlived, `${path}.outlived`) }),
      eventfds: new Set(
        r.array(o.eventfds, `${path}.eventfds`).map((fd, j) => r.int(fd, `${path}.eventfds[${j}]`)),
      ),
    };
  });
  const settled = (root.settled === undefined ? [] : r.array(root.settled, '$.settled')).map(
    (s, i): SettledRunState => {
      const o = r.object(s, `$.settled[${i}]`);
      const outcome = r.object(o.outcome, `$.settled[${i}].outcome`);
      r.string(outcome.status, `$.settled[${i}].outcome.status`);
      return {
        ticket: r.int(o.ticket, `$.settled[${i}].ticket`),
        partition: r.string(o.partition, `$.settled[${i}].partition`),
        vp: r.int(o.vp, `$.settled[${i}].vp`),
        outcome: outcome as unknown as RequestOutcome,
      };
    },
  );
  return {
    opId: r.int(root.opId, '$.opId'),
    ticket: r.int(root.ticket, '$.ticket'),
    eventfds: r.array(root.eventfds, '$.eventfds').map((fd, i) => r.int(fd, `$.eventfds[${i}]`)),
    settled,
    slots,
  };
}

function persisted(machine: AnyStateMachine, snapshot: unknown): JsonValue {
  return toJsonValue(JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot as never))));
}

/** xstate's restore (`createActor(machine, { snapshot })`, never started) onto the plane's definition. */
function restoreSnapshot<M extends AnyStateMachine>(
  machine: M,
  json: unknown,
  path: string,
): SnapshotFrom<M> {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new PlaneStateError(path, 'expected a persisted machine snapshot (an object)');
  try {
    // A deep copy: the restored snapshot must not share objects with the JSON it came from.
    const copy: unknown = JSON.parse(JSON.stringify(json));
    const logic = machine as AnyStateMachine;
    // xstate does not throw on a bad snapshot: the actor comes back in status 'error'.
    const restored = createActor(logic, { snapshot: copy as never }).getSnapshot() as {
      readonly status: string;
      readonly error?: unknown;
      readonly context?: unknown;
    };
    if (restored.status === 'error')
      throw new PlaneStateError(path, `not a snapshot of ${machine.id}: ${errorText(restored.error)}`);
    if (restored.context === null || typeof restored.context !== 'object')
      throw new PlaneStateError(`${path}.context`, 'expected an object');
    return restored as SnapshotFrom<M>;
  } catch (e) {
    if (e instanceof PlaneStateError) throw e;
    throw new PlaneStateError(path, `not a snapshot of ${machine.id}: ${errorText(e)}`);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Reader {
  object(v: unknown, path: string): Readonly<Record<string, unknown>> {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new PlaneStateError(path, 'expected an object');
    return v as Readonly<Record<string, unknown>>;
  }

  array(v: unknown, path: string): readonly unknown[] {
    if (!Array.isArray(v)) throw new PlaneStateError(path, 'expected a list');
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') throw new PlaneStateError(path, 'expected a string');
    return v;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') throw new PlaneStateError(path, 'expected true or false');
    return v;
  }

  int(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new PlaneStateError(path, 'expected an integer');
    return v;
  }

  u64(v: unknown, path: string): bigint {
    if (typeof v !== 'string' || !/^0x[0-9a-f]{1,16}$/.test(v))
      throw new PlaneStateError(path, 'expected a u64 as 0x hex');
    return BigInt(v);
  }
}
