import { HV_MAP_GPA } from '../../hv/flags/HvMapGpaFlag.js';
import { HV_PAGE_SIZE } from '../../hv/Page.js';
import { MSHV_SET_MEM_BIT, MSHV_SET_MEM_FLAGS_MASK } from '../../hv/uapi/flags.js';
import type { BatchResult } from '../runBatches.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail, failCall, failDeposit, ok } from './IoctlResult.js';
import type { KernelPartition, KernelRegion } from './KernelPartition.js';
import { SET_GUEST_MEMORY, mapRegion, unmapRegion } from './mapRegion.js';
import { mapMovableRegion } from './movableRegion.js';
import { planChunks } from './planChunks.js';

/** struct mshv_user_mem_region, with the reserved bytes as one little-endian value (must be 0). */
export interface UserMemRegion {
  readonly size: bigint;
  readonly guestPfn: bigint;
  readonly userspaceAddr: bigint;
  readonly flags: number;
  readonly rsvd?: bigint;
}

/** x86-64 TASK_SIZE_MAX (47-bit user space): access_ok fails beyond it. */
export const USER_ADDR_LIMIT = 1n << 47n;
/** Guest frame numbers the model accepts: a 52-bit GPA space (GFNs below 2^40). */
export const GFN_LIMIT = 1n << 40n;
const PAGE = BigInt(HV_PAGE_SIZE);

/**
 * MSHV_SET_GUEST_MEMORY (inventory §c.4, §d): common validation, then the unmap path (UNMAP bit) or
 * the map path. Every rejection leaves no state behind: a region is linked only after its mapping
 * succeeded, and a failed map unpins what it pinned.
 *
 * @example
 * setGuestMemory(env, pt, { size: 1n << 30n, guestPfn: 0n, userspaceAddr: 0x7f00_0000_0000n, flags: 3 });
 */
export function setGuestMemory(env: DriverEnv, pt: KernelPartition, arg: UserMemRegion): IoctlResult<void> {
  const op = SET_GUEST_MEMORY;
  if (arg.size === 0n) return fail(op, 'EINVAL', 'size is 0');
  if (arg.size % PAGE !== 0n)
    return fail(op, 'EINVAL', `size 0x${arg.size.toString(16)} is not page aligned`);
  if (arg.userspaceAddr % PAGE !== 0n) return fail(op, 'EINVAL', 'userspace_addr is not page aligned');
  if ((arg.flags & ~MSHV_SET_MEM_FLAGS_MASK) !== 0)
    return fail(op, 'EINVAL', `flags 0x${arg.flags.toString(16)}: unknown bits (mask 0x7)`);
  if ((arg.rsvd ?? 0n) !== 0n) return fail(op, 'EINVAL', 'rsvd is not zero');
  const pages = arg.size / PAGE;
  // An unmap of a GFN no region holds is ENOENT (NEW), whatever the GFN: the bound below is the
  // model's own check of a new region (its GPA space), not one of the kernel's common checks.
  if ((arg.flags & (1 << MSHV_SET_MEM_BIT.UNMAP)) !== 0)
    return arg.guestPfn >= GFN_LIMIT
      ? fail(op, 'ENOENT', `no region contains guest_pfn 0x${arg.guestPfn.toString(16)}`)
      : unmapUserRegion(env, pt, arg, Number(pages));
  if (arg.guestPfn >= GFN_LIMIT || pages > GFN_LIMIT - arg.guestPfn) {
    return fail(op, 'EINVAL', 'guest_pfn + size/4096 exceeds the guest physical address space');
  }
  return mapUserRegion(env, pt, arg, Number(pages));
}

function mapUserRegion(
  env: DriverEnv,
  pt: KernelPartition,
  arg: UserMemRegion,
  pages: number,
): IoctlResult<void> {
  const op = SET_GUEST_MEMORY;
  if (arg.userspaceAddr + arg.size > USER_ADDR_LIMIT)
    return fail(op, 'EINVAL', 'access_ok: range is outside user space');
  // vma_lookup comes before the region is created (and its GFN overlap test): no VMA is EINVAL first.
  const vma = env.host.findVma(arg.userspaceAddr);
  if (vma === undefined)
    return fail(op, 'EINVAL', `no VMA covers userspace_addr 0x${arg.userspaceAddr.toString(16)}`);
  const gfn = Number(arg.guestPfn);
  const clash = pt.overlapping(gfn, pages);
  if (clash !== undefined) {
    return fail(
      op,
      'EEXIST',
      `GFN range [0x${gfn.toString(16)}, +${pages}) overlaps the region at 0x${clash.guestPfn.toString(16)}`,
    );
  }
  if (env.ramRegions === 'movable' && vma.kind !== 'mmio') return mapMovable(env, pt, arg, gfn, pages);
  const range = env.host.pinUserRange(arg.userspaceAddr, pages);
  // A VMA holds userspace_addr (checked above), so `none` is a range that runs out of RAM VMAs (a
  // hole, a VM_IO/VM_PFNMAP VMA): pin_user_pages_fast fails with -EFAULT and mshv_region_pin returns
  // it, unpinning what it pinned (inventory §c.4, pinned RAM). NEW's movable regions (DECISIONS
  // deviation 4) pin nothing here and would map such a range.
  if (range.kind === 'none')
    return fail(
      op,
      'EFAULT',
      `[0x${arg.userspaceAddr.toString(16)}, +0x${arg.size.toString(16)}) leaves the RAM VMAs: pinning fails`,
    );
  let region: KernelRegion;
  if (range.kind === 'mmio') {
    // One pass over the range (seed review point 5: the kernel tests page_is_ram page by page).
    if (env.host.rangeHasRam(range.startPfn, pages)) return fail(op, 'EINVAL', 'MMIO range contains RAM');
    region = {
      guestPfn: gfn,
      pages,
      userAddr: arg.userspaceAddr,
      mapFlags: HV_MAP_GPA.READABLE | HV_MAP_GPA.WRITABLE | HV_MAP_GPA.NOT_CACHED,
      kind: 'mmio',
      runs: [],
      mmioPfn: range.startPfn,
      chunks: [{ pageOffset: 0, pages, large: false }],
    };
  } else {
    region = {
      guestPfn: gfn,
      pages,
      userAddr: arg.userspaceAddr,
      mapFlags: regionMapFlags(arg.flags),
      kind: 'ram',
      runs: range.runs,
      mmioPfn: 0,
      chunks: planChunks(gfn, range.runs, range.hugeBacked),
    };
  }
  const r = mapRegion(env, pt, region);
  if (r !== undefined) {
    if (region.kind === 'ram') env.host.unpinUserRange(region.runs);
    return mapFailed(r, 'large-page count is not a multiple of 512');
  }
  pt.regions.push(region);
  return ok(undefined);
}

