import { describe, expect, it } from 'vitest';
import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import { defaultHooks } from '../../../src/pipeline/driver/defaultHooks.js';
import { FAULT_IN_TRIES_MAX } from '../../../src/pipeline/driver/movableRegion.js';
import { MMU_INVALIDATE } from '../../../src/pipeline/driver/invalidateMovableRange.js';
import { OUT, SMALL, mapBase, mapFlags, mapPfns, region, rig, value } from './movableRig.js';

/** 64 KiB of the rig's 4 KiB-backed RAM, movable, at GFN 0x100; the read of its page 2. */
const SIZE = 16n * 4096n;
const READ = { exit: 'MMIO', gpa: 0x10_2000n, write: false, size: 4, value: 0n } as const;

const pfnsOf = (runs: readonly { pfn: number; count: number }[]): number[] =>
  runs.flatMap((x) => Array.from({ length: x.count }, (_, i) => x.pfn + i));

describe('a host migration racing a movable fault-in (NEW mshv_region_hmm_fault_and_lock: mmu_interval_read_begin/read_retry)', () => {
  it('the fault-in is taken again after the invalidation, and the chunk maps the pages the mm moved it to', () => {
    const r = rig();
    value(r.d.setGuestMemory(r.ptFd, { size: SIZE, guestPfn: 0x100n, userspaceAddr: SMALL, flags: 0 }));
    expect(r.w.armMigrationRace(SMALL, 16)).toBe(true);
    const before = r.calls.length;
    expect(r.run([READ, OUT])).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    const maps = r.calls.slice(before).filter((c) => c.name === 'MAP_GPA_PAGES');
    // Nothing was present, so the notifier remapped nothing; one map of the chunk, after the retry.
    expect(maps.map((c) => [c.op, mapBase(c), mapFlags(c), c.repCount])).toEqual([
      ['MSHV_RUN_VP', 0x100, HV_MAP_GPA.READABLE | HV_MAP_GPA.ADJUSTABLE, 16],
    ]);
    const held = region(r.pt).faulted?.get(0);
    const mm = r.w.machine.residentUserRuns(SMALL, 16);
    expect(pfnsOf(held?.runs ?? [])).toEqual(pfnsOf(mm));
    expect(mapPfns(maps[0]!).map(Number)).toEqual(pfnsOf(mm));
    expect(r.w.machine.migrationRace).toBeNull();
    expect(r.w.machine.audit().violations).toEqual([]);
  });

  it('present pieces of the chunk are remapped no-access by the notifier inside MSHV_RUN_VP before the retry maps the chunk whole', () => {
    const r = rig();
    value(r.d.setGuestMemory(r.ptFd, { size: SIZE, guestPfn: 0x100n, userspaceAddr: SMALL, flags: 0 }));
    r.run([READ, OUT]);
    r.w.migrateUserPages(SMALL, 4);
    expect([...(region(r.pt).faulted?.keys() ?? [])]).toEqual([4]);
    r.w.armMigrationRace(SMALL, 16);
    const before = r.calls.length;
    expect(r.run([{ ...READ, gpa: 0x10_1000n }, OUT])).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    const maps = r.calls.slice(before).filter((c) => c.name === 'MAP_GPA_PAGES');
    expect(maps.map((c) => [c.op, mapBase(c), mapFlags(c), c.repCount])).toEqual([
      [MMU_INVALIDATE, 0x104, HV_MAP_GPA.NO_ACCESS, 12],
      ['MSHV_RUN_VP', 0x100, HV_MAP_GPA.READABLE | HV_MAP_GPA.ADJUSTABLE, 16],
    ]);
    expect(pfnsOf(region(r.pt).faulted?.get(0)?.runs ?? [])).toEqual(
      pfnsOf(r.w.machine.residentUserRuns(SMALL, 16)),
    );
    expect(r.w.machine.audit().violations).toEqual([]);
  });

  it('a driver that maps without the retry check holds freed pages: the hypervisor refuses them and the intercept reaches the VMM', () => {
    const r = rig({ hooks: { ...defaultHooks, faultInRetry: () => false } });
    value(r.d.setGuestMemory(r.ptFd, { size: SIZE, guestPfn: 0x100n, userspaceAddr: SMALL, flags: 0 }));
    r.w.armMigrationRace(SMALL, 16);
    expect(r.run([READ, OUT])).toBe(HVMSG.GPA_INTERCEPT);
    const held = pfnsOf(region(r.pt).faulted?.get(0)?.runs ?? []);
    const mm = pfnsOf(r.w.machine.residentUserRuns(SMALL, 16));
    expect(held.filter((p) => mm.includes(p))).toEqual([]);
  });

  it('an invalidation at every try is a livelock the model stops at FAULT_IN_TRIES_MAX', () => {
    let tries = 0;
    const r = rig({
      hooks: {
        ...defaultHooks,
        faultInRetry: () => {
          tries += 1;
          return true;
        },
      },
    });
    value(r.d.setGuestMemory(r.ptFd, { size: SIZE, guestPfn: 0x100n, userspaceAddr: SMALL, flags: 0 }));
    r.w.setGuestScript(r.ptFd, 0, [READ, OUT]);
    expect(() => r.d.runVp(r.vpFd)).toThrow(`raced an invalidation ${FAULT_IN_TRIES_MAX} times in a row`);
    expect(tries).toBe(FAULT_IN_TRIES_MAX);
  });
});
