import type { GpaMap } from './GpaMap.js';
import type { Pool } from './Pool.js';
import type { Vp } from './Vp.js';

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

/**
 * One partition as the hypervisor sees it. The root partition is one too (its pool feeds
 * CREATE_PARTITION, CREATE_PORT and stats pages).
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

  /** True when creation flag `bit` (HV_PARTITION_CREATION_FLAG_*) is set. */
  hasFlag(bit: number): boolean {
    return ((this.creationFlags >> BigInt(bit)) & 1n) === 1n;
  }
}
