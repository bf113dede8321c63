/**
 * The GPA range check of MAP_GPA_PAGES, UNMAP_GPA_PAGES and GET_GPA_PAGES_ACCESS_STATES is made
 * against the whole call (rep count from the control word) at every resume, so the same input gives
 * the same final status and state under any rep time slice (inventory §b.1: a partial completion is
 * resumed at reps completed; GpaMap: rep-by-rep execution equals any time slicing of it).
 */
import { describe, expect, it } from 'vitest';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import { GetGpaPagesAccessStates, UnmapGpaPages } from '../../src/hv/hypercalls/index.js';
import { GFN_LIMIT } from '../../adapters/simulated/model/GpaMap.js';
import { Caller, USER_4K, expand, smallMachine } from './harness.js';

/** Reps 6 and 7 of an 8-rep call from here fall beyond the 2^40-page GPA space. */
const BASE = GFN_LIMIT - 6;
const SLICES = [undefined, 1, 4, 7] as const;

/** A partition with the 6 pages [BASE, 2^40) mapped, on a machine with the given time slice. */
function topMapped(slice: number | undefined): { c: Caller; id: bigint; pfns: number[] } {
  const c = new Caller(smallMachine(slice === undefined ? {} : { repTimeSlice: slice }));
  const id = c.readyPartition();
  c.deposit(id, 64);
  const pin = c.machine.host.pinUserRange(USER_4K, 8);
  if (pin.kind !== 'ram') throw new Error('pin failed');
  const pfns = expand(pin.runs);
  expect(c.mapPfns(id, BASE, pfns.slice(0, 6)).status).toBe(S.SUCCESS);
  return { c, id, pfns };
}

const mapped = (c: Caller, id: bigint): number => c.machine.partition(id)?.mappedPages ?? -1;

describe('GPA calls crossing the 2^40-page limit answer the same under any rep time slice (inventory §b.1)', () => {
  it.each(SLICES)(
    'MAP_GPA_PAGES of 8 reps at 2^40 - 6, slice %s: INVALID_PARAMETER, reps 0, nothing mapped',
    (slice) => {
      const { c, id, pfns } = topMapped(slice);
      const before = [...c.machine.gpaExtents(id)];
      const a = c.mapPfns(id, BASE - 0x1000, pfns);
      expect([a.status, a.reps]).toEqual([S.SUCCESS, 8]);
      const across = c.mapPfns(id, BASE, [...pfns].reverse());
      expect([across.status, across.reps]).toEqual([S.INVALID_PARAMETER, 0]);
      expect([...c.machine.gpaExtents(id)].filter((e) => e.start >= BASE)).toEqual(
        before.filter((e) => e.start >= BASE),
      );
    },
  );

  it.each(SLICES)(
    'UNMAP_GPA_PAGES of 8 reps at 2^40 - 6, slice %s: INVALID_PARAMETER, reps 0, nothing unmapped',
    (slice) => {
      const { c, id } = topMapped(slice);
      const a = c.rep(
        UnmapGpaPages,
        { targetPartitionId: id, targetGpaBase: BigInt(BASE), unmapFlags: 0 },
        8,
      );
      expect([a.status, a.reps]).toEqual([S.INVALID_PARAMETER, 0]);
      expect(mapped(c, id)).toBe(6);
    },
  );

  it.each(SLICES)(
    'GET_GPA_PAGES_ACCESS_STATES (set accessed and dirty) of 8 reps at 2^40 - 6, slice %s: INVALID_PARAMETER, no bit set',
    (slice) => {
      const { c, id } = topMapped(slice);
      const states = (reps: number, flags: bigint) =>
        c.rep(GetGpaPagesAccessStates, { partitionId: id, flags, hvGpaPageNumber: BigInt(BASE) }, reps);
      const a = states(8, 0xan);
      expect([a.status, a.reps]).toEqual([S.INVALID_PARAMETER, 0]);
      const read = states(6, 0n);
      expect([read.status, [...read.output.bytes.subarray(0, 6)]]).toEqual([S.SUCCESS, [0, 0, 0, 0, 0, 0]]);
    },
  );
});
