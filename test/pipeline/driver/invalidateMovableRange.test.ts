import { describe, expect, it } from 'vitest';
import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import { MMU_INVALIDATE } from '../../../src/pipeline/driver/invalidateMovableRange.js';
import { faultedRanges } from '../../../src/pipeline/driver/faultedRanges.js';
import { misplacedPage } from '../../../src/check/invariants/misplacedPage.js';
import {
  MiB,
  OUT,
  RAM,
  SMALL,
  WRITABLE_EXEC,
  mapBase,
  mapFlags,
  mapPfns,
  region,
  rig,
  value,
} from './movableRig.js';

/** The 600-page 4 KiB-backed VMA as a movable region at GFN 0x1000 (pages 0-511 are one fault-in chunk). */
const GFN = 0x1000;
const smallRegion = {
  size: BigInt(600 * 4096),
  guestPfn: BigInt(GFN),
  userspaceAddr: SMALL,
  flags: WRITABLE_EXEC,
};
const touch = (page: number) => ({
  exit: 'MMIO' as const,
  gpa: BigInt((GFN + page) * 4096),
  write: true,
  size: 4 as const,
  value: 1n,
});
const pieces = (r: ReturnType<typeof rig>) =>
  [...(region(r.pt).faulted?.values() ?? [])]
    .map((f) => [f.pageOffset, f.pages])
    .sort((a, b) => a[0]! - b[0]!);

describe('MMU notifier invalidation of movable regions (NEW mshv_region_interval_invalidate, inventory §c.4)', () => {
  it('remaps the present pages of the range HV_MAP_GPA_NO_ACCESS with their own PFNs, forgets them, and the next access faults the chunk in from the pages the host moved them to', () => {
    const r = rig();
    value(r.d.setGuestMemory(r.ptFd, smallRegion));
    expect(r.run([touch(10), OUT])).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    const faultIn = r.calls.filter((c) => c.name === 'MAP_GPA_PAGES' && c.op === 'MSHV_RUN_VP');
    const oldPfns = faultIn.flatMap(mapPfns);
    expect(oldPfns).toHaveLength(512);

    const before = r.calls.length;
    const m = r.w.migrateUserPages(SMALL + 100n * 4096n, 16);
    expect(m).toEqual({ regions: 1, failed: 0, moved: 16, pinned: 0, mappedFreed: 0 });
    const remaps = r.calls.slice(before);
    expect(remaps.map((c) => [c.name, c.op, mapBase(c), c.repCount, mapFlags(c)])).toEqual([
      ['MAP_GPA_PAGES', MMU_INVALIDATE, GFN + 100, 16, HV_MAP_GPA.NO_ACCESS],
    ]);
    // NEW remaps with the region's page pointers, not zero PFNs (mshv_region_chunk_remap).
    expect(mapPfns(remaps[0]!)).toEqual(oldPfns.slice(100, 116));
    expect(pieces(r)).toEqual([
      [0, 100],
      [116, 396],
    ]);
    expect(r.w.machine.audit().ok).toBe(true);
    expect(misplacedPage(region(r.pt), r.hv().gpa)).toBeUndefined();

    // The guest touches a forgotten page: the whole chunk is faulted in again, the moved pages with it.
    const again = r.calls.length;
    expect(r.run([touch(105), OUT])).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    const refault = r.calls.slice(again).filter((c) => c.name === 'MAP_GPA_PAGES');
    expect(refault.map((c) => c.op)).toEqual(['MSHV_RUN_VP', 'MSHV_RUN_VP']);
    const newPfns = refault.flatMap(mapPfns);
    expect(newPfns.slice(0, 100)).toEqual(oldPfns.slice(0, 100));
    expect(newPfns.slice(100, 116).some((p, i) => p === oldPfns[100 + i])).toBe(false);
    expect(pieces(r)).toEqual([[0, 512]]);
    expect(misplacedPage(region(r.pt), r.hv().gpa)).toBeUndefined();
    expect(r.w.machine.audit().ok).toBe(true);

    // The whole region: every present page is forgotten; only the resident pages (the chunk) move.
    expect(r.w.migrateUserPages(SMALL, 600)).toEqual({
      regions: 1,
      failed: 0,
      moved: 512,
      pinned: 0,
      mappedFreed: 0,
    });
    expect(pieces(r)).toEqual([]);
    expect(r.w.machine.audit().mappedUnpinnedPages).toBe(0);
  });

  it('over 2 MiB pages: a part of a large page is remapped in 4 KiB stride, the pieces left keep the stride the kernel picks for them, and hugetlb pages stay', () => {
    const r = rig();
    value(
      r.d.setGuestMemory(r.ptFd, { size: 8n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: WRITABLE_EXEC }),
    );
    r.run([{ exit: 'MMIO', gpa: 0x20_0000n, write: false, size: 4, value: 0n }, OUT]);
    expect(pieces(r)).toEqual([[512, 512]]);
    const before = r.calls.length;
    const m = r.w.migrateUserPages(RAM + (512n + 8n) * 4096n, 16);
    expect(m).toEqual({ regions: 1, failed: 0, moved: 0, pinned: 0, mappedFreed: 0 });
    expect(r.calls.slice(before).map((c) => [mapBase(c), c.repCount, mapFlags(c)])).toEqual([
      [520, 16, HV_MAP_GPA.NO_ACCESS],
    ]);
    expect(pieces(r)).toEqual([
      [512, 8],
      [536, 488],
    ]);
    // Destruction unmaps what is present, each piece in 4 KiB stride (neither is 512 pages long).
    expect(faultedRanges(region(r.pt))).toEqual([
      { pageOffset: 512, pages: 8, large: false },
      { pageOffset: 536, pages: 488, large: false },
    ]);
    expect(misplacedPage(region(r.pt), r.hv().gpa)).toBeUndefined();
  });

  it('a range no region covers, or no page of which is present, issues no hypercall; pages the guest never touched still move', () => {
    const r = rig();
    value(r.d.setGuestMemory(r.ptFd, smallRegion));
    const before = r.calls.length;
    expect(r.w.migrateUserPages(SMALL + 520n * 4096n, 8)).toMatchObject({ regions: 1, failed: 0 });
    expect(r.w.migrateUserPages(RAM, 512)).toMatchObject({ regions: 0, failed: 0, moved: 0 });
    expect(r.calls.length).toBe(before);
  });

  it('a remap that fails forgets nothing (the WARN_ONCE path), the mm moves the pages anyway, and the host audit names the page freed under the guest', () => {
    // MAP_GPA_PAGES calls: 2 for the no-access map of 600 pages, 2 for the fault-in, the 5th is the remap.
    const r = rig({}, [{ call: 'MAP_GPA_PAGES', nth: 5, status: 'ACCESS_DENIED' }]);
    value(r.d.setGuestMemory(r.ptFd, smallRegion));
    r.run([touch(10), OUT]);
    const m = r.w.migrateUserPages(SMALL + 100n * 4096n, 16);
    expect(m).toEqual({ regions: 1, failed: 1, moved: 16, pinned: 0, mappedFreed: 16 });
    expect(pieces(r)).toEqual([[0, 512]]);
    const audit = r.w.machine.audit();
    expect(audit.ok).toBe(false);
    expect(audit.violations.join('\n')).toMatch(/is free but mapped into a guest/);
  });
});
