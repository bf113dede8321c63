import { HV_VP_STATE_PAGE } from '../../hv/flags/HvVpState.js';
import { MSHV_VP_MMAP_OFFSET } from '../../hv/uapi/flags.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';

/** A live mmap of one VP page: it holds a reference to the VP's file, so to its partition. */
export interface VpMapping {
  readonly pt: KernelPartition;
  readonly vp: KernelVp;
  /** MSHV_VP_MMAP_OFFSET_*: which page (its state page type has the same number). */
  readonly pgoff: number;
}

/** Where the model's VP mappings start: a deterministic user address, a page per mapping, never reused. */
export const VP_MAPPING_BASE = 0x7ff0_0000_0000n;

export const MMAP = 'mmap';

/**
 * mshv_vp_mmap (inventory §c.7): page offset 0 is the register page, 1 the intercept-message page,
 * 2 the GHCB, each the VP state page of that type; a page the VP does not have (a GHCB outside an
 * SNP partition) is -ENODEV, any other offset -EINVAL. Returns the page's PFN.
 *
 * @example
 * vpMappedPfn(vp, MSHV_VP_MMAP_OFFSET.INTERCEPT_MESSAGE); // { ok: true, value: 0x1234n }
 */
export function vpMappedPfn(vp: KernelVp, pgoff: number): IoctlResult<bigint> {
  if (!Number.isSafeInteger(pgoff) || pgoff < 0 || pgoff >= MSHV_VP_MMAP_OFFSET.COUNT)
    return fail(
      MMAP,
      'EINVAL',
      `page offset ${pgoff}: a VP fd maps offsets 0 (registers), 1 (intercept message), 2 (GHCB)`,
    );
  const type = [HV_VP_STATE_PAGE.REGISTERS, HV_VP_STATE_PAGE.INTERCEPT_MESSAGE, HV_VP_STATE_PAGE.GHCB][pgoff];
  const pfn = type === undefined ? undefined : vp.statePages.get(type);
  if (pfn === undefined) return fail(MMAP, 'ENODEV', `VP ${vp.index} has no page at offset ${pgoff}`);
  return ok(pfn);
}
