import type { CheckWorld } from '../CheckWorld.js';
import type { Invariant } from './Invariant.js';

/** Every partition a path created is closed (or the VMM process died and the kernel closed its fds). */
function allReleased(world: CheckWorld): boolean {
  if (world.crashed) return true;
  if (world.createdKeys().length === 0) return false;
  // The plane forgets a partition closed in full; one a reference still holds stays, closed.
  return world.keys().every((k) => world.plane.partitionSnapshot(k)?.context.phase === 'closed');
}

/**
 * Conservation (SimulatedMachine.audit; inventory §c.12, §d release obligations). After every step
 * every host page has exactly one owner and every pool and mapping count agrees with the structures
 * that hold it. Once every partition is closed, or the VMM process died and the kernel closed its fds,
 * the hypervisor holds nothing for it: no child partition that is not deleted, no page still
 * deposited in a deleted partition, no page pinned or mapped into a guest, no port or connection
 * left on the root, no pool or hypervisor page attributed to a child, and the kernel holds as many
 * host pages as when the world was built (a withdrawn page the driver never freed); unless the hypervisor
 * refused a teardown call (FINALIZE_PARTITION, WITHDRAW_MEMORY, DELETE_PARTITION), which leaves it
 * holding what that call would have released. The world records those refusals on every run
 * (`CheckWorld.teardownRefused`), observed or not: a verdict must not depend on which steps of a
 * path were replayed unobserved.
 *
 * @example
 * conservation.afterStep?.(step, world); // 'after every partition was released: 208 pages still deposited in deleted partitions'
 */
export const conservation: Invariant = {
  name: 'conservation',
  summary:
    'every host page is accounted after every step; once all partitions are released the hypervisor holds nothing of them',
  afterStep(_step, world) {
    const m = world.sim.machine;
    const audit = m.audit();
    if (!audit.ok) return `audit: ${audit.violations.slice(0, 3).join('; ')}`;
    if (!allReleased(world)) return undefined;
    // A teardown call the hypervisor refused leaves what it would have released (as vpPagesReleased
    // takes a refused unmap): "holds nothing" is not judged after one.
    if (world.teardownRefused.size > 0) return undefined;
    const live = m.model.all().filter((p) => !p.isRoot && p.state !== 'deleted');
    if (live.length > 0)
      return `after every partition was released the hypervisor still holds partition ${live
        .map((p) => `0x${p.id.toString(16)} (${p.state})`)
        .join(', ')}`;
    if (audit.leakedPages > 0)
      return `after every partition was released: ${audit.leakedPages} pages still deposited in deleted partitions`;
    if (audit.mappedPages > 0)
      return `after every partition was released: ${audit.mappedPages} pages still mapped into a guest`;
    const root = m.model.root;
    if (root.ports.size + root.connections.size > 0)
      return `after every partition was released the root still has ${root.ports.size} ports and ${root.connections.size} connections`;
    // Pages the driver took from the kernel for a partition (withdrawn pages, VP and region
    // structures) go back to it: the kernel holds what it held before the first partition.
    const kernel = m.ownership().kernel - world.kernelPagesAtStart;
    if (kernel !== 0)
      return `after every partition was released the kernel holds ${Math.abs(kernel)} pages ${kernel > 0 ? 'more' : 'fewer'} than before the first (the driver ${kernel > 0 ? 'never freed them' : 'freed pages it did not hold'})`;
    for (const e of m.hostExtents()) {
      if (e.pins > 0)
        return `after every partition was released host pages 0x${e.start.toString(16)}+${e.end - e.start} are still pinned`;
      if ((e.kind === 'pool' || e.kind === 'hv') && e.partition !== root.key)
        return `after every partition was released host pages 0x${e.start.toString(16)}+${e.end - e.start} are still ${e.kind} pages of a child partition`;
    }
    return undefined;
  },
};
