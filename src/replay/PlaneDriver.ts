import type { PartitionRequest } from '../../machines/partition/PartitionEvent.js';
import type { VpRequest } from '../../machines/vp/VpEvent.js';
import type { JsonObject, JsonValue } from '../log/JsonValue.js';
import type { IntentRecord } from '../log/LogRecord.js';
import type { CreatePartitionArgs } from '../ports/DevicePort.js';
import { ControlPlane, type PlaneParts } from '../runtime/ControlPlane.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import { stateName } from '../runtime/stateName.js';
import type { SimWorld } from '../runner/SimWorld.js';
import { MIGRATE_DURING } from '../scenario/MigrateDuring.js';
import { guestExitCodec } from '../scenario/guestExitCodec.js';
import type { GuestExit } from '../scenario/Scenario.js';
import { ScenarioError } from '../scenario/ScenarioError.js';
import type { IntentDriver, RuntimeFds } from './IntentDriver.js';

/**
 * The ControlPlane as an IntentDriver: each intent the plane recorded (`createPartition`,
 * `partition`, `vp`, `guest`, `signal`, `eventfd`, `writeEventfd`, `closeEventfd`,
 * `migrateUserPages`) is turned back into the call that recorded it, so the machines and the driver
 * run it again and the plane records it again. Settled runs are drained after each intent (nothing
 * records taking them).
 *
 * @example
 * const driver = new PlaneDriver(new ControlPlane(world, { sink }), world);
 * driver.apply({ kind: 'intent', name: 'partition', args: { key: 'vm0', request: { type: 'INITIALIZE' } } });
 */
export class PlaneDriver implements IntentDriver {
  readonly vocabulary = 'control-plane';

  constructor(
    readonly plane: ControlPlane,
    readonly world: SimWorld,
  ) {}

  /** A driver over a fresh plane on `world`, writing to `sink`, stepping `parts.machines` (shipped by default). */
  static create(world: SimWorld, sink: RecordSink, parts: PlaneParts = {}): PlaneDriver {
    return new PlaneDriver(new ControlPlane(world, { sink, ...parts }), world);
  }

  apply(intent: IntentRecord): string | null {
    const args = intent.args;
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      return 'intent.args: expected an object';
    const a = args as JsonObject;
    const p = this.plane;
    switch (intent.name) {
      case 'createPartition': {
        const key = keyOf(a);
        const create = createArgsOf(a.args);
        if (key === null) return 'intent.args.key: expected a partition key';
        if (typeof create === 'string') return create;
        p.createPartition(key, create);
        break;
      }
      case 'partition': {
        const key = keyOf(a);
        if (key === null) return 'intent.args.key: expected a partition key';
        if (!isRequest(a.request)) return 'intent.args.request: expected a request with a type';
        p.partition(key, a.request as unknown as PartitionRequest);
        break;
      }
      case 'vp': {
        const key = keyOf(a);
        if (key === null) return 'intent.args.key: expected a partition key';
        if (!isIndex(a.vp)) return 'intent.args.vp: expected a VP index';
        if (!isRequest(a.request)) return 'intent.args.request: expected a request with a type';
        p.vp(key, a.vp, a.request as unknown as VpRequest);
        break;
      }
      case 'guest': {
        const key = keyOf(a);
        if (key === null) return 'intent.args.key: expected a partition key';
        if (!isIndex(a.vp)) return 'intent.args.vp: expected a VP index';
        if (!Array.isArray(a.exits)) return 'intent.args.exits: expected a list of guest exits';
        let exits: GuestExit[];
        try {
          exits = (a.exits as readonly JsonValue[]).map((e, i) =>
            guestExitCodec.read(e, `intent.args.exits[${i}]`),
          );
        } catch (e) {
          if (e instanceof ScenarioError) return e.message;
          throw e;
        }
        p.guest(key, a.vp, exits);
        break;
      }
      case 'signal': {
        const key = keyOf(a);
        if (key === null) return 'intent.args.key: expected a partition key';
        if (!isIndex(a.vp)) return 'intent.args.vp: expected a VP index';
        p.signal(key, a.vp);
        break;
      }
      case 'eventfd':
        p.eventfd();
        break;
      case 'writeEventfd': {
        if (!isIndex(a.fd)) return 'intent.args.fd: expected an fd';
        if (typeof a.value !== 'string' || !/^0x[0-9a-f]{1,16}$/.test(a.value))
          return 'intent.args.value: expected a u64 as 0x hex';
        p.writeEventfd(a.fd, BigInt(a.value));
        break;
      }
      case 'closeEventfd':
        if (!isIndex(a.fd)) return 'intent.args.fd: expected an fd';
        p.closeEventfd(a.fd);
        break;
      case 'migrateUserPages': {
        const hex = /^0x[0-9a-f]{1,16}$/;
        if (typeof a.userAddr !== 'string' || !hex.test(a.userAddr))
          return 'intent.args.userAddr: expected a user address as 0x hex';
        if (typeof a.size !== 'string' || !hex.test(a.size))
          return 'intent.args.size: expected a size as 0x hex';
        if (a.during !== undefined && a.during !== 'nextFaultIn')
          return `intent.args.during: expected one of ${MIGRATE_DURING.join(', ')}`;
        p.migrateUserPages(BigInt(a.userAddr), BigInt(a.size), a.during);
        break;
      }
      default:
        return `intent '${intent.name}' is not one the ControlPlane records`;
    }
    p.takeSettled();
    return null;
  }

