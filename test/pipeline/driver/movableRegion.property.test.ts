import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { misplacedPage } from '../../../src/check/invariants/misplacedPage.js';
import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import { MSHV_MAP_FAULT_IN_PAGES } from '../../../src/hv/KernelConstants.js';
import type { GuestExit } from '../../../src/scenario/Scenario.js';
import { OUT, RAM, oneVpWorld, value } from './movableRig.js';

/** The VMA: 8 MiB, 2,048 pages. */
const VMA_PAGES = 2048;

const caseArb = fc
  .record({
    pageSize: fc.constantFrom('4K', '2M'),
    /** Where the region starts in the VMA, in pages (256: 1 MiB into a huge page). */
    vmaOffset: fc.constantFrom(0, 256, 512),
    guestPfn: fc.constantFrom(0, 0x1000, 0x1100, 0x2345),
    writable: fc.boolean(),
    pagesFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .chain((c) => {
    const pages = 1 + Math.floor(c.pagesFraction * (VMA_PAGES - c.vmaOffset - 1));
    return fc.record({
      c: fc.constant({ ...c, pages }),
      accesses: fc.array(fc.record({ page: fc.nat({ max: pages - 1 }), write: fc.boolean() }), {
        minLength: 1,
        maxLength: 12,
      }),
    });
  });

/**
 * A movable region (NEW, inventory §c.4, §c.6) of any size, place and backing, and any guest
 * accesses to it: each permitted access faults in exactly the 512-aligned chunk around its page
 * (fewer pages at the region's end), nothing else; the VMM sees only the writes a read-only region
 * refuses; every access completes with its accessed/dirty bits; the mapped pages are the faulted
 * chunks' host pages, none of them pinned (HMM); the unmap leaves no page mapped into the guest but
 * the no-access rest (NEW); the partition closes with nothing leaked.
 */
describe('movable regions, any shape and any accesses (property)', () => {
  it('fault in exactly the chunks the permitted accesses touch, and release them', () => {
    fc.assert(
      fc.property(caseArb, ({ c, accesses }) => {
        const { w, d, ptFd, pt, vpFd } = oneVpWorld({
          name: 'movable-property',
          seed: 3,
          kernel: { ramRegions: 'movable' },
          hostMemory: [{ userAddr: `0x${RAM.toString(16)}`, size: '8MiB', pageSize: c.pageSize }],
        });
        const pinned = w.machine.pinnedUserPages;
        const userspaceAddr = RAM + BigInt(c.vmaOffset * 4096);
        const region = { size: BigInt(c.pages * 4096), guestPfn: BigInt(c.guestPfn), userspaceAddr };
        value(d.setGuestMemory(ptFd, { ...region, flags: c.writable ? 1 : 0 }));
        const hv = w.machine.model.resolve(pt.id)!;
        expect(w.machine.pinnedUserPages).toBe(pinned);

        w.setGuestScript(ptFd, 0, [
          ...accesses.map((a): GuestExit => ({
            exit: 'MMIO',
            gpa: BigInt((c.guestPfn + a.page) * 4096 + 8),
            write: a.write,
            size: 4,
            value: a.write ? 1n : 0n,
          })),
          OUT,
        ]);
        const refused = accesses.filter((a) => a.write && !c.writable).length;
        const seen: number[] = [];
        for (let i = 0; i <= refused; i++) {
          const msg = value(d.runVp(vpFd));
          seen.push(new DataView(msg.buffer, msg.byteOffset).getUint32(0, true));
        }
        expect(seen).toEqual([
          ...Array<number>(refused).fill(HVMSG.GPA_INTERCEPT),
          HVMSG.X64_IO_PORT_INTERCEPT,
        ]);

        const permitted = accesses.filter((a) => !a.write || c.writable);
        const chunks = [...new Set(permitted.map((a) => a.page - (a.page % MSHV_MAP_FAULT_IN_PAGES)))].sort(
          (a, b) => a - b,
        );
        const kr = pt.regions[0]!;
        expect([...kr.faulted!.keys()].sort((a, b) => a - b)).toEqual(chunks);
        const chunkPages = chunks.reduce((n, off) => n + Math.min(MSHV_MAP_FAULT_IN_PAGES, c.pages - off), 0);
        // HMM takes no reference: the pages are mapped into the guest, none of them pinned.
        expect(w.machine.pinnedUserPages).toBe(pinned);
        expect(w.machine.audit().mappedUnpinnedPages).toBe(chunkPages);
        for (const a of permitted)
          expect(hv.gpa.accessState(c.guestPfn + a.page) & (a.write ? 3 : 1)).toBe(a.write ? 3 : 1);
        expect(hv.gpa.mappedPages()).toBe(c.pages);
        expect(misplacedPage(kr, hv.gpa)).toBeUndefined();

        value(d.setGuestMemory(ptFd, { ...region, flags: 1 << 2 }));
        expect(w.machine.pinnedUserPages).toBe(pinned);
        expect(w.machine.audit().mappedUnpinnedPages).toBe(0);
        // NEW unmaps the faulted chunks only: the no-access rest stays until the partition goes.
        expect(hv.gpa.mappedPages()).toBe(c.pages - chunkPages);
        value(d.close(vpFd));
        value(d.close(ptFd));
        expect(w.machine.audit().ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
