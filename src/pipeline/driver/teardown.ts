import { DeletePort } from '../../hv/hypercalls/DeletePort.js';
import { DISCONNECT_IS_DOORBELL, DisconnectPort } from '../../hv/hypercalls/DisconnectPort.js';
import { FinalizePartition } from '../../hv/hypercalls/FinalizePartition.js';
import { HV_REGISTER } from '../../hv/flags/HvRegisterName.js';
import { deletePartition } from './createPartition.js';
import type { DriverEnv } from './DriverEnv.js';
import type { KernelIoeventfd, KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import { destroyRegion } from './setGuestMemory.js';
import { getVpRegisters, setVpRegisters } from './vpRegisters.js';
import { withdrawAll } from './withdrawAll.js';

export const RELEASE = 'MSHV_RELEASE';

/**
 * One step of destroy_partition as it ran, named like the partition machine's closing operations
 * (machines/partition/PartitionOp.ts) so a runtime can check the machine's prediction of §c.12's
 * order against what the driver did.
 */
export type TeardownStep =
  | { readonly op: 'SUSPEND_VP' | 'RELEASE_VP'; readonly vp: number }
  | { readonly op: 'RELEASE_REGION'; readonly guestPfn: number }
  | { readonly op: 'FINALIZE_PARTITION' | 'UNLIST_PARTITION' | 'WITHDRAW_MEMORY' | 'DELETE_PARTITION' };

/** What a teardown did, step by step, for the summary and the tests of §c.12's order. */
export interface TeardownReport {
  readonly steps: readonly string[];
  /** Every step in the order it ran, one per VP and region. */
  readonly ops: readonly TeardownStep[];
  readonly withdrawnPages: number;
}

/**
 * Release of the partition fd (inventory §c.12, first paragraph): tear down ioeventfds (doorbells)
 * and irqfds. The partition itself is destroyed at the last reference.
 *
 * @example
 * releasePartitionFd(env, pt); pt.fdReleased; // true, and pt.ioeventfds and pt.irqfds are empty
 */
export function releasePartitionFd(env: DriverEnv, pt: KernelPartition): void {
  for (const io of [...pt.ioeventfds]) releaseDoorbell(env, pt, io, RELEASE);
  pt.ioeventfds.length = 0;
  pt.irqfds.length = 0;
  pt.fdReleased = true;
}

/**
 * Doorbell release: DISCONNECT_PORT(guest, id, is_doorbell) → DELETE_PORT(root, id) (inventory §c.11).
 *
 * @example
 * releaseDoorbell(env, pt, io, 'MSHV_IOEVENTFD'); // DISCONNECT_PORT, then DELETE_PORT
 */
export function releaseDoorbell(env: DriverEnv, pt: KernelPartition, io: KernelIoeventfd, op: string): void {
  env.exec(
    plan(
      DisconnectPort,
      { connectionPartitionId: pt.id, connectionId: io.portId, isDoorbell: DISCONNECT_IS_DOORBELL },
      op,
    ),
  );
  env.exec(plan(DeletePort, { portPartitionId: env.rootPartition, portId: io.portId }, op));
}

/**
 * destroy_partition (inventory §c.12, NEW order): (root scheduler) suspend every VP and read its
 * signal count; release each VP's mappings; FINALIZE_PARTITION; remove the partition from the table
 * the ISR looks partitions up in (`unlist`: until then the drain's messages still find it, as the
 * kernel's comment requires); unmap and unpin every region; WITHDRAW_MEMORY(all); DELETE_PARTITION;
 * free the routing table.
 *
 * @example
 * destroyPartition(env, pt, () => byId.delete(pt.id)).steps; // ['suspend-vps', 'release-vps', 'finalize', 'regions', 'withdraw', 'delete']
 */
export function destroyPartition(
  env: DriverEnv,
  pt: KernelPartition,
  unlist: () => void = () => undefined,
): TeardownReport {
  const steps: string[] = [];
  const ops: TeardownStep[] = [];
  const vps = [...pt.vps.values()].sort((a, b) => a.index - b.index);
  if (pt.initialized && env.scheduler === 'root' && vps.length > 0) {
    steps.push('suspend-vps');
    for (const vp of vps) {
      ops.push({ op: 'SUSPEND_VP', vp: vp.index });
      setVpRegisters(env, pt.id, vp.index, [{ name: HV_REGISTER.DISPATCH_SUSPEND, value: 1n }], RELEASE);
      // The kernel waits until its signal count equals the hypervisor's; the model reads it once.
      getVpRegisters(env, pt.id, vp.index, [HV_REGISTER.VP_ROOT_SIGNAL_COUNT], RELEASE);
    }
  }
  if (vps.length > 0) {
    steps.push('release-vps');
    for (const vp of vps) {
      ops.push({ op: 'RELEASE_VP', vp: vp.index });
      env.hooks.releaseVp(env, pt, vp);
    }
  }
  // Only an initialized partition is finalized: destroy_partition's pt_initialized block (§c.12).
  if (pt.initialized) {
    steps.push('finalize');
    ops.push({ op: 'FINALIZE_PARTITION' });
    env.exec(plan(FinalizePartition, { partitionId: pt.id }, RELEASE));
  }
  // Step 4, the hash-table removal, issues no hypercall: from here on the ISR does not find it.
  ops.push({ op: 'UNLIST_PARTITION' });
  unlist();
  if (pt.regions.length > 0) {
    steps.push('regions');
    for (const region of pt.regions) {
      ops.push({ op: 'RELEASE_REGION', guestPfn: region.guestPfn });
      destroyRegion(env, pt, region, RELEASE);
    }
    pt.regions.length = 0;
  }
  steps.push('withdraw');
  ops.push({ op: 'WITHDRAW_MEMORY' });
  const withdrawn = withdrawAll(env, pt.id, RELEASE);
  steps.push('delete');
  ops.push({ op: 'DELETE_PARTITION' });
  deletePartition(env, pt.id, RELEASE);
  pt.vps.clear();
  pt.msiRouting = null;
  return { steps, ops, withdrawnPages: withdrawn.pages };
}