  saveState(): JsonValue {
    return this.plane.saveState();
  }

  fds(): RuntimeFds {
    const p = this.plane;
    const dev = this.world.device;
    const pending = new Set(p.pendingRuns().map((r) => `${r.partition}/${String(r.vp)}`));
    const partitions: RuntimeFds['partitions'][number][] = [];
    const vps: RuntimeFds['vps'][number][] = [];
    for (const key of p.partitionKeys()) {
      const fd = p.partitionFd(key);
      if (fd !== undefined && dev.partitionIdOf(fd) !== undefined)
        partitions.push({ name: key, fd, state: stateName(p.partitionSnapshot(key)?.value) });
      for (const index of p.vpIndexes(key)) {
        const vfd = p.vpFd(key, index);
        if (vfd === undefined || dev.vpOf(vfd) === undefined) continue;
        vps.push({
          partition: key,
          index,
          fd: vfd,
          state: stateName(p.vpSnapshot(key, index)?.value),
          runPending: pending.has(`${key}/${String(index)}`),
        });
      }
    }
    const mappings = p.vpMappings();
    return { partitions, vps, eventfds: p.eventfds(), ...(mappings.length === 0 ? {} : { mappings }) };
  }
}

function keyOf(a: JsonObject): string | null {
  return typeof a.key === 'string' ? a.key : null;
}

function isIndex(v: JsonValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isRequest(v: JsonValue | undefined): boolean {
  return (
    v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as JsonObject).type === 'string'
  );
}

const HEX = /^0x[0-9a-f]+$/;

/** MSHV_CREATE_PARTITION's arguments back from the JSON `createArgsJson` wrote (u64 as 0x strings). */
function createArgsOf(v: JsonValue | undefined): CreatePartitionArgs | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'intent.args.args: expected an object';
  const o = v as JsonObject;
  const u64 = (x: JsonValue | undefined, path: string): bigint | string =>
    typeof x === 'string' && HEX.test(x) ? BigInt(x) : `intent.args.args.${path}: expected a 0x hex u64`;
  const ptFlags = u64(o.ptFlags, 'ptFlags');
  const ptIsolation = u64(o.ptIsolation, 'ptIsolation');
  if (typeof ptFlags === 'string') return ptFlags;
  if (typeof ptIsolation === 'string') return ptIsolation;
  if (o.v2 === undefined) return { ptFlags, ptIsolation };
  if (o.v2 === null || typeof o.v2 !== 'object' || Array.isArray(o.v2))
    return 'intent.args.args.v2: expected an object';
  const w = o.v2 as JsonObject;
  const banks = w.cpuFbanks;
  if (!Array.isArray(banks) || banks.length !== 2)
    return 'intent.args.args.v2.cpuFbanks: expected two 0x hex u64';
  const [b0, b1] = (banks as readonly JsonValue[]).map((b, i) => u64(b, `v2.cpuFbanks[${i}]`));
  const disabledXsave = u64(w.disabledXsave, 'v2.disabledXsave');
  const rsvd = w.rsvd === undefined ? undefined : u64(w.rsvd, 'v2.rsvd');
  const rsvd1 = w.rsvd1 === undefined ? undefined : u64(w.rsvd1, 'v2.rsvd1');
  for (const x of [b0, b1, disabledXsave, rsvd, rsvd1]) if (typeof x === 'string') return x;
  if (typeof w.numCpuFbanks !== 'number') return 'intent.args.args.v2.numCpuFbanks: expected a number';
  return {
    ptFlags,
    ptIsolation,
    v2: {
      numCpuFbanks: w.numCpuFbanks,
      cpuFbanks: [b0 as bigint, b1 as bigint],
      disabledXsave: disabledXsave as bigint,
      ...(rsvd === undefined ? {} : { rsvd: rsvd as bigint }),
      ...(rsvd1 === undefined ? {} : { rsvd1: rsvd1 as bigint }),
    },
  };
}
