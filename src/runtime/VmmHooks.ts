import type { DevicePort } from '../ports/DevicePort.js';
import type { VpSlot } from './Slots.js';

/**
 * The places where userspace VMMs have gone wrong, as extension points of the control plane. The
 * shipped defaults (`defaultVmmHooks`) follow vmm-lifecycle-rules; the model checker's self-test
 * plants a broken VMM by replacing one, so the shipped code carries no switch.
 */
export interface VmmHooks {
  /**
   * Let go of one VP when its partition is closed: unmap what the VMM mapped of it, then close its
   * fd. Teardown must release every per-VP mapping (rust-vmm/mshv issue 194, fixed by PR 251).
   */
  releaseVp(device: DevicePort, vp: VpSlot): void;
}
