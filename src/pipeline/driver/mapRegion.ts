import { PAGES_PER_LARGE_PAGE } from '../../hv/Page.js';
import { ConsecutivePfns, PfnRunList } from '../PfnRuns.js';
import type { BatchResult } from '../runBatches.js';
import type { DriverEnv } from './DriverEnv.js';
import { mapGpaPages } from './gpaMapping.js';
import type { KernelPartition, KernelRegion } from './KernelPartition.js';
import type { Chunk } from './planChunks.js';

export const SET_GUEST_MEMORY = 'MSHV_SET_GUEST_MEMORY';

/**
 * Map a region chunk by chunk (pinned RAM) or in one consecutive-SPA run (MMIO, never large). On a
 * failure part-way, the part that took effect is unmapped through the `unwindPartialMap` hook (whose
 * default passes 4 KiB counts, the fixed behaviour) and the failing batch result is returned.
 *
 * @example
 * const r = mapRegion(env, pt, region); // undefined on success
 */
export function mapRegion(
  env: DriverEnv,
  pt: KernelPartition,
  region: KernelRegion,
): BatchResult | 'EINVAL' | undefined {
  if (region.kind === 'mmio') {
    const r = mapGpaPages(
      env,
      pt.id,
      region.guestPfn,
      region.pages,
      region.mapFlags,
      false,
      new ConsecutivePfns(region.mmioPfn),
      SET_GUEST_MEMORY,
    );
    if (r === 'EINVAL' || r.ok) return r === 'EINVAL' ? r : undefined;
    const chunk: Chunk = { pageOffset: 0, pages: region.pages, large: false };
    env.hooks.unwindPartialMap(env, pt, region, [], chunk, r.done);
    return r;
  }
  const done: Chunk[] = [];
  for (const chunk of region.chunks) {
    const stride = chunk.large ? PAGES_PER_LARGE_PAGE : 1;
    const list = new PfnRunList(region.runs, stride, chunk.pageOffset);
    const r = mapGpaPages(
      env,
      pt.id,
      region.guestPfn + chunk.pageOffset,
      chunk.pages,
      region.mapFlags,
      chunk.large,
      list,
      SET_GUEST_MEMORY,
    );
    if (r === 'EINVAL') return r;
    if (!r.ok) {
      env.hooks.unwindPartialMap(env, pt, region, done, chunk, r.done * stride);
      return r;
    }
    done.push(chunk);
  }
  return undefined;
}

/**
 * The default unwind: unmap every fully mapped chunk and the mapped prefix of the failing one, each
 * in its own stride with a 4 KiB page count (the later upstream fix; ORIG passed the 2 MiB count).
 *
 * @example
 * unwindPartialMap(env, pt, region, done, chunk, 100);
 * // unmaps each chunk of `done`, then the first 100 pages of `chunk`
 */
export function unwindPartialMap(
  env: DriverEnv,
  pt: KernelPartition,
  region: KernelRegion,
  done: readonly Chunk[],
  chunk: Chunk,
  mappedPages: number,
): void {
  for (const c of done)
    env.hooks.unmapGpaPages(env, pt.id, region.guestPfn + c.pageOffset, c.pages, c.large, SET_GUEST_MEMORY);
  if (mappedPages > 0)
    env.hooks.unmapGpaPages(
      env,
      pt.id,
      region.guestPfn + chunk.pageOffset,
      mappedPages,
      chunk.large,
      SET_GUEST_MEMORY,
    );
}

/**
 * Unmap a whole region at unmap or teardown (per chunk, each in its stride; a movable region's
 * `movableUnmapRanges`, its faulted chunks only in NEW, inventory §c.4); failures are ignored as in
 * the kernel.
 *
 * @example
 * unmapRegion(env, pt, region, 'MSHV_RELEASE'); // UNMAP_GPA_PAGES per chunk (one call for MMIO)
 */
export function unmapRegion(env: DriverEnv, pt: KernelPartition, region: KernelRegion, op: string): void {
  if (region.kind === 'mmio') {
    env.hooks.unmapGpaPages(env, pt.id, region.guestPfn, region.pages, false, op);
    return;
  }
  for (const c of region.kind === 'movable' ? env.hooks.movableUnmapRanges(region) : region.chunks)
    env.hooks.unmapGpaPages(env, pt.id, region.guestPfn + c.pageOffset, c.pages, c.large, op);
}
