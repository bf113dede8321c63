import type { HostRam } from '../host/HostRam.js';
import { GpaMap, type HostRefs, type SavedGpaMap } from './GpaMap.js';
import { Pool, type SavedPool } from './Pool.js';
import { type SavedVp, Vp } from './Vp.js';

/** created → initialized → finalized → deleted (created → deleted on the driver's create error path). */
export type PartitionState = 'created' | 'initialized' | 'finalized' | 'deleted';

/** A synic port owned by a port partition (CREATE_PORT). */
export interface Port {
  readonly id: number;
  readonly type: number;
  readonly connectionPartition: bigint;
  readonly targetSint: number;
  readonly targetVp: number;
  /** Connection ids (in the connection partition) attached to it. */
  readonly connections: Set<number>;
}

/** A connection to a port, owned by the connection partition (CONNECT_PORT). */
export interface Connection {
  readonly id: number;
  readonly portPartition: bigint;
  readonly portId: number;
  readonly type: number;
  /** Doorbell trigger: guest physical address, value, HV_DOORBELL_FLAG_* word. */
  readonly gpa: bigint;
  readonly triggerValue: bigint;
  readonly flags: bigint;
}

/** Fungible pool pages a partition's structures hold, by purpose (the cost model's ledger). */
export interface HeldPages {
  partition: number;
  vps: number;
  ports: number;
  connections: number;
}

/** A partition as a snapshot keeps it: every field, maps as lists in insertion order. */
export interface SavedPartition {
  readonly id: bigint;
  readonly key: number;
  readonly isRoot: boolean;
  readonly creationFlags: bigint;
  readonly isolationType: number;
  readonly state: PartitionState;
  readonly vps: readonly SavedVp[];
  readonly properties: readonly (readonly [number, bigint])[];
  readonly ports: readonly (Omit<Port, 'connections'> & { readonly connections: readonly number[] })[];
  readonly connections: readonly Connection[];
  readonly held: Readonly<HeldPages>;
  readonly timeFrozen: boolean;
  readonly frozenReferenceTime: bigint;
  readonly referenceOffset: bigint;
  readonly asyncCompletions: number;
  readonly interruptsCleared: number;
  readonly pool: SavedPool;
  readonly gpa: SavedGpaMap;
}

/**
 * One partition as the hypervisor sees it. The root partition is one too (its pool feeds
 * CREATE_PARTITION, CREATE_PORT and stats pages).
 *
 * @example
 * model.createPartition(0n, 0).state; // 'created' (the root starts 'initialized')
 */
export class Partition {
  state: PartitionState;
  readonly vps = new Map<number, Vp>();
  readonly properties = new Map<number, bigint>();
  readonly ports = new Map<number, Port>();
  readonly connections = new Map<number, Connection>();
  readonly held: HeldPages = { partition: 0, vps: 0, ports: 0, connections: 0 };
  /** Time freeze (HV_PARTITION_PROPERTY_TIME_FREEZE) and the frozen reference time in 100 ns ticks. */
  timeFrozen = false;
  frozenReferenceTime = 0n;
  /** Reference time = clock ticks + offset while running. */
  referenceOffset = 0n;
  /** ASYNC_CALL_COMPLETION messages sent for this partition. */
  asyncCompletions = 0;
  /** CLEAR_VIRTUAL_INTERRUPT calls (ExtINT acknowledgements). */
  interruptsCleared = 0;

  constructor(
    readonly id: bigint,
    /** Small index used to tag host pages with this partition. */
    readonly key: number,
    readonly isRoot: boolean,
    readonly creationFlags: bigint,
    readonly isolationType: number,
    readonly pool: Pool,
    readonly gpa: GpaMap,
  ) {
    this.state = isRoot ? 'initialized' : 'created';
  }

  /**
   * Every field, for snapshots.
   *
   * @example
   * partition.save().vps.length === partition.vps.size; // true
   */
  save(): SavedPartition {
    return {
      id: this.id,
      key: this.key,
      isRoot: this.isRoot,
      creationFlags: this.creationFlags,
      isolationType: this.isolationType,
      state: this.state,
      vps: [...this.vps.values()].map((vp) => vp.save()),
      properties: [...this.properties],
      ports: [...this.ports.values()].map((p) => ({ ...p, connections: [...p.connections] })),
      connections: [...this.connections.values()],
      held: { ...this.held },
      timeFrozen: this.timeFrozen,
      frozenReferenceTime: this.frozenReferenceTime,
      referenceOffset: this.referenceOffset,
      asyncCompletions: this.asyncCompletions,
      interruptsCleared: this.interruptsCleared,
      pool: this.pool.save(),
      gpa: this.gpa.save(),
    };
  }

  /**
   * A partition in a recorded state, its pool over `ram` and its GPA map reporting to `refs`.
   *
   * @example
   * const copy = Partition.restore(p.save(), ram, refs);
   */
  static restore(s: SavedPartition, ram: HostRam, refs: HostRefs): Partition {
    const p = new Partition(
      s.id,
      s.key,
      s.isRoot,
      s.creationFlags,
      s.isolationType,
      Pool.restore(s.key, ram, s.pool),
      GpaMap.restore(refs, s.gpa),
    );
    p.state = s.state;
    for (const v of s.vps) p.vps.set(v.index, Vp.restore(v));
    for (const [code, value] of s.properties) p.properties.set(code, value);
    for (const port of s.ports) p.ports.set(port.id, { ...port, connections: new Set(port.connections) });
    for (const c of s.connections) p.connections.set(c.id, { ...c });
    Object.assign(p.held, s.held);
    p.timeFrozen = s.timeFrozen;
    p.frozenReferenceTime = s.frozenReferenceTime;
    p.referenceOffset = s.referenceOffset;
    p.asyncCompletions = s.asyncCompletions;
    p.interruptsCleared = s.interruptsCleared;
    return p;
  }

  /** True when creation flag `bit` (HV_PARTITION_CREATION_FLAG_*) is set. */
  hasFlag(bit: number): boolean {
    return ((this.creationFlags >> BigInt(bit)) & 1n) === 1n;
  }
}
