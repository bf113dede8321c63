import type { ManualClock } from '../../../src/det/Clock.js';
import { NS_PER_REFERENCE_TICK } from '../../../src/det/Clock.js';
import type { Rng } from '../../../src/det/Rng.js';
import { HV_PARTITION_ID_SELF } from '../../../src/hv/ids.js';
import type { Knobs } from '../MachineConfig.js';
import { type HostRam, withOwner } from '../host/HostRam.js';
import type { Synic } from '../host/Synic.js';
import { GpaMap, type HostRefs } from './GpaMap.js';
import { Partition, type SavedPartition } from './Partition.js';
import { Pool } from './Pool.js';

/** The hypervisor's partitions as a snapshot keeps them (the async stream's position is `rng.state()`). */
export interface SavedHvModel {
  /** Every partition the model holds (live, or deleted with pages it leaked), root first, in key order. */
  readonly partitions: readonly SavedPartition[];
  readonly nextChildId: bigint;
}

/**
 * The hypervisor's state: every partition (the root included), the host page map it shares with the
 * simulated host, the SynIC it posts messages through, and the knobs it runs with. Handlers read and
 * change it; checkers only read it (through SimulatedMachine's introspection).
 *
 * @example
 * const model = new SimulatedMachine({ seed: 7 }).model;
 * model.resolve(HV_PARTITION_ID_SELF) === model.root; // true
 */
export class HvModel {
  readonly root: Partition;
  readonly #partitions = new Map<bigint, Partition>();
  /**
   * Partitions by host-tag key; a forgotten partition leaves its key free for the next one (never
   * while a host page is still exclusive to that key).
   */
  readonly #byKey: (Partition | undefined)[] = [];
  /** The partitions held, in key order (what `all()` returns). */
  #held: Partition[] = [];
  #nextChildId: bigint;
  /** Host `maps` accounting for every GPA map. */
  readonly refs: HostRefs;

