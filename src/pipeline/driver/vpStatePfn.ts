import { HV_PAGE_SIZE } from '../../hv/Page.js';
import type { VpStateArgs, VpStateResult } from '../../ports/DevicePort.js';
import { PfnRunList } from '../PfnRuns.js';
import type { DriverEnv } from './DriverEnv.js';
import { type VpStateData, hvCallGetVpState, hvCallSetVpState } from './hvCallVpState.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

/**
 * mshv_vp_ioctl_get_set_state_pfn (inventory §c.7): pin the caller's buffer (page_count = buf_sz /
 * 4096) and pass its PFNs to GET/SET_VP_STATE, then unpin on every path.
 *
 * The model has no user address space for this buffer (VpStateArgs carries bytes, not buf_ptr), so
 * the pinned pages are `env.kernel.allocPages(page_count)`: host pages the root owns, as pinned user
 * pages are. SET writes the caller's bytes into them first (zero-filled to buf_sz); GET zero-fills
 * them (a fresh user buffer), lets the hypervisor write, and reads the first `required` bytes back
 * through `env.shared.readPage`. They go back with `freePages` whatever happens. Allocation failure
 * stands for the kernel's kcalloc / pin failure (-ENOMEM). The 507-page bound is checked after
 * pinning, in the hypercall wrapper, as the kernel does; the address-wrap check (-EOVERFLOW) has no
 * counterpart without buf_ptr.
 *
 * @example
 * vpStatePfn(env, pt, vp, lapicData, { type: 0, bufSz: 4096 }, 4096, false, 'MSHV_GET_VP_STATE');
 */
export function vpStatePfn(
  env: DriverEnv,
  pt: KernelPartition,
  vp: KernelVp,
  data: VpStateData,
  arg: VpStateArgs,
  required: number,
  set: boolean,
  op: string,
): IoctlResult<VpStateResult> {
  const count = arg.bufSz / HV_PAGE_SIZE;
  const runs = env.kernel.allocPages(count);
  if (runs === null) return fail(op, 'ENOMEM', `pinning the ${count}-page state buffer failed`);
  try {
    const list = new PfnRunList(runs);
    const user = set ? (arg.data ?? new Uint8Array(0)) : new Uint8Array(0);
    for (let i = 0; i < count; i++) {
      const page = new Uint8Array(HV_PAGE_SIZE);
      page.set(user.subarray(i * HV_PAGE_SIZE, (i + 1) * HV_PAGE_SIZE));
      env.shared.writePage(BigInt(list.at(i)), page);
    }
    if (set) {
      const r = hvCallSetVpState(env, pt, vp.index, data, { list, count }, op);
      return r.ok ? ok({ bufSz: required, data: new Uint8Array(0) }) : r;
    }
    const r = hvCallGetVpState(env, pt, vp.index, data, { list, count }, op);
    if (!r.ok) return r;
    const out = new Uint8Array(required);
    for (let i = 0; i * HV_PAGE_SIZE < required; i++) {
      const bytes = env.shared.readPage(BigInt(list.at(i)));
      out.set(bytes.subarray(0, Math.min(HV_PAGE_SIZE, required - i * HV_PAGE_SIZE)), i * HV_PAGE_SIZE);
    }
    return ok({ bufSz: required, data: out });
  } finally {
    env.kernel.freePages(runs);
  }
}
