import { HV_GET_SET_VP_STATE } from '../../../src/hv/flags/HvVpState.js';
import { HV_PAGE_SIZE } from '../../../src/hv/Page.js';
import { PFN_LIMIT } from '../host/HostRam.js';
import type { HvModel } from '../model/HvModel.js';
import type { Partition } from '../model/Partition.js';
import type { Vp } from '../model/Vp.js';
import { type CallContext, type Lookup, S, listU64, vpOf, vtlOk } from './Handler.js';

/** SYNTHETIC_TIMERS state size: hv_synthetic_timers_state, 4 × 40 + 5 × 8 bytes. */
export const SYNTHETIC_TIMERS_BYTES = 200;

/**
 * Bytes of a GET/SET_VP_STATE type, or undefined for a type the model does not know.
 *
 * @example
 * stateBytes(m, HV_GET_SET_VP_STATE.LAPIC_STATE); // 4096
 */
export function stateBytes(m: HvModel, type: number): number | undefined {
  switch (type) {
    case HV_GET_SET_VP_STATE.LAPIC_STATE:
    case HV_GET_SET_VP_STATE.SIM_PAGE:
    case HV_GET_SET_VP_STATE.SIEF_PAGE:
      return HV_PAGE_SIZE;
    case HV_GET_SET_VP_STATE.XSAVE:
      return m.knobs.maxXsaveDataSize;
    case HV_GET_SET_VP_STATE.SYNTHETIC_TIMERS:
      return SYNTHETIC_TIMERS_BYTES;
  }
  return undefined;
}

/**
 * Pool pages the hypervisor takes for a VP's save area of one state type, on the first GET or SET of
 * that type (the cost model; the driver deposits 1 page and retries on INSUFFICIENT_MEMORY, inventory
 * §b.3). They belong to the VP and return with it.
 */
export const STATE_AREA_PAGES = 1;

/**
 * The VP's state blob of `type`, created on first use from the partition's pool (undefined when the
 * pool cannot cover STATE_AREA_PAGES: INSUFFICIENT_MEMORY): zeros, except the LAPIC page, which
 * carries the APIC id (VP index, register 0x20 bits 24–31) and the version register (0x30) of an
 * x2APIC-capable local APIC.
 *
 * @example
 * const blob = stateBlob(m, p, vp, HV_GET_SET_VP_STATE.LAPIC_STATE); // undefined: INSUFFICIENT_MEMORY
 */
export function stateBlob(m: HvModel, p: Partition, vp: Vp, type: number): Uint8Array | undefined {
  let blob = vp.stateBlobs.get(type);
  if (blob === undefined) {
    if (!p.pool.consume(STATE_AREA_PAGES)) return undefined;
    p.held.vps += STATE_AREA_PAGES;
    vp.stateAreaPages += STATE_AREA_PAGES;
    blob = new Uint8Array(stateBytes(m, type) ?? 0);
    if (type === HV_GET_SET_VP_STATE.LAPIC_STATE) {
      const v = new DataView(blob.buffer);
      v.setUint32(0x20, (vp.index & 0xff) << 24, true);
      v.setUint32(0x30, 0x0005_0014, true);
    }
    vp.stateBlobs.set(type, blob);
  }
  return blob;
}

/** What GET_VP_STATE and SET_VP_STATE answer besides SUCCESS. */
export const VP_STATE_STATUSES = [
  S.INVALID_PARTITION_ID,
  S.INVALID_PARTITION_STATE,
  S.INVALID_VP_INDEX,
  S.INVALID_PARAMETER,
  S.ACCESS_DENIED,
  S.INSUFFICIENT_MEMORY,
] as const;

/**
 * The host pages a GET/SET_VP_STATE lists after its header (`count` PFNs from byte `base` of the
 * input page), or the status of the first one the root may not hand over: INVALID_PARAMETER at or
 * beyond 2^40 (PFN_LIMIT); ACCESS_DENIED when not kernel or user memory of the root's own (exclusive
 * to a guest), or a page the hypervisor shares with the root (a state or stats page).
 *
 * @example
 * listedStatePages(ctx, SetVpStateInput.size, 1); // [pfn] for a root kernel page; S.INVALID_PARAMETER at 2^40
 */
export function listedStatePages(ctx: CallContext, base: number, count: number): number[] | number {
  const pages: number[] = [];
  const ram = ctx.m.ram;
  for (let i = 0; i < count; i++) {
    const pfn = listU64(ctx, base, i);
    if (pfn >= PFN_LIMIT) return S.INVALID_PARAMETER;
    if (
      !ram.all(pfn, 1, (o) => (o.kind === 'kernel' || o.kind === 'user') && o.exclusive < 0) ||
      ram.sharedWithRoot.has(pfn)
    )
      return S.ACCESS_DENIED;
    pages.push(pfn);
  }
  return pages;
}

/** The fields of a GET/SET_VP_STATE header that name the state. */
export interface VpStateHeader {
  readonly partitionId: bigint;
  readonly vpIndex: number;
  readonly inputVtl: number;
  readonly stateDataType: number;
}

/** The VP and the state a GET/SET_VP_STATE names, with the state's size in bytes. */
export interface VpStateTarget {
  readonly p: Partition;
  readonly vp: Vp;
  readonly type: number;
  readonly size: number;
}

/**
 * What GET_VP_STATE and SET_VP_STATE check first, in this order: the VTL (INVALID_PARAMETER), the
 * partition and the VP (`vpOf`), and the state type (INVALID_PARAMETER for one the model does not
 * know).
 *
 * @example
 * const header = { partitionId, vpIndex: 0, inputVtl: 0, stateDataType: HV_GET_SET_VP_STATE.LAPIC_STATE };
 * vpStateTarget(ctx, header);
 * // { ok: true, value: { p, vp, type: HV_GET_SET_VP_STATE.LAPIC_STATE, size: 4096 } }
 */
export function vpStateTarget(ctx: CallContext, v: VpStateHeader): Lookup<VpStateTarget> {
  if (!vtlOk(v.inputVtl)) return { ok: false, status: S.INVALID_PARAMETER };
  const found = vpOf(ctx, v.partitionId, v.vpIndex);
  if (!found.ok) return found;
  const type = v.stateDataType;
  const size = stateBytes(ctx.m, type);
  if (size === undefined) return { ok: false, status: S.INVALID_PARAMETER };
  return { ok: true, value: { ...found.value, type, size } };
}
