import { HV_PAGE_SIZE } from '../../hv/Page.js';
import type { PfnRun } from '../../ports/HostPort.js';
import type { Invariant } from './Invariant.js';

/**
 * A movable region's present pages mirror the VMM's address space (NEW's HMM regions, inventory §c.4):
 * after every step, each page of every chunk the driver holds as faulted in is the host page the mm
 * holds at that user address. The mm moves a page only after the region's MMU notifier forgot it,
 * and a fault-in that an invalidation raced (mmu_interval_read_retry) is taken again, so a page the
 * driver holds that the mm has moved (or freed) is a mirror gone stale: a fault-in that mapped the
 * pages it resolved before a migration it did not wait out, or a notifier that did not forget them.
 * A notifier whose no-access remap the hypervisor refused keeps the pages, as the kernel does after
 * its WARN: `conservation` reports the guest mapping them first (it comes earlier in the list).
 *
 * @example
 * mmMirror.afterStep?.(step, world); // 'vm0: region 0x0 holds host page 0x1c010 at offset 16, the mm has 0x3a000 there (…)'
 */
export const mmMirror: Invariant = {
  name: 'mmMirror',
  summary:
    "a movable region's present pages are the pages the VMM's mm holds at those addresses (the MMU notifier forgets what moves; a raced fault-in is taken again)",
  afterStep(_step, world) {
    let applies = false;
    for (const key of world.keys()) {
      const kp = world.kernelPartition(key);
      if (kp === undefined) continue;
      for (const region of kp.regions) {
        if (region.faulted === undefined) continue;
        for (const chunk of region.faulted.values()) {
          applies = true;
          const userAddr = region.userAddr + BigInt(chunk.pageOffset * HV_PAGE_SIZE);
          const mm = world.sim.machine.residentUserRuns(userAddr, chunk.pages);
          const at = firstDifference(chunk.runs, mm);
          if (at === undefined) continue;
          const held = pfnAt(chunk.runs, at);
          const now = pfnAt(mm, at);
          return (
            `${key}: region 0x${region.guestPfn.toString(16)} holds host page 0x${held.toString(16)} at offset ` +
            `${chunk.pageOffset + at}, the mm has ${now < 0 ? 'no resident page' : `0x${now.toString(16)}`} there ` +
            '(a fault-in mapped pages an invalidation moved while it ran, or a notifier kept pages that moved)'
          );
        }
      }
    }
    return applies ? undefined : null;
  },
};

/** The first page index where two run lists name different host pages (or one ends), or undefined. */
function firstDifference(a: readonly PfnRun[], b: readonly PfnRun[]): number | undefined {
  let i = 0;
  let j = 0;
  let ai = 0;
  let bj = 0;
  let page = 0;
  while (i < a.length && j < b.length) {
    const ra = a[i];
    const rb = b[j];
    if (ra === undefined || rb === undefined) break;
    // Two holes agree; a hole and a page, or two other pages, do not.
    if (ra.pfn < 0 ? rb.pfn >= 0 : rb.pfn < 0 || ra.pfn + ai !== rb.pfn + bj) return page;
    const step = Math.min(ra.count - ai, rb.count - bj);
    page += step;
    ai += step;
    bj += step;
    if (ai === ra.count) {
      i += 1;
      ai = 0;
    }
    if (bj === rb.count) {
      j += 1;
      bj = 0;
    }
  }
  return i < a.length || j < b.length ? page : undefined;
}

/** The host page at page index `at` of a run list (-1 past its end or in a hole). */
function pfnAt(runs: readonly PfnRun[], at: number): number {
  let left = at;
  for (const r of runs) {
    if (left < r.count) return r.pfn < 0 ? -1 : r.pfn + left;
    left -= r.count;
  }
  return -1;
}
