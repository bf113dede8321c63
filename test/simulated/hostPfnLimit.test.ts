/**
 * A host page number at or beyond 2^40 (outside the 52-bit physical address space) is
 * INVALID_PARAMETER from every handler that takes one, as adapters/simulated/README.md ("Model
 * choices") documents for DEPOSIT_MEMORY.
 */
import { describe, expect, it } from 'vitest';
import { HV_MODIFY_SPA_PAGE_HOST_ACCESS } from '../../src/hv/flags/HvMapGpaFlag.js';
import { HV_STATS_AREA, HV_STATS_OBJECT } from '../../src/hv/flags/HvStats.js';
import { hvStatusName } from '../../src/hv/HvStatus.js';
import {
  AcquireSparseSpaPageHostAccess,
  GetVpState,
  MapStatsPage2,
  MapVpStatePage,
  ReleaseSparseSpaPageHostAccess,
  SetVpState,
} from '../../src/hv/hypercalls/index.js';
import {
  ALL_CREATION_FLAGS,
  type Answer,
  Caller,
  lapicStateThrough,
  pfnList,
  smallMachine,
} from './harness.js';

const PFN_2_40 = 2 ** 40;
const SNP = 2n;

/** An initialized partition (SNP, so the host-access calls get past their isolation check) with VP 0. */
function vp0(): { c: Caller; id: bigint } {
  const c = new Caller(smallMachine());
  const id = c.readyPartition(ALL_CREATION_FLAGS, SNP);
  expect(c.createVp(id, 0).status).toBe(0);
  c.deposit(id, 64);
  return { c, id };
}

const CALLS: readonly (readonly [string, (c: Caller, id: bigint, pfn: number) => Answer])[] = [
  ['DEPOSIT_MEMORY', (c, id, pfn) => c.depositPfns(id, [pfn])],
  ['MAP_GPA_PAGES', (c, id, pfn) => c.mapPfns(id, 0, [pfn])],
  [
    'MAP_STATS_PAGE2',
    (c, id, pfn) =>
      c.call(MapStatsPage2, {
        type: HV_STATS_OBJECT.VP,
        identityPartitionId: id,
        identityVpIndex: 0,
        identityFlags: 0,
        identityStatsAreaType: HV_STATS_AREA.SELF,
        mapLocation: BigInt(pfn),
      }),
  ],
  [
    'MAP_VP_STATE_PAGE (provided)',
    (c, id, pfn) =>
      c.call(MapVpStatePage, {
        partitionId: id,
        vpIndex: 0,
        type: 0,
        inputVtl: 0,
        flags: 1,
        requestedMapLocation: BigInt(pfn),
      }),
  ],
  ['GET_VP_STATE', (c, id, pfn) => lapicStateThrough(c, GetVpState, id, pfn)],
  ['SET_VP_STATE', (c, id, pfn) => lapicStateThrough(c, SetVpState, id, pfn)],
  [
    'RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS',
    (c, id, pfn) =>
      c.call(
        ReleaseSparseSpaPageHostAccess,
        { hostAccess: 0, flags: HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_EXCLUSIVE, partitionId: id },
        { repCount: 1, list: pfnList([pfn]) },
      ),
  ],
  [
    'ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS',
    (c, _id, pfn) =>
      c.call(
        AcquireSparseSpaPageHostAccess,
        { hostAccess: 3, flags: HV_MODIFY_SPA_PAGE_HOST_ACCESS.MAKE_SHARED, partitionId: 0n },
        { repCount: 1, list: pfnList([pfn]) },
      ),
  ],
];

describe('a host PFN at or beyond 2^40 is INVALID_PARAMETER from every handler (README, Model choices: DEPOSIT_MEMORY)', () => {
  it.each(CALLS)('%s answers INVALID_PARAMETER for PFN 2^40', (_name, call) => {
    const { c, id } = vp0();
    const a = call(c, id, PFN_2_40);
    expect(hvStatusName(a.status)).toBe('INVALID_PARAMETER');
    expect(a.reps).toBe(0);
    expect(c.machine.audit().violations).toEqual([]);
  });
});
