import { isPfnVpStateType } from '../../../src/hv/flags/HvVpState.js';
import { GetVpState, GetVpStateInput } from '../../../src/hv/hypercalls/GetVpState.js';
import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import { S, simpleHandler } from './Handler.js';
import { VP_STATE_STATUSES, listedStatePages, stateBlob, vpStateTarget } from './vpState.js';

/**
 * GET_VP_STATE: LAPIC, XSAVE, SIM and SIEF pages are written into the host pages whose PFNs follow the
 * header as the variable header (too few pages for the state, or a page number at or beyond 2^40:
 * INVALID_PARAMETER; a page the root does not own, or one the hypervisor shares with it: ACCESS_DENIED). SYNTHETIC_TIMERS (200 bytes) go to the output page and take no PFNs. The
 * first GET or SET of a type takes the VP's save area for it from the pool (STATE_AREA_PAGES):
 * INSUFFICIENT_MEMORY when the pool cannot cover it (the driver deposits 1 page and retries).
 */
export const GetVpStateHandler = simpleHandler(GetVpState, VP_STATE_STATUSES, (ctx) => {
  const target = vpStateTarget(ctx, GetVpStateInput.decode(ctx.input));
  if (!target.ok) return target.status;
  const { p, vp, type, size } = target.value;
  const m = ctx.m;
  const pfns = ctx.control.varHeadQwords;
  if (!isPfnVpStateType(type)) {
    if (pfns !== 0) return S.INVALID_PARAMETER;
    if (ctx.output === null) return S.INVALID_HYPERCALL_INPUT;
    const blob = stateBlob(m, p, vp, type);
    if (blob === undefined) return S.INSUFFICIENT_MEMORY;
    ctx.output.bytes.set(blob, 0);
    return S.SUCCESS;
  }
  if (pfns * HV_PAGE_SIZE < size) return S.INVALID_PARAMETER;
  const pages = listedStatePages(ctx, GetVpStateInput.size, pfns);
  if (typeof pages === 'number') return pages;
  const blob = stateBlob(m, p, vp, type);
  if (blob === undefined) return S.INSUFFICIENT_MEMORY;
  pages.forEach((pfn, i) => {
    const chunk = blob.subarray(i * HV_PAGE_SIZE, Math.min(size, (i + 1) * HV_PAGE_SIZE));
    const page = m.ram.contents(pfn);
    page.zero();
    page.bytes.set(chunk, 0);
  });
  return S.SUCCESS;
});
