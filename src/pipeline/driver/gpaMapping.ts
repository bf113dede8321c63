import { traitsOf } from '../../hv/Hypercall.js';
import { HV_MAP_GPA, HV_UNMAP_GPA_LARGE_PAGE } from '../../hv/flags/HvMapGpaFlag.js';
import type { PartitionId } from '../../hv/ids.js';
import { MAP_GPA_DEPOSIT_PAGES, MapGpaPages } from '../../hv/hypercalls/MapGpaPages.js';
import { UnmapGpaPages } from '../../hv/hypercalls/UnmapGpaPages.js';
import { LARGE_PAGE_SHIFT_IN_PAGES, PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import type { ListWriter } from '../CallPlan.js';
import { type BatchResult, runBatches } from '../runBatches.js';
import type { DriverEnv } from './DriverEnv.js';

const mapTraits = traitsOf(MapGpaPages);
const unmapTraits = traitsOf(UnmapGpaPages);

/**
 * hv_call_map_gpa_pages / hv_do_map_gpa_hcall: map `pages` 4 KiB pages at `gfn`. With `large`, the
 * count must be a multiple of 512 (-EINVAL otherwise), it is converted to 2 MiB units and `list`
 * yields one head PFN per unit (the caller builds it with stride 512). Batches of 509; on
 * INSUFFICIENT_MEMORY deposit HV_MAP_GPA_DEPOSIT_PAGES (256) into the partition and continue from
 * the reps completed. The result's `done` is in the call's units (2 MiB units when large).
 *
 * @example
 * mapGpaPages(env, pid, 0, 262144, HV_MAP_GPA.READABLE, false, list, 'MSHV_SET_GUEST_MEMORY');
 */
export function mapGpaPages(
  env: DriverEnv,
  partition: PartitionId,
  gfn: number,
  pages: number,
  flags: number,
  large: boolean,
  list: ListWriter,
  op: string,
): BatchResult | 'EINVAL' {
  if (pages === 0 || (large && pages % PAGES_PER_LARGE_PAGE !== 0)) return 'EINVAL';
  const shift = large ? LARGE_PAGE_SHIFT_IN_PAGES : 0;
  const mapFlags = large ? (flags | HV_MAP_GPA.LARGE_PAGE) >>> 0 : flags;
  return runBatches(env.execOnce, env.deposit, {
    def: MapGpaPages,
    traits: mapTraits,
    total: Math.floor(pages / (1 << shift)),
    header: (done) => ({
      targetPartitionId: partition,
      targetGpaBase: BigInt(gfn + done * (1 << shift)),
      mapFlags,
    }),
    list,
    deposit: { target: partition, pagesPerRetry: MAP_GPA_DEPOSIT_PAGES },
    op,
  });
}

/**
 * hv_call_unmap_gpa_pages: unmap `pages` 4 KiB pages at `gfn`, in batches of HV_UMAP_GPA_PAGES (512
 * reps: an interrupt-latency bound, not a page bound). With `large` the 4 KiB count must be a
 * multiple of 512 and is shifted into 2 MiB units here; callers always pass 4 KiB counts (the ORIG
 * map-failure path passed 2 MiB units to this 4 KiB-count interface, inventory §d).
 *
 * @example
 * unmapGpaPages(env, pid, 0, 262144, false, 'MSHV_SET_GUEST_MEMORY');
 */
export function unmapGpaPages(
  env: DriverEnv,
  partition: PartitionId,
  gfn: number,
  pages: number,
  large: boolean,
  op: string,
): BatchResult | 'EINVAL' {
  if (pages === 0 || (large && pages % PAGES_PER_LARGE_PAGE !== 0)) return 'EINVAL';
  const shift = large ? LARGE_PAGE_SHIFT_IN_PAGES : 0;
  return runBatches(env.execOnce, env.deposit, {
    def: UnmapGpaPages,
    traits: unmapTraits,
    total: Math.floor(pages / (1 << shift)),
    header: (done) => ({
      targetPartitionId: partition,
      targetGpaBase: BigInt(gfn + done * (1 << shift)),
      unmapFlags: large ? HV_UNMAP_GPA_LARGE_PAGE : 0,
    }),
    op,
  });
}
