import { FinalizePartition } from '../../hv/hypercalls/FinalizePartition.js';
import { UnmapStatsPage } from '../../hv/hypercalls/UnmapStatsPage.js';
import { UnmapVpStatePage } from '../../hv/hypercalls/UnmapVpStatePage.js';
import type { Invariant } from './Invariant.js';

const STATE_PAGE = ['REGISTERS', 'INTERCEPT_MESSAGE', 'GHCB'];

/**
 * Teardown releases every per-VP mapping before FINALIZE_PARTITION (inventory §c.12 step 2;
 * vmm-lifecycle-rules "resource-leak history": VP register pages never unmapped failed hosts after
 * ~2,040 VMs, rust-vmm/mshv issue 194). When the driver finalizes a partition, each VP state page
 * and stats page the hypervisor still maps must have had its unmap issued in the same step (an
 * unmap the hypervisor refused is the hypervisor's answer, not a leak).
 *
 * @example
 * vpPagesReleased.beforeCall?.(call, world); // 'FINALIZE_PARTITION of 0x2a: VP 0 still maps its REGISTERS page ...'
 */
export const vpPagesReleased: Invariant = {
  name: 'vpPagesReleased',
  summary:
    'every VP state and stats page is unmapped before FINALIZE_PARTITION (no per-VP mapping leaks at teardown)',
  afterCall(call, _status, world) {
    if (call.input === null || (call.def !== UnmapVpStatePage && call.def !== UnmapStatsPage)) return null;
    const v = call.def.input?.decode(call.input, 0) ?? {};
    const id = v.partitionId ?? v.identityPartitionId;
    const vp = v.vpIndex ?? v.identityVpIndex;
    const which =
      call.def === UnmapVpStatePage ? `state${String(v.type)}` : `stats${String(v.identityStatsAreaType)}`;
    world.scratch.unmapped.add(`${String(id)}/${String(vp)}/${which}`);
    return null;
  },
  beforeCall(call, world) {
    if (call.def !== FinalizePartition || call.input === null) return null;
    const id = call.input.getBigUint64(0, true);
    const p = world.hvPartition(id);
    if (p === undefined) return null;
    for (const vp of p.vps.values()) {
      for (const type of vp.statePages.keys())
        if (!world.scratch.unmapped.has(`${id}/${vp.index}/state${type}`))
          return `FINALIZE_PARTITION of 0x${id.toString(16)}: VP ${vp.index} still maps its ${STATE_PAGE[type] ?? type} state page and teardown never unmapped it (leaked)`;
      for (const area of vp.statsPages.keys())
        if (!world.scratch.unmapped.has(`${id}/${vp.index}/stats${area}`))
          return `FINALIZE_PARTITION of 0x${id.toString(16)}: VP ${vp.index} still maps its stats page (area ${area}) and teardown never unmapped it (leaked)`;
    }
    return undefined;
  },
};
