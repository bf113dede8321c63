import type { KernelVp } from './KernelPartition.js';

/**
 * A fresh KernelVp record for VP `index` behind fd `fd`.
 *
 * @example
 * newKernelVp(0, 12).statePages.size; // 0: nothing mapped yet
 */
export function newKernelVp(index: number, fd: number): KernelVp {
  return {
    index,
    fd,
    statePages: new Map(),
    statsPages: new Map(),
    interceptSuspend: false,
    rootSchedBlocked: false,
    rootSchedDispatched: false,
    kickedByHv: false,
    signaledCount: 0,
  };
}