  constructor(
    readonly knobs: Knobs,
    readonly ram: HostRam,
    readonly synic: Synic,
    readonly clock: ManualClock,
    /** Stream for asynchronous-completion choices. */
    readonly rng: Rng,
    /** A recorded state (SimulatedMachine.fromSnapshot): its partitions replace the fresh root. */
    restored?: SavedHvModel,
  ) {
    this.refs = {
      ref: (pfn, count) => {
        ram.retag(pfn, count, (o) => withOwner(o, { maps: o.maps + 1 }));
      },
      unref: (pfn, count) => {
        ram.retag(pfn, count, (o) => withOwner(o, { maps: o.maps - 1 }));
      },
    };
    if (restored === undefined) {
      this.root = this.#add(knobs.rootPartitionId, true, 0n, 0);
      this.#nextChildId = knobs.firstChildPartitionId;
      return;
    }
    let lastKey = -1;
    for (const saved of restored.partitions) {
      if (saved.key <= lastKey || saved.isRoot !== (saved.key === 0) || this.#partitions.has(saved.id))
        throw new RangeError(
          `HvModel: partition ${saved.key} (id 0x${saved.id.toString(16)}) is out of place`,
        );
      lastKey = saved.key;
      const p = Partition.restore(saved, ram, this.refs);
      this.#partitions.set(p.id, p);
      this.#byKey[p.key] = p;
      this.#held.push(p);
    }
    const root = this.#byKey[0];
    if (root === undefined) throw new RangeError('HvModel: a restored model needs its root partition');
    this.root = root;
    this.#nextChildId = restored.nextChildId;
  }

  /**
   * Every partition and the next child id, for snapshots.
   *
   * @example
   * model.save().partitions[0].isRoot; // true
   */
  save(): SavedHvModel {
    return { partitions: this.#held.map((p) => p.save()), nextChildId: this.#nextChildId };
  }

  /** A live partition by id (HV_PARTITION_ID_SELF is the root), or undefined (unknown or deleted). */
  resolve(id: bigint): Partition | undefined {
    const p = id === HV_PARTITION_ID_SELF ? this.root : this.#partitions.get(id);
    return p?.state === 'deleted' ? undefined : p;
  }

  /** A partition by its host-tag key (any state). */
  byKey(key: number): Partition | undefined {
    return this.#byKey[key];
  }

  /**
   * Every partition the model holds, root first, in key order: the live ones, and deleted ones only
   * while pages they leaked (deposited and never withdrawn, or SNP pages still exclusive to them) are
   * still theirs. A partition deleted clean is forgotten (`forgetIfClean`), so the model is bounded by
   * what is live, not by what a long run ever created.
   */
  all(): readonly Partition[] {
    return this.#held;
  }

  /**
   * True when `id` named a child partition that DELETE_PARTITION has deleted: one held in state
   * `deleted`, or a child id handed out before and no longer held (ids are never reused).
   */
  wasDeleted(id: bigint): boolean {
    const p = this.#partitions.get(id);
    if (p !== undefined) return p.state === 'deleted';
    return id >= this.knobs.firstChildPartitionId && id < this.#nextChildId;
  }

  /**
   * Drop a deleted partition that holds nothing: no pool page (nothing leaked) and no host page still
   * exclusive to it (SNP pages never given back). Its id stays `wasDeleted` and its key goes to the
   * next partition created; a page still tagged with the key would pass to that partition, so a
   * partition with exclusive pages is kept (and its key with it) until they are re-shared. Answers
   * whether it was dropped.
   *
   * @example
   * p.state = 'deleted';
   * model.forgetIfClean(p); // true when its pool is empty and no page is exclusive to it
   */
  forgetIfClean(p: Partition): boolean {
    if (p.state !== 'deleted' || p.pool.totalPages !== 0 || this.#partitions.get(p.id) !== p) return false;
    if (this.ram.anyExclusiveTo(p.key)) return false;
    this.#partitions.delete(p.id);
    this.#byKey[p.key] = undefined;
    this.#held = this.#held.filter((x) => x !== p);
    return true;
  }

  /** Create a child partition with the next id. */
  createPartition(flags: bigint, isolationType: number): Partition {
    const id = this.#nextChildId;
    this.#nextChildId += 1n;
    return this.#add(id, false, flags, isolationType);
  }

  /** Reference time of `p` in 100 ns ticks. */
  referenceTime(p: Partition): bigint {
    if (p.timeFrozen) return p.frozenReferenceTime;
    return this.clock.now() / NS_PER_REFERENCE_TICK + p.referenceOffset;
  }

  /**
   * FINALIZE_PARTITION: the hypervisor drops the partition's VPs and GPA mappings and everything they
   * held goes back to the pool (the driver withdraws it next). Ports the partition owns and
   * connections it holds are released too.
   */
  finalize(p: Partition): void {
    for (const vp of p.vps.values()) {
      for (const page of vp.statePages.values()) this.releaseSharedPage(p, page);
      for (const page of vp.statsPages.values()) this.releaseSharedPage(this.root, page);
    }
    p.vps.clear();
    p.pool.release(p.gpa.clearAll());
    for (const c of [...p.connections.values()]) this.disconnect(p, c.id);
    for (const port of [...p.ports.values()]) this.deletePort(p, port.id);
    p.pool.release(p.held.vps + p.held.partition);
    p.held.vps = 0;
    p.held.partition = 0;
    p.state = 'finalized';
  }

  /** Give back a state/stats page: a pool page goes back to `owner`'s pool; an overlay page to the root. */
  releaseSharedPage(owner: Partition, page: { readonly pfn: number; readonly overlay: boolean }): void {
    this.ram.sharedWithRoot.delete(page.pfn);
    if (!page.overlay) owner.pool.returnPage(page.pfn);
  }

  /** Remove connection `id` of connection partition `p` (and its link from the port). */
  disconnect(p: Partition, id: number): void {
    const c = p.connections.get(id);
    if (c === undefined) return;
    p.connections.delete(id);
    this.resolve(c.portPartition)?.ports.get(c.portId)?.connections.delete(id);
    p.pool.release(this.knobs.costs.connectionPages);
    p.held.connections -= this.knobs.costs.connectionPages;
  }

  /** Remove port `id` of port partition `p`, disconnecting what is still connected. */
  deletePort(p: Partition, id: number): void {
    const port = p.ports.get(id);
    if (port === undefined) return;
    const cp = this.resolve(port.connectionPartition);
    for (const cid of [...port.connections]) if (cp !== undefined) this.disconnect(cp, cid);
    p.ports.delete(id);
    p.pool.release(this.knobs.costs.portPages);
    p.held.ports -= this.knobs.costs.portPages;
  }

  #add(id: bigint, isRoot: boolean, flags: bigint, isolationType: number): Partition {
    // The lowest free key: keys stay as few as the partitions held.
    let key = 0;
    while (this.#byKey[key] !== undefined) key += 1;
    const p = new Partition(
      id,
      key,
      isRoot,
      flags,
      isolationType,
      new Pool(key, this.ram),
      new GpaMap(this.refs),
    );
    p.referenceOffset = -this.clock.now() / NS_PER_REFERENCE_TICK;
    this.#partitions.set(id, p);
    this.#byKey[key] = p;
    const at = this.#held.findIndex((x) => x.key > key);
    if (at < 0) this.#held.push(p);
    else this.#held.splice(at, 0, p);
    return p;
  }
}
