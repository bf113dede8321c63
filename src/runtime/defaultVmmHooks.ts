import type { VmmHooks } from './VmmHooks.js';

/**
 * The VMM as it should be: a VP's register page mapping is unmapped before its fd is closed (the
 * order a VMM's VP object drops them in), so nothing the VMM holds outlives the partition.
 *
 * @example
 * defaultVmmHooks.releaseVp(device, vpSlot); // munmap(register page), close(vp fd)
 */
export const defaultVmmHooks: VmmHooks = {
  releaseVp(device, vp) {
    if (vp.registerPage !== null) device.munmap(vp.registerPage);
    device.close(vp.fd);
  },
};
