import { PORT_ID_MAX, PORT_ID_MIN } from '../../hv/hypercalls/CreatePort.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelPartition } from './KernelPartition.js';

/** The allocator as a snapshot keeps it, with every released owner's id already freed. */
export interface SavedPortIds {
  readonly next: number;
  /** Freed ids below `next`, ascending. */
  readonly freed: readonly number[];
  /** Ids in use and their entries (owner still open), in allocation order. */
  readonly owners: readonly (readonly [number, PortTableEntry])[];
}

/**
 * What the port table keeps per id (struct port_table_info): the HV_PORT_TYPE_* of the port and, for
 * a doorbell, whose callback data it is: the partition whose ioeventfd list the doorbell callback
 * searches for the id (ioeventfd_mmio_write's `data`).
 */
export interface PortTableEntry {
  readonly owner: KernelPartition;
  readonly portType: number;
}

/**
 * The driver's port-id IDR (mshv_portid_table.c): one table for the whole driver, ids handed out by
 * `idr_alloc(…, 1, INT_MAX)`, i.e. the lowest free id in [1, INT_MAX), each with its
 * port_table_info. Deterministic: the same sequence of allocations and frees gives the same ids.
 *
 * Ids are freed explicitly on deassign and on a failed registration. The partition-fd release in
 * teardown.ts tears doorbells down without calling back here, so an id whose owner's fd has been
 * released is reclaimed at the next allocation, before the lowest free id is chosen: the ids handed
 * out are the same as if it had been freed at release time.
 *
 * @example
 * const ids = new PortIdAllocator();
 * ids.alloc(pt, HV_PORT_TYPE.DOORBELL); // 1
 * ids.alloc(pt, HV_PORT_TYPE.DOORBELL); // 2
 * ids.free(1);
 * ids.alloc(pt, HV_PORT_TYPE.DOORBELL); // 1
 */
export class PortIdAllocator {
  readonly #owners = new Map<number, PortTableEntry>();
  /** Freed ids below #next, ascending. */
  #freed: number[] = [];
  #next = PORT_ID_MIN;

  /**
   * mshv_portid_alloc: the lowest free id, recorded with `owner` and `portType`; undefined when
   * [1, INT_MAX) is exhausted.
   */
  alloc(owner: KernelPartition, portType: number): number | undefined {
    this.#reclaimReleased();
    let id = this.#freed.shift();
    if (id === undefined) {
      if (this.#next >= PORT_ID_MAX) return undefined;
      id = this.#next;
      this.#next += 1;
    }
    this.#owners.set(id, { owner, portType });
    return id;
  }

  /**
   * mshv_portid_lookup (the doorbell ISR's look-up): the entry of `id`, or undefined when the id is
   * not allocated or its owner's fd has been released (its doorbells are gone).
   */
  lookup(id: number): PortTableEntry | undefined {
    const e = this.#owners.get(id);
    return e === undefined || e.owner.fdReleased ? undefined : e;
  }

  /** mshv_portid_free. Freeing an id that is not allocated is a broken invariant. */
  free(id: number): void {
    if (!this.#owners.delete(id)) throw new Error(`port id ${id} is not allocated`);
    const at = this.#freed.findIndex((f) => f > id);
    this.#freed.splice(at === -1 ? this.#freed.length : at, 0, id);
  }

  /**
   * The allocator's state as the next allocation will see it: ids whose owner's fd has been
   * released count as freed (exactly what the next `alloc` reclaims first), so a restored allocator
   * hands out the same ids. Nothing is changed.
   *
   * @example
   * ids.save().next; // the next never-used id
   */
  save(): SavedPortIds {
    const freed = [...this.#freed];
    const owners: [number, PortTableEntry][] = [];
    for (const [id, entry] of this.#owners) {
      if (!entry.owner.fdReleased) {
        owners.push([id, entry]);
        continue;
      }
      const at = freed.findIndex((f) => f > id);
      freed.splice(at === -1 ? freed.length : at, 0, id);
    }
    return { next: this.#next, freed, owners };
  }

  /**
   * An allocator in a recorded state.
   *
   * @example
   * const copy = PortIdAllocator.restore(ids.save());
   */
  static restore(s: SavedPortIds): PortIdAllocator {
    const ids = new PortIdAllocator();
    ids.#next = s.next;
    ids.#freed = [...s.freed];
    for (const [id, owner] of s.owners) ids.#owners.set(id, owner);
    return ids;
  }

  /** Ids in use, ascending (for checkers). */
  inUse(): number[] {
    this.#reclaimReleased();
    return [...this.#owners.keys()].sort((a, b) => a - b);
  }

  #reclaimReleased(): void {
    for (const [id, e] of [...this.#owners]) if (e.owner.fdReleased) this.free(id);
  }
}

const allocators = new WeakMap<DriverEnv, PortIdAllocator>();

/**
 * Give a fresh driver instance a restored port-id table (before its first use).
 *
 * @example
 * installPortIds(env, PortIdAllocator.restore(saved));
 */
export function installPortIds(env: DriverEnv, ids: PortIdAllocator): void {
  if (allocators.has(env)) throw new Error('installPortIds: this driver already has a port-id table');
  allocators.set(env, ids);
}

/**
 * The port-id table of one driver instance (one DriverEnv), created on first use.
 *
 * @example
 * const id = portIdsOf(env).alloc(pt, HV_PORT_TYPE.DOORBELL);
 */
export function portIdsOf(env: DriverEnv): PortIdAllocator {
  let ids = allocators.get(env);
  if (ids === undefined) {
    ids = new PortIdAllocator();
    allocators.set(env, ids);
  }
  return ids;
}
