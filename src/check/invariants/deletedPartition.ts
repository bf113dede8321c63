import type { HypercallDef } from '../../hv/Hypercall.js';
import { HV_PARTITION_ID_SELF } from '../../hv/ids.js';
import type { Invariant } from './Invariant.js';

const offsets = new WeakMap<HypercallDef, readonly number[]>();

/** Offsets of the u64 fields of a call's input that name a partition (`…PartitionId`). */
function partitionFields(def: HypercallDef): readonly number[] {
  let o = offsets.get(def);
  if (o === undefined) {
    o = (def.input?.fields ?? [])
      .filter((f) => f.kind === 'u64' && /(^p|P)artitionId$/.test(f.name))
      .map((f) => f.offset);
    offsets.set(def, o);
  }
  return o;
}

/**
 * No hypercall names a deleted partition (inventory §c.12: after DELETE_PARTITION the id is gone;
 * a driver that keeps using it, from a stale region, port or VP, reaches another partition once the
 * id is reused). Every `…PartitionId` field of the input is checked against the hypervisor's
 * partitions before the call runs.
 *
 * @example
 * deletedPartition.beforeCall?.(call, world); // 'UNMAP_GPA_PAGES names partition 0x2a, which was deleted'
 */
export const deletedPartition: Invariant = {
  name: 'deletedPartition',
  summary: 'no hypercall names a partition the hypervisor has deleted',
  beforeCall(call, world) {
    if (call.def === undefined || call.input === null) return null;
    const fields = partitionFields(call.def);
    if (fields.length === 0) return null;
    for (const at of fields) {
      if (at + 8 > call.input.byteLength) continue;
      const id = call.input.getBigUint64(at, true);
      if (id === HV_PARTITION_ID_SELF) continue;
      if (world.hvDeleted(id)) return `${call.name} names partition 0x${id.toString(16)}, which was deleted`;
    }
    return undefined;
  },
};
