import { HV_MAP_GPA } from '../../hv/flags/HvMapGpaFlag.js';
import { HVMSG } from '../../hv/flags/HvMessageType.js';
import { MSHV_MAP_FAULT_IN_PAGES } from '../../hv/KernelConstants.js';
import { HV_PAGE_SIZE, PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import { PfnRunList, ZeroPfns } from '../PfnRuns.js';
import type { BatchResult } from '../runBatches.js';
import type { DriverEnv } from './DriverEnv.js';
import type { UserRange } from './HostMemory.js';
import { mapGpaPages } from './gpaMapping.js';
import type { FaultedChunk, KernelPartition, KernelRegion } from './KernelPartition.js';
import { SET_GUEST_MEMORY } from './mapRegion.js';
import { type Chunk, planChunks } from './planChunks.js';
import { RUN_VP } from './waitForKick.js';

/**
 * Most times one fault-in is taken before the model declares a livelock: each retry follows an
 * invalidation that raced the one before, and the model's host starts at most one per armed race.
 */
export const FAULT_IN_TRIES_MAX = 16;

/** hv_message: 16-byte header; in the memory intercept payload, the access type @5 and the GPA @56. */
const PAYLOAD = 16;
/** enum hv_intercept_access_type (hvgdk_mini.h). */
const ACCESS_WRITE = 1;
const ACCESS_EXECUTE = 2;

/**
 * A movable RAM region as MSHV_SET_GUEST_MEMORY makes it (NEW, inventory §c.4): nothing is pinned;
 * the whole range is mapped HV_MAP_GPA_NO_ACCESS with all-zero PFNs, so the guest's first access to
 * a page is a GPA intercept that MSHV_RUN_VP handles (`handleGpaIntercept`). A map that fails
 * part-way is unwound through the `unwindPartialMap` hook, as a pinned region's is (the reference
 * does not say what NEW does; this keeps "a failed map leaves no stray mapping").
 *
 * @example
 * const r = mapMovableRegion(env, pt, region); // undefined once the no-access map is in place
 */
export function mapMovableRegion(
  env: DriverEnv,
  pt: KernelPartition,
  region: KernelRegion,
): BatchResult | 'EINVAL' | undefined {
  const r = mapGpaPages(
    env,
    pt.id,
    region.guestPfn,
    region.pages,
    HV_MAP_GPA.NO_ACCESS,
    false,
    ZeroPfns,
    SET_GUEST_MEMORY,
  );
  if (r === 'EINVAL' || r.ok) return r === 'EINVAL' ? r : undefined;
  const whole: Chunk = { pageOffset: 0, pages: region.pages, large: false };
  env.hooks.unwindPartialMap(env, pt, region, [], whole, r.done);
  return r;
}

/**
 * mshv_handle_gpa_intercept (NEW): whether MSHV_RUN_VP handled the VP's message in the kernel, so
 * the VP runs again instead of the message going to the VMM. Only an HVMSG_GPA_INTERCEPT at a GFN of
 * a movable region qualifies, and only for an access the region permits: a write to a region without
 * WRITABLE, or an execute without EXECUTABLE, goes to the VMM (the March 2026 fix; before it the
 * kernel remapped such a chunk with the same flags and the VP faulted again forever). Then
 * mshv_region_handle_gfn_fault: the faulting offset aligned down to MSHV_MAP_FAULT_IN_PAGES (512),
 * up to 512 pages (fewer at the region's end) faulted in and mapped with the region's flags, 2 MiB
 * pages where the backing allows (`planChunks`). A chunk that cannot be faulted in (its range leaves
 * the RAM VMAs) or mapped returns false, as the kernel's WARN_ONCE path does: the message goes to the
 * VMM. The pages are not pinned (hmm_range_fault takes no reference): the mm may migrate them once
 * the region's MMU notifier ran (`invalidateMovableRange`), even while the fault-in runs: so the
 * fault is taken between mmu_interval_read_begin and, under the region's mutex,
 * mmu_interval_read_retry (the `faultInRetry` hook), and taken again when an invalidation started
 * in between (mshv_region_hmm_fault_and_lock's -EBUSY loop), at most FAULT_IN_TRIES_MAX times in the
 * model (the kernel loops for as long as it races; more is a broken invariant and throws).
 *
 * @example
 * if (handleGpaIntercept(env, pt, message)) runAgain();
 */
export function handleGpaIntercept(env: DriverEnv, pt: KernelPartition, message: Uint8Array): boolean {
  const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (v.getUint32(0, true) !== HVMSG.GPA_INTERCEPT) return false;
  const gfn = Number(v.getBigUint64(PAYLOAD + 56, true) / BigInt(HV_PAGE_SIZE));
  const region = env.hooks.gpaFaultRegion(pt, gfn, v.getUint8(PAYLOAD + 5));
  if (region?.faulted === undefined) return false;
  const pageOffset = alignDown(gfn - region.guestPfn, MSHV_MAP_FAULT_IN_PAGES);
  const pages = Math.min(region.pages - pageOffset, MSHV_MAP_FAULT_IN_PAGES);
  const userAddr = region.userAddr + BigInt(pageOffset * HV_PAGE_SIZE);
  const range = faultInRange(env, region, userAddr, pages);
  if (range.kind !== 'ram') return false;
  // The chunk's pages replace whatever of it was present (pieces an invalidation left, or the whole
  // chunk faulted in again by the kernel before the access check).
  for (const f of [...region.faulted.values()])
    if (f.pageOffset >= pageOffset && f.pageOffset < pageOffset + pages) region.faulted.delete(f.pageOffset);
  const chunk: FaultedChunk = {
    pageOffset,
    pages,
    runs: range.runs,
    chunks: planChunks(region.guestPfn + pageOffset, range.runs, range.hugeBacked),
  };
  // The kernel stores the pages before it remaps them: a remap that fails leaves them in the region.
  region.faulted.set(pageOffset, chunk);
  return remapChunk(env, pt, region, chunk);
}

/**
 * hmm_range_fault between mmu_interval_read_begin and mmu_interval_read_retry, again for as long as
 * an invalidation started in between (`faultInRetry`); a fault that does not resolve to RAM ends it.
 */
function faultInRange(env: DriverEnv, region: KernelRegion, userAddr: bigint, pages: number): UserRange {
  for (let tries = 1; ; tries++) {
    const seq = env.host.mmInvalidations();
    const range = env.host.faultUserRange(userAddr, pages);
    if (range.kind !== 'ram' || !env.hooks.faultInRetry(env, region, seq)) return range;
    if (tries === FAULT_IN_TRIES_MAX)
      throw new Error(
        `${RUN_VP}: a fault-in of region 0x${region.guestPfn.toString(16)} raced an invalidation ${FAULT_IN_TRIES_MAX} times in a row`,
      );
  }
}

/**
 * The movable region a GPA intercept at `gfn` with intercept access type `access` (0 read, 1 write,
 * 2 execute) makes the kernel fault in, or undefined when the intercept goes to the VMM (no region,
 * not movable, or an access the region's flags refuse).
 *
 * @example
 * movableRegionFaulting(pt, 0x200, 1); // the region, when it is movable and WRITABLE
 */
export function movableRegionFaulting(
  pt: KernelPartition,
  gfn: number,
  access: number,
): KernelRegion | undefined {
  const region = pt.regionAt(gfn);
  if (region?.kind !== 'movable') return undefined;
  if (access === ACCESS_WRITE && (region.mapFlags & HV_MAP_GPA.WRITABLE) === 0) return undefined;
  if (access === ACCESS_EXECUTE && (region.mapFlags & HV_MAP_GPA.EXECUTABLE) === 0) return undefined;
  return region;
}

/** mshv_region_remap_pages over one faulted chunk, with the region's flags, in each sub-chunk's stride. */
function remapChunk(env: DriverEnv, pt: KernelPartition, region: KernelRegion, chunk: FaultedChunk): boolean {
  for (const c of chunk.chunks) {
    const stride = c.large ? PAGES_PER_LARGE_PAGE : 1;
    const r = mapGpaPages(
      env,
      pt.id,
      region.guestPfn + chunk.pageOffset + c.pageOffset,
      c.pages,
      region.mapFlags,
      c.large,
      new PfnRunList(chunk.runs, stride, c.pageOffset),
      RUN_VP,
    );
    if (r === 'EINVAL' || !r.ok) return false;
  }
  return true;
}

function alignDown(v: number, to: number): number {
  return v - (v % to);
}
