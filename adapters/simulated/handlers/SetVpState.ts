import { isPfnVpStateType } from '../../../src/hv/flags/HvVpState.js';
import { SetVpState, SetVpStateInput } from '../../../src/hv/hypercalls/SetVpState.js';
import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import { S, simpleHandler } from './Handler.js';
import { VP_STATE_STATUSES, listedStatePages, stateBlob, vpStateTarget } from './vpState.js';

/**
 * SET_VP_STATE: the PFN-based types read the state from the host pages listed in the variable header;
 * SYNTHETIC_TIMERS takes its 200 bytes from the variable header itself (at least 25 qwords). Same
 * checks and the same save-area cost as GET_VP_STATE.
 */
export const SetVpStateHandler = simpleHandler(SetVpState, VP_STATE_STATUSES, (ctx) => {
  const target = vpStateTarget(ctx, SetVpStateInput.decode(ctx.input));
  if (!target.ok) return target.status;
  const { p, vp, type, size } = target.value;
  const m = ctx.m;
  const qwords = ctx.control.varHeadQwords;
  const base = SetVpStateInput.size;
  if (!isPfnVpStateType(type)) {
    if (qwords * 8 < size) return S.INVALID_PARAMETER;
    const blob = stateBlob(m, p, vp, type);
    if (blob === undefined) return S.INSUFFICIENT_MEMORY;
    blob.set(new Uint8Array(ctx.input.buffer, ctx.input.byteOffset + base, size));
    return S.SUCCESS;
  }
  if (qwords * HV_PAGE_SIZE < size) return S.INVALID_PARAMETER;
  const pages = listedStatePages(ctx, base, qwords);
  if (typeof pages === 'number') return pages;
  const blob = stateBlob(m, p, vp, type);
  if (blob === undefined) return S.INSUFFICIENT_MEMORY;
  pages.forEach((pfn, i) => {
    const n = Math.min(HV_PAGE_SIZE, size - i * HV_PAGE_SIZE);
    if (n > 0) blob.set(m.ram.contents(pfn).bytes.subarray(0, n), i * HV_PAGE_SIZE);
  });
  return S.SUCCESS;
});