/** The ioctl's answer to a map that failed: EINVAL (`einval` says why), the deposit's failure, or the call's. */
function mapFailed(r: BatchResult | 'EINVAL', einval: string): IoctlResult<void> {
  const op = SET_GUEST_MEMORY;
  if (r === 'EINVAL') return fail(op, 'EINVAL', einval);
  if (r.depositFailed !== undefined) return failDeposit(op, r.depositFailed, 'deposit for MAP_GPA_PAGES');
  if (r.last === undefined) return fail(op, 'EINVAL', 'empty map');
  return failCall(op, r.last);
}

/**
 * NEW's default for RAM (inventory §c.4): a movable region, nothing pinned, mapped no-access
 * (`mapMovableRegion`). Only the start's VMA is looked at (vma_lookup): a range that leaves the RAM
 * VMAs is found when a fault-in reaches it.
 */
function mapMovable(
  env: DriverEnv,
  pt: KernelPartition,
  arg: UserMemRegion,
  gfn: number,
  pages: number,
): IoctlResult<void> {
  const region: KernelRegion = {
    guestPfn: gfn,
    pages,
    userAddr: arg.userspaceAddr,
    mapFlags: regionMapFlags(arg.flags),
    kind: 'movable',
    runs: [],
    mmioPfn: 0,
    chunks: [{ pageOffset: 0, pages, large: false }],
    faulted: new Map(),
  };
  const r = mapMovableRegion(env, pt, region);
  if (r !== undefined) return mapFailed(r, 'empty map');
  pt.regions.push(region);
  return ok(undefined);
}

function unmapUserRegion(
  env: DriverEnv,
  pt: KernelPartition,
  arg: UserMemRegion,
  pages: number,
): IoctlResult<void> {
  const op = SET_GUEST_MEMORY;
  const region = pt.regionAt(Number(arg.guestPfn));
  // NEW returns -ENOENT here; ORIG returned -EINVAL.
  if (region === undefined)
    return fail(op, 'ENOENT', `no region contains guest_pfn 0x${arg.guestPfn.toString(16)}`);
  if (
    region.guestPfn !== Number(arg.guestPfn) ||
    region.userAddr !== arg.userspaceAddr ||
    region.pages !== pages
  ) {
    return fail(op, 'EINVAL', 'guest_pfn, userspace_addr and size must equal the region exactly');
  }
  pt.regions.splice(pt.regions.indexOf(region), 1);
  destroyRegion(env, pt, region, op);
  return ok(undefined);
}

/**
 * Region destroy (NEW): UNMAP_GPA_PAGES per chunk (failures ignored; a movable region's present
 * chunks only), then unpin a pinned region's pages.
 *
 * @example
 * destroyRegion(env, pt, region, 'MSHV_RELEASE'); // unmapped, then (a RAM region) its runs unpinned
 */
export function destroyRegion(env: DriverEnv, pt: KernelPartition, region: KernelRegion, op: string): void {
  unmapRegion(env, pt, region, op);
  // A movable region's pages were never pinned (HMM): forgetting them is all (mshv_region_destroy).
  if (region.kind === 'ram') env.host.unpinUserRange(region.runs);
}

/**
 * READABLE | ADJUSTABLE, plus WRITABLE and EXECUTABLE from the MSHV_SET_MEM_BIT_* flags (inventory §c.4).
 *
 * @example
 * regionMapFlags(1 << MSHV_SET_MEM_BIT.WRITABLE); // 0x8003: READABLE | WRITABLE | ADJUSTABLE
 */
export function regionMapFlags(memFlags: number): number {
  let f = HV_MAP_GPA.READABLE | HV_MAP_GPA.ADJUSTABLE;
  if ((memFlags & (1 << MSHV_SET_MEM_BIT.WRITABLE)) !== 0) f |= HV_MAP_GPA.WRITABLE;
  if ((memFlags & (1 << MSHV_SET_MEM_BIT.EXECUTABLE)) !== 0) f |= HV_MAP_GPA.EXECUTABLE;
  return f;
}
