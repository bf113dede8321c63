import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { misplacedPage } from '../../../src/check/invariants/misplacedPage.js';
import { HV_MAP_GPA } from '../../../src/hv/flags/HvMapGpaFlag.js';
import { HVMSG } from '../../../src/hv/flags/HvMessageType.js';
import { MSHV_MAP_FAULT_IN_PAGES } from '../../../src/hv/KernelConstants.js';
import { OUT, RAM, oneVpWorld, u32, value } from './movableRig.js';

/** The VMA: 8 MiB, 2,048 pages, the region over all of it but `tail` pages. */
const VMA_PAGES = 2048;

const caseArb = fc.record({
  pageSize: fc.constantFrom('4K', '2M'),
  guestPfn: fc.constantFrom(0, 0x1000, 0x1100),
  tail: fc.constantFrom(0, 88, 700),
  ops: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('touch' as const), page: fc.nat({ max: VMA_PAGES - 1 }) }),
      fc.record({
        kind: fc.constant('migrate' as const),
        page: fc.nat({ max: VMA_PAGES - 1 }),
        pages: fc.integer({ min: 1, max: 1100 }),
      }),
    ),
    { minLength: 1, maxLength: 14 },
  ),
});

/**
 * Guest reads and host migrations in any order over a movable region (NEW, inventory §c.4): the
 * driver holds present exactly the pages of the chunks the reads faulted in minus the ranges
 * migrated since (a chunk left in pieces by a migration comes back whole on the next read); the
 * hypervisor maps with access exactly those pages, each to the host page the region holds; every
 * migrated page of 4 KiB-backed memory moved and none is left mapped behind the host's back; the
 * unmap and the close leave nothing mapped and the host conserved. It fails when a piece is cut a
 * page off, when a notifier skips its remap, or when a read does not fault a piece's chunk back in.
 */
describe('MMU notifier invalidations of movable regions, any order (property)', () => {
  it('present pages, hypervisor mappings and host pages agree after every read and migration', () => {
    fc.assert(
      fc.property(caseArb, ({ pageSize, guestPfn, tail, ops }) => {
        const pages = VMA_PAGES - tail;
        const { w, d, ptFd, pt, vpFd } = oneVpWorld({
          name: 'invalidate-property',
          seed: 5,
          kernel: { ramRegions: 'movable' },
          hostMemory: [{ userAddr: `0x${RAM.toString(16)}`, size: '8MiB', pageSize }],
        });
        const region = { size: BigInt(pages * 4096), guestPfn: BigInt(guestPfn), userspaceAddr: RAM };
        value(d.setGuestMemory(ptFd, { ...region, flags: 1 }));
        const hv = w.machine.model.resolve(pt.id)!;
        const present = new Uint8Array(pages);
        for (const op of ops) {
          if (op.kind === 'touch') {
            const page = op.page % pages;
            w.setGuestScript(ptFd, 0, [
              { exit: 'MMIO', gpa: BigInt((guestPfn + page) * 4096), write: false, size: 4, value: 0n },
              OUT,
            ]);
            expect(u32(value(d.runVp(vpFd)), 0)).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
            // A read of a present page completes in the guest; of an absent one, faults its chunk in whole.
            const from = page - (page % MSHV_MAP_FAULT_IN_PAGES);
            if (present[page] === 0) present.fill(1, from, Math.min(pages, from + MSHV_MAP_FAULT_IN_PAGES));
          } else {
            const m = w.migrateUserPages(RAM + BigInt(op.page * 4096), op.pages);
            expect(m.failed).toBe(0);
            expect(m.mappedFreed).toBe(0);
            if (pageSize === '2M') expect(m.moved).toBe(0);
            present.fill(0, op.page, Math.min(pages, op.page + op.pages));
          }
          const kr = pt.regions[0]!;
          const held = new Uint8Array(pages);
          for (const f of kr.faulted!.values()) {
            expect(Math.floor(f.pageOffset / 512)).toBe(Math.floor((f.pageOffset + f.pages - 1) / 512));
            held.fill(1, f.pageOffset, f.pageOffset + f.pages);
          }
          expect(held).toEqual(present);
          let accessible = 0;
          for (const e of hv.gpa.extents)
            if (e.value.backing === 'ram' && (e.value.flags & HV_MAP_GPA.NO_ACCESS) === 0)
              accessible += e.end - e.start;
          expect(accessible).toBe(present.reduce((n, b) => n + b, 0));
          expect(misplacedPage(kr, hv.gpa)).toBeUndefined();
          expect(w.machine.audit().ok).toBe(true);
        }
        value(d.setGuestMemory(ptFd, { ...region, flags: 1 << 2 }));
        expect(w.machine.audit().mappedUnpinnedPages).toBe(0);
        value(d.close(vpFd));
        value(d.close(ptFd));
        expect(w.machine.audit().ok).toBe(true);
      }),
      {
        numRuns: 60,
        // Pieces of one page at either end of a chunk, then a read of each.
        examples: [
          [
            {
              pageSize: '4K',
              guestPfn: 0,
              tail: 0,
              ops: [
                { kind: 'touch', page: 0 },
                { kind: 'migrate', page: 0, pages: 511 },
                { kind: 'touch', page: 1024 },
                { kind: 'migrate', page: 1025, pages: 511 },
                { kind: 'touch', page: 3 },
                { kind: 'touch', page: 1030 },
              ],
            },
          ],
        ],
      },
    );
  });
});
