/**
 * MAP_GPA_PAGES counts as completed only reps it mapped (inventory §b.1: reps completed is an absolute
 * index, and on a failure the status carries how many reps succeeded). A run of consecutive PFNs that
 * is valid rep by rep (an MMIO page next to a RAM page) maps exactly as the same PFNs issued one per
 * call, and no page-table page is charged without a mapping.
 */
import { describe, expect, it } from 'vitest';
import { HV_MAP_GPA } from '../../src/hv/flags/HvMapGpaFlag.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import { MapGpaPages, WithdrawMemory } from '../../src/hv/hypercalls/index.js';
import { HV_PARTITION_ID_SELF } from '../../src/hv/ids.js';
import { type Answer, Caller, pfnList, smallMachine } from './harness.js';

const NC_RW = HV_MAP_GPA.NOT_CACHED | HV_MAP_GPA.READABLE | HV_MAP_GPA.WRITABLE;
/** The last page of the MMIO hole below RAM (RAM starts at 1 MiB) and the first RAM page. */
const MMIO = 255;
const RAM = 256;

/**
 * A machine whose first RAM page is an ordinary root kernel page: the root pool's pages are withdrawn
 * and kept by the root kernel (not freed), so PFN 256 sits right after the MMIO hole.
 */
function rootPageAfterHole(): { c: Caller; id: bigint } {
  const c = new Caller(smallMachine());
  const id = c.readyPartition();
  c.deposit(id, 64);
  for (;;) {
    const w = c.call(
      WithdrawMemory,
      { partitionId: HV_PARTITION_ID_SELF, proximityDomainInfo: 0n },
      { repCount: 512 },
    );
    if (w.status !== S.SUCCESS) break;
  }
  const extents = [...c.machine.hostExtents()];
  expect(extents.find((e) => e.start <= MMIO && MMIO < e.end)).toBeUndefined();
  expect(extents.find((e) => e.start <= RAM && RAM < e.end)?.kind).toBe('kernel');
  return { c, id };
}

/** One MAP_GPA_PAGES call of `pfns` at `gfn`, NOT_CACHED | R | W. */
const mapOnce = (c: Caller, id: bigint, gfn: number, pfns: readonly number[]): Answer =>
  c.call(
    MapGpaPages,
    { targetPartitionId: id, targetGpaBase: BigInt(gfn), mapFlags: NC_RW },
    { repCount: pfns.length, list: pfnList(pfns) },
  );

/** Which of the GFNs [gfn, gfn + n) the partition maps, as a string of Y and n. */
function mappedAt(c: Caller, id: bigint, gfn: number, n: number): string {
  const extents = [...c.machine.gpaExtents(id)];
  let out = '';
  for (let g = gfn; g < gfn + n; g++) out += extents.some((e) => e.start <= g && g < e.end) ? 'Y' : 'n';
  return out;
}

describe('MAP_GPA_PAGES: every rep counted as completed is mapped (inventory §b.1, reps completed)', () => {
  it('maps an MMIO page and the RAM page after it in one call, reps 2, both mapped', () => {
    const { c, id } = rootPageAfterHole();
    const a = mapOnce(c, id, 0x300, [MMIO, RAM]);
    expect([a.status, a.reps]).toEqual([S.SUCCESS, 2]);
    expect(mappedAt(c, id, 0x300, 2)).toBe('YY');
    expect(c.machine.audit().violations).toEqual([]);
  });

  it('maps such a run exactly as the same PFNs issued one per call (same extents, same page tables)', () => {
    const { c, id } = rootPageAfterHole();
    const other = c.readyPartition();
    c.deposit(other, 64);
    expect(mapOnce(c, id, 0x10000, [MMIO, RAM]).status).toBe(S.SUCCESS);
    expect(mapOnce(c, other, 0x10000, [MMIO]).status).toBe(S.SUCCESS);
    expect(mapOnce(c, other, 0x10001, [RAM]).status).toBe(S.SUCCESS);
    expect([...c.machine.gpaExtents(id)]).toEqual([...c.machine.gpaExtents(other)]);
    expect(c.machine.partition(id)?.slatPages).toBe(c.machine.partition(other)?.slatPages);
    // A fresh 2 MiB region: its table pages are charged for the mappings made, no more.
    expect(c.machine.audit().violations).toEqual([]);
  });

  it('does not skip the entries after such a run: [7, 255, 256, 9] maps all four', () => {
    const { c, id } = rootPageAfterHole();
    const a = mapOnce(c, id, 0x400, [7, MMIO, RAM, 9]);
    expect([a.status, a.reps]).toEqual([S.SUCCESS, 4]);
    expect(mappedAt(c, id, 0x400, 4)).toBe('YYYY');
    expect(c.machine.audit().violations).toEqual([]);
  });

  it('stops at the first rep it refuses, with the reps before it mapped and nothing after', () => {
    const { c, id } = rootPageAfterHole();
    const free = [...c.machine.hostExtents()].find((e) => e.kind === 'free')?.start ?? -1;
    const a = mapOnce(c, id, 0x500, [MMIO, RAM, free, 9]);
    expect([a.status, a.reps]).toEqual([S.ACCESS_DENIED, 2]);
    expect(mappedAt(c, id, 0x500, 4)).toBe('YYnn');
    expect(c.machine.audit().violations).toEqual([]);
  });
});
