/**
 * One rule for pages the hypervisor shares with the root (state and stats pages, overlays on root
 * kernel pages included): no call takes one as the root's own page. DEPOSIT_MEMORY, MAP_GPA_PAGES,
 * GET/SET_VP_STATE, MAP_STATS_PAGE2 and MAP_VP_STATE_PAGE all answer ACCESS_DENIED at that page
 * (adapters/simulated/README.md, "Model choices"), whatever the order of the calls and however the
 * PFNs group into runs.
 */
import { describe, expect, it } from 'vitest';
import { HV_STATS_AREA, HV_STATS_OBJECT } from '../../src/hv/flags/HvStats.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import { GetVpState, MapStatsPage2, MapVpStatePage, SetVpState } from '../../src/hv/hypercalls/index.js';
import { Caller, expand, lapicStateThrough, smallMachine } from './harness.js';

/** A partition with VP 0, two contiguous root kernel pages [a, b], and b the VP's stats overlay. */
function overlayOnSecondOfTwo(): { c: Caller; id: bigint; a: number; b: number } {
  const c = new Caller(smallMachine());
  const id = c.readyPartition();
  expect(c.createVp(id, 0).status).toBe(S.SUCCESS);
  c.deposit(id, 64);
  const runs = c.machine.host.allocPages(2);
  if (runs === null) throw new Error('host out of memory');
  const [a = -1, b = -1] = expand(runs);
  expect(b).toBe(a + 1);
  const overlay = c.call(MapStatsPage2, {
    type: HV_STATS_OBJECT.VP,
    identityPartitionId: id,
    identityVpIndex: 0,
    identityFlags: 0,
    identityStatsAreaType: HV_STATS_AREA.SELF,
    mapLocation: BigInt(b),
  });
  expect(overlay.status).toBe(S.SUCCESS);
  return { c, id, a, b };
}

const ownerOf = (c: Caller, pfn: number): string | undefined =>
  [...c.machine.hostExtents()].find((e) => e.start <= pfn && pfn < e.end)?.kind;

describe('DEPOSIT_MEMORY tests every page of a run against the pages shared with the root (README, Model choices)', () => {
  it('DEPOSIT [a, b] with b a stats overlay: ACCESS_DENIED, reps 1, a deposited and b still the root’s', () => {
    const { c, id, a, b } = overlayOnSecondOfTwo();
    const both = c.depositPfns(id, [a, b]);
    expect([both.status, both.reps]).toEqual([S.ACCESS_DENIED, 1]);
    expect([ownerOf(c, a), ownerOf(c, b)]).toEqual(['pool', 'kernel']);
    expect(c.machine.audit().violations).toEqual([]);
  });

  it('answers as it does for the same PFNs one per call (the result does not depend on run grouping)', () => {
    const { c, id, a, b } = overlayOnSecondOfTwo();
    expect(c.depositPfns(id, [a]).status).toBe(S.SUCCESS);
    const alone = c.depositPfns(id, [b]);
    expect([alone.status, alone.reps]).toEqual([S.ACCESS_DENIED, 0]);
  });
});

describe('MAP_GPA_PAGES and GET/SET_VP_STATE refuse a page shared with the root (README, Model choices)', () => {
  it('MAP_GPA_PAGES of a stats overlay: ACCESS_DENIED at that rep, the root page before it mapped', () => {
    const { c, id, a, b } = overlayOnSecondOfTwo();
    const m = c.mapPfns(id, 0x1000, [a, b]);
    expect([m.status, m.reps]).toEqual([S.ACCESS_DENIED, 1]);
    expect(c.mapPfns(id, 0x2000, [b]).status).toBe(S.ACCESS_DENIED);
    expect(c.machine.audit().mappedPages).toBe(1);
  });

  it('the order of calls does not matter: overlay then map is refused as map then overlay is', () => {
    const { c, id, a } = overlayOnSecondOfTwo();
    expect(c.mapPfns(id, 0x1000, [a]).status).toBe(S.SUCCESS);
    const provided = c.call(MapVpStatePage, {
      partitionId: id,
      vpIndex: 0,
      type: 0,
      inputVtl: 0,
      flags: 1,
      requestedMapLocation: BigInt(a),
    });
    expect(provided.status).toBe(S.ACCESS_DENIED);
  });

  it('GET_VP_STATE into a stats overlay is ACCESS_DENIED and leaves the stats page as it was', () => {
    const { c, id, b } = overlayOnSecondOfTwo();
    const before = [...c.machine.host.physPage(b).bytes];
    expect(lapicStateThrough(c, GetVpState, id, b).status).toBe(S.ACCESS_DENIED);
    expect([...c.machine.host.physPage(b).bytes]).toEqual(before);
  });

  it('SET_VP_STATE from a stats overlay is ACCESS_DENIED', () => {
    const { c, id, b } = overlayOnSecondOfTwo();
    expect(lapicStateThrough(c, SetVpState, id, b).status).toBe(S.ACCESS_DENIED);
  });
});
