import { describe, expect, it } from 'vitest';
import { HV_MAP_GPA, HV_UNMAP_GPA_LARGE_PAGE } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import { MSHV_MAP_FAULT_IN_PAGES } from '../../../src/hv/KernelConstants.js';
import { GPA_FAULTS_PER_RUN_MAX } from '../../../src/pipeline/driver/runVp.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';
import type { GuestExit } from '../../../src/scenario/Scenario.js';
import {
  type Call,
  MiB,
  OUT,
  RAM,
  SMALL,
  WRITABLE_EXEC,
  mapBase,
  mapFlags,
  mapPfns,
  oneVpWorld,
  region,
  rig,
  u32,
  u64,
  value,
} from './movableRig.js';

describe('movable RAM regions (NEW, inventory §c.4 "Movable RAM", §c.6 "GPA intercept")', () => {
  it('MSHV_SET_GUEST_MEMORY pins nothing and maps the whole region HV_MAP_GPA_NO_ACCESS with zero PFNs, 509 per list', () => {
    const r = rig();
    const pinned = r.w.machine.pinnedUserPages;
    const before = r.calls.length;
    value(
      r.d.setGuestMemory(r.ptFd, { size: 8n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: WRITABLE_EXEC }),
    );
    const maps = r.calls.slice(before).filter((c) => c.name === 'MAP_GPA_PAGES');
    expect(maps.map((c) => c.repCount)).toEqual([509, 509, 509, 509, 12]);
    expect(maps.map(mapBase)).toEqual([0, 509, 1018, 1527, 2036]);
    for (const c of maps) {
      expect(mapFlags(c)).toBe(HV_MAP_GPA.NO_ACCESS);
      expect(mapPfns(c).every((p) => p === 0n)).toBe(true);
    }
    expect(r.w.machine.pinnedUserPages).toBe(pinned);
    expect(region(r.pt).kind).toBe('movable');
    expect(region(r.pt).faulted?.size).toBe(0);
    expect(r.hv().gpa.mappedPages()).toBe(2048);
  });

  it('MSHV_RUN_VP faults in the 512-page chunk around the GFN (2 MiB pages where the backing allows) and runs the VP again: the VMM sees the next exit', () => {
    const r = rig();
    value(
      r.d.setGuestMemory(r.ptFd, { size: 8n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: WRITABLE_EXEC }),
    );
    const before = r.calls.length;
    const pinned = r.w.machine.pinnedUserPages;
    const write: GuestExit = { exit: 'MMIO', gpa: 0x2f_f008n, write: true, size: 8, value: 7n };
    expect(r.run([write, OUT])).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    const maps = r.calls.slice(before).filter((c) => c.name === 'MAP_GPA_PAGES');
    expect(maps).toHaveLength(1);
    const [fault] = maps as [Call];
    expect(fault.op).toBe('MSHV_RUN_VP');
    expect(mapBase(fault)).toBe(512);
    expect(fault.repCount).toBe(1);
    expect(mapFlags(fault)).toBe(
      (HV_MAP_GPA.READABLE |
        HV_MAP_GPA.WRITABLE |
        HV_MAP_GPA.EXECUTABLE |
        HV_MAP_GPA.ADJUSTABLE |
        HV_MAP_GPA.LARGE_PAGE) >>>
        0,
    );
    expect([...(region(r.pt).faulted?.keys() ?? [])]).toEqual([512]);
    // hmm_range_fault takes no reference: the chunk is mapped into the guest, not pinned.
    expect(r.w.machine.pinnedUserPages).toBe(pinned);
    expect(r.w.machine.audit().mappedUnpinnedPages).toBe(MSHV_MAP_FAULT_IN_PAGES);
    // The access ran again once its page was mapped: it completed in the guest, page dirty.
    expect(r.hv().gpa.accessState(0x2ff)).toBe(3);
    // A second access to the same chunk completes in the guest: no fault, no hypercall.
    const again = r.calls.length;
    expect(r.run([{ exit: 'MMIO', gpa: 0x20_0000n, write: false, size: 4, value: 0n }, OUT])).toBe(
      HVMSG.X64_IO_PORT_INTERCEPT,
    );
    expect(r.calls.slice(again).filter((c) => c.name === 'MAP_GPA_PAGES')).toEqual([]);
  });

  it("the region's last chunk is shorter: a fault at page 590 of 600 maps pages 512..599 with a 4 KiB stride", () => {
    const r = rig();
    value(
      r.d.setGuestMemory(r.ptFd, { size: 600n * 4096n, guestPfn: 0x1000n, userspaceAddr: SMALL, flags: 1 }),
    );
    const before = r.calls.length;
    expect(
      r.run([{ exit: 'MMIO', gpa: (0x1000n + 590n) << 12n, write: false, size: 4, value: 0n }, OUT]),
    ).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    const maps = r.calls.slice(before).filter((c) => c.name === 'MAP_GPA_PAGES');
    expect(maps.map((c) => [mapBase(c), c.repCount, mapFlags(c)])).toEqual([
      [0x1000 + 512, 88, HV_MAP_GPA.READABLE | HV_MAP_GPA.WRITABLE | HV_MAP_GPA.ADJUSTABLE],
    ]);
  });

  it('a write to a movable region without WRITABLE goes to the VMM as a GPA intercept; nothing is faulted in (March 2026 fix)', () => {
    const r = rig();
    value(r.d.setGuestMemory(r.ptFd, { size: 2n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: 0 }));
    const before = r.calls.length;
    expect(r.run([{ exit: 'MMIO', gpa: 0x1000n, write: true, size: 4, value: 1n }])).toBe(
      HVMSG.GPA_INTERCEPT,
    );
    expect(r.calls.slice(before).filter((c) => c.name === 'MAP_GPA_PAGES')).toEqual([]);
    expect(region(r.pt).faulted?.size).toBe(0);
    // A read of the same page is faulted in: the region permits it.
    expect(r.run([{ exit: 'MMIO', gpa: 0x1000n, write: false, size: 4, value: 0n }, OUT])).toBe(
      HVMSG.X64_IO_PORT_INTERCEPT,
    );
    expect(region(r.pt).faulted?.size).toBe(1);
  });

  it('a VP stopped on a refused write does not run it again after a no-access map over its page (the region mapped again): the VMM emulated it', () => {
    const r = rig();
    const rom = { size: 2n * MiB, guestPfn: 0n, userspaceAddr: RAM };
    value(r.d.setGuestMemory(r.ptFd, { ...rom, flags: 0 }));
    expect(r.run([{ exit: 'MMIO', gpa: 0x1000n, write: true, size: 4, value: 1n }])).toBe(
      HVMSG.GPA_INTERCEPT,
    );
    expect(r.w.runWouldBlock(r.vpFd)).toBe(true);
    value(r.d.setGuestMemory(r.ptFd, { ...rom, flags: 1 << 2 }));
    value(r.d.setGuestMemory(r.ptFd, { ...rom, flags: 0 }));
    // The new region is mapped no-access: the VMM emulated the write, which does not run again.
    expect(r.w.runWouldBlock(r.vpFd)).toBe(true);
  });

  it('a VP stopped on a write to a read-only page runs it again once the VMM maps the page writable: its run is not predicted to sleep', () => {
    // A pinned world (the write protection a VMM lifts, as dirty tracking does).
    const { w, d, ptFd, vpFd } = oneVpWorld({
      name: 'retry',
      seed: 9,
      hostMemory: [{ userAddr: `0x${RAM.toString(16)}`, size: '2MiB', pageSize: '2M' }],
    });
    const rom = { size: 2n * MiB, guestPfn: 0n, userspaceAddr: RAM };
    value(d.setGuestMemory(ptFd, { ...rom, flags: 0 }));
    w.setGuestScript(ptFd, 0, [{ exit: 'MMIO', gpa: 0x1000n, write: true, size: 4, value: 1n }, OUT]);
    expect(u32(value(d.runVp(vpFd)), 0)).toBe(HVMSG.GPA_INTERCEPT);
    value(d.setGuestMemory(ptFd, { ...rom, flags: 1 << 2 }));
    value(d.setGuestMemory(ptFd, { ...rom, flags: WRITABLE_EXEC }));
    // The write runs again and completes in the guest; the port write behind it reaches the VMM.
    expect(w.runWouldBlock(vpFd)).toBe(false);
    expect(u32(value(d.runVp(vpFd)), 0)).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    expect(w.machine.model.resolve(d.partitionIdOf(ptFd)!)!.gpa.accessState(1)).toBe(3);
  });

  it('the kernel before the fix faults a read-only chunk in again and again: the model stops the run as a livelock', () => {
    const r = rig({ hooks: { gpaFaultRegion: (pt, gfn) => pt.regionAt(gfn) } });
    value(r.d.setGuestMemory(r.ptFd, { size: 2n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: 0 }));
    r.w.setGuestScript(r.ptFd, 0, [{ exit: 'MMIO', gpa: 0x1000n, write: true, size: 4, value: 1n }]);
    expect(() => r.d.runVp(r.vpFd)).toThrow(
      `took ${GPA_FAULTS_PER_RUN_MAX} GPA intercepts the kernel handled without an exit`,
    );
  });

  it('unmapping the region unmaps the faulted chunks only (in their strides): no page stays mapped', () => {
    const r = rig();
    const pinned = r.w.machine.pinnedUserPages;
    value(
      r.d.setGuestMemory(r.ptFd, { size: 8n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: WRITABLE_EXEC }),
    );
    r.run([
      { exit: 'MMIO', gpa: 0x60_0000n, write: false, size: 4, value: 0n },
      { exit: 'MMIO', gpa: 0x1000n, write: true, size: 4, value: 1n },
      OUT,
    ]);
    expect(r.w.machine.pinnedUserPages).toBe(pinned);
    expect(r.w.machine.audit().mappedUnpinnedPages).toBe(1024);
    const before = r.calls.length;
    value(
      r.d.setGuestMemory(r.ptFd, {
        size: 8n * MiB,
        guestPfn: 0n,
        userspaceAddr: RAM,
        flags: 1 << 2,
      }),
    );
    const unmaps = r.calls.slice(before).filter((c) => c.name === 'UNMAP_GPA_PAGES');
    expect(unmaps.map((c) => [Number(u64(c.input, 8)), c.repCount, u32(c.input, 16)])).toEqual([
      [0, 1, HV_UNMAP_GPA_LARGE_PAGE],
      [1536, 1, HV_UNMAP_GPA_LARGE_PAGE],
    ]);
    expect(r.w.machine.pinnedUserPages).toBe(pinned);
    expect(r.w.machine.audit().mappedUnpinnedPages).toBe(0);
    expect(r.pt.regions).toEqual([]);
  });

  it('a snapshot keeps the faulted chunks: the restored world snapshots the same and runs on alike', () => {
    const r = rig();
    value(
      r.d.setGuestMemory(r.ptFd, { size: 8n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: WRITABLE_EXEC }),
    );
    r.run([{ exit: 'MMIO', gpa: 0x40_1000n, write: true, size: 4, value: 1n }, OUT]);
    const snap = r.w.snapshot();
    const restored = SimWorld.fromSnapshot(snap, { wantsBytes: false, record: () => undefined });
    if (!restored.ok) throw restored.error;
    expect(restored.value.snapshot()).toStrictEqual(snap);
    const pt = restored.value.device.partitionOf(r.ptFd)!;
    expect(region(pt).kind).toBe('movable');
    expect([...(region(pt).faulted?.keys() ?? [])]).toEqual([1024]);
    expect(restored.value.machine.knobs.ramRegions).toBe('movable');
  });

  it.each<[string, (chunk: unknown[]) => void, string]>([
    ['pages past its 512-page block', (c) => (c[0] = 1000), 'faulted[0][1]'],
    ['a chunk past the end of the region', (c) => (c[0] = 2048), '$.'],
    ['runs that do not hold its pages', (c) => (c[1] = 100), 'its runs hold 512'],
  ])('a snapshot whose faulted chunk has %s is refused, naming it', (_what, edit, message) => {
    const r = rig();
    value(
      r.d.setGuestMemory(r.ptFd, { size: 8n * MiB, guestPfn: 0n, userspaceAddr: RAM, flags: WRITABLE_EXEC }),
    );
    r.run([{ exit: 'MMIO', gpa: 0x40_1000n, write: true, size: 4, value: 1n }, OUT]);
    const snap = JSON.parse(JSON.stringify(r.w.snapshot())) as unknown;
    const chunk = findFaulted(snap);
    edit(chunk);
    const restored = SimWorld.fromSnapshot(snap, { wantsBytes: false, record: () => undefined });
    expect(restored.ok).toBe(false);
    if (!restored.ok) {
      expect(restored.error.path).toMatch(/\.faulted\[0\]/);
      expect(restored.error.message).toContain(message);
    }
  });

  it('kernel.ramRegions is checked by name: another value is refused naming the field', () => {
    expect(() =>
      loadScenario({ format: 1, name: 'x', seed: 1, kernel: { ramRegions: 'hmm' }, steps: [] }),
    ).toThrow('$.kernel.ramRegions');
    expect(() =>
      loadScenario({ format: 1, name: 'x', seed: 1, kernel: { movable: true }, steps: [] }),
    ).toThrow('$.kernel.movable');
  });
});

/** The first faulted chunk (`[pageOffset, pages, runs, chunks]`) anywhere in a world snapshot. */
function findFaulted(json: unknown): unknown[] {
  if (Array.isArray(json)) {
    for (const v of json) {
      const found = findFaulted(v);
      if (found.length > 0) return found;
    }
    return [];
  }
  if (json === null || typeof json !== 'object') return [];
  const o = json as Record<string, unknown>;
  if (Array.isArray(o.faulted) && Array.isArray(o.faulted[0])) return o.faulted[0] as unknown[];
  for (const v of Object.values(o)) {
    const found = findFaulted(v);
    if (found.length > 0) return found;
  }
  return [];
}
