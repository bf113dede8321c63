import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import { CreateVpInput } from '../../../src/hv/hypercalls/CreateVp.js';
import { DeleteVpInput } from '../../../src/hv/hypercalls/DeleteVp.js';
import { MapStatsPageInput } from '../../../src/hv/hypercalls/MapStatsPage.js';
import { MapVpStatePageInput } from '../../../src/hv/hypercalls/MapVpStatePage.js';
import { UnmapVpStatePageInput } from '../../../src/hv/hypercalls/UnmapVpStatePage.js';
import { createVp } from '../../../src/pipeline/driver/createVp.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import { FIRST_MAPPED_PFN, ROOT, facts, inputOf, vpRig } from './vpRig.js';

const { HV_STATS_OBJECT } = facts.flags_enums;

/** A short label per call: name plus the state-page type or stats area it acts on. */
function label(e: HypercallEvent): string {
  const v = inputOf(e);
  if (e.name === 'MAP_VP_STATE_PAGE' || e.name === 'UNMAP_VP_STATE_PAGE')
    return `${e.name}:${['registers', 'intercept'][v.getUint16(12, true)] ?? '?'}`;
  if (e.name === 'MAP_STATS_PAGE' || e.name === 'UNMAP_STATS_PAGE')
    return `${e.name}:${['self', 'parent'][v.getUint8(8 + 15)] ?? '?'}`;
  return e.name;
}

const CREATE_SEQUENCE = [
  'DEPOSIT_MEMORY',
  'CREATE_VP',
  'MAP_VP_STATE_PAGE:intercept',
  'MAP_VP_STATE_PAGE:registers',
  'MAP_STATS_PAGE:self',
  'MAP_STATS_PAGE:parent',
];

describe('MSHV_CREATE_VP (inventory §c.5, facts create_vp_order)', () => {
  it('deposits 90 pages into the child, then CREATE_VP, intercept page, register page, stats self, parent', () => {
    const r = vpRig();
    const res = createVp(r.env, r.pt, 7, 11);
    expect(res.ok).toBe(true);
    expect(r.events.map(label)).toEqual(CREATE_SEQUENCE);
    expect(r.deposits).toEqual([[r.pt.id, facts.deposit_counts.CREATE_VP_UPFRONT]]);
    const [, create, intercept, registers, self, parent] = r.events as [HypercallEvent, ...HypercallEvent[]];
    expect(CreateVpInput.decode(inputOf(create!))).toEqual({
      partitionId: r.pt.id,
      vpIndex: 7,
      subnodeType: 0,
      subnodeId: 0n,
      proximityDomainInfo: 0n,
      flags: 0n,
    });
    for (const e of [intercept!, registers!]) expect(MapVpStatePageInput.decode(inputOf(e)).inputVtl).toBe(0);
    for (const e of [self!, parent!]) {
      const v = MapStatsPageInput.decode(inputOf(e));
      expect([v.type, v.identityPartitionId, v.identityVpIndex]).toEqual([HV_STATS_OBJECT.VP, r.pt.id, 7]);
    }
  });

  it('records every mapped PFN and fills the slot with a partition reference', () => {
    const r = vpRig();
    const res = createVp(r.env, r.pt, 7, 11);
    if (!res.ok) throw new Error(res.error.message);
    const vp = res.value;
    expect([vp.index, vp.fd]).toEqual([7, 11]);
    expect([...vp.statePages]).toEqual([
      [1, FIRST_MAPPED_PFN],
      [0, FIRST_MAPPED_PFN + 1n],
    ]);
    expect([...vp.statsPages]).toEqual([
      [0, FIRST_MAPPED_PFN + 2n],
      [1, FIRST_MAPPED_PFN + 3n],
    ]);
    expect(r.pt.vps.get(7)).toBe(vp);
    expect(r.pt.refs).toBe(2);
  });

  it('makes no upfront deposit when the target is the root partition (hv_proc.c)', () => {
    const r = vpRig('core-smt', ROOT);
    expect(createVp(r.env, r.pt, 0, 4).ok).toBe(true);
    expect(r.events.map(label)).toEqual(CREATE_SEQUENCE.slice(1));
  });

  it('answers INSUFFICIENT_MEMORY with 1-page deposits: child for CREATE_VP and state pages, root for stats', () => {
    const r = vpRig();
    const short = () => ({ result: HvStatus.INSUFFICIENT_MEMORY });
    r.port.script(HypercallCode.CREATE_VP, short);
    r.port.script(HypercallCode.MAP_VP_STATE_PAGE, short);
    r.port.script(HypercallCode.MAP_STATS_PAGE, short);
    expect(createVp(r.env, r.pt, 1, 4).ok).toBe(true);
    const one = facts.deposit_counts.DEFAULT_RETRY;
    expect(r.deposits).toEqual([
      [r.pt.id, facts.deposit_counts.CREATE_VP_UPFRONT],
      [r.pt.id, one],
      [r.pt.id, one],
      [ROOT, one],
    ]);
  });

  it.each([
    [facts.limits.MSHV_MAX_VPS, 'EINVAL'],
    [facts.limits.MSHV_MAX_VPS + 1000, 'EINVAL'],
    [-1, 'EINVAL'],
    [1.5, 'EINVAL'],
  ] as const)('rejects vp_index %s with %s before any hypercall (§d)', (index, errno) => {
    const r = vpRig();
    const res = createVp(r.env, r.pt, index, 4);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe(errno);
    expect(r.events).toEqual([]);
  });

  it('accepts the last index, MSHV_MAX_VPS - 1, and answers EEXIST on reuse without a hypercall', () => {
    const r = vpRig();
    const last = facts.limits.MSHV_MAX_VPS - 1;
    expect(createVp(r.env, r.pt, last, 4).ok).toBe(true);
    const before = r.events.length;
    const again = createVp(r.env, r.pt, last, 5);
    expect(again.ok ? 'ok' : again.error.errnoName).toBe('EEXIST');
    expect(r.events.length).toBe(before);
    expect(r.pt.vps.get(last)?.fd).toBe(4);
    expect(r.pt.refs).toBe(2);
  });
});

/**
 * Make the call at 0-based position `at` answer `status`: onCall runs before the port looks up its
 * script, so the answer scripted there is the one that call consumes.
 */
function failCall(r: ReturnType<typeof vpRig>, at: number, status: number): void {
  let n = 0;
  r.port.onCall = (c) => {
    if (n === at) r.port.script(c.code, () => ({ result: status }));
    n += 1;
  };
}

/** The failing call (by position in the create sequence) and the unwind the kernel issues after it. */
const UNWIND: readonly (readonly [string, number, readonly string[]])[] = [
  ['CREATE_VP', 1, []],
  ['MAP_VP_STATE_PAGE intercept', 2, ['DELETE_VP']],
  ['MAP_VP_STATE_PAGE registers', 3, ['UNMAP_VP_STATE_PAGE:intercept', 'DELETE_VP']],
  ['MAP_STATS_PAGE self', 4, ['UNMAP_VP_STATE_PAGE:registers', 'UNMAP_VP_STATE_PAGE:intercept', 'DELETE_VP']],
  [
    'MAP_STATS_PAGE parent',
    5,
    ['UNMAP_STATS_PAGE:self', 'UNMAP_VP_STATE_PAGE:registers', 'UNMAP_VP_STATE_PAGE:intercept', 'DELETE_VP'],
  ],
];

describe('MSHV_CREATE_VP unwinding (inventory §c.5 "strictly reverse", §d release obligations)', () => {
  it.each(UNWIND)('%s fails: undo in strict reverse and leave no state', (_step, at, undo) => {
    const r = vpRig();
    failCall(r, at, HvStatus.ACCESS_DENIED);
    const res = createVp(r.env, r.pt, 9, 4);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect([res.error.errnoName, res.error.hvStatus, res.error.op]).toEqual([
      'EIO',
      HvStatus.ACCESS_DENIED,
      'MSHV_CREATE_VP',
    ]);
    expect(r.events.map(label)).toEqual([...CREATE_SEQUENCE.slice(0, at + 1), ...undo]);
    expect(r.pt.vps.size).toBe(0);
    expect(r.pt.refs).toBe(1);
    for (const e of r.events.slice(at + 1)) {
      if (e.name === 'DELETE_VP') {
        expect(e.fast).toBe(true);
        expect(DeleteVpInput.decode(inputOf(e))).toEqual({ partitionId: r.pt.id, vpIndex: 9 });
      } else if (e.name === 'UNMAP_VP_STATE_PAGE') {
        expect(UnmapVpStatePageInput.decode(inputOf(e)).vpIndex).toBe(9);
      }
    }
  });

  it('returns the deposit errno and issues nothing else when the 90-page deposit fails', () => {
    const r = vpRig();
    r.failAllocs(true);
    const res = createVp(r.env, r.pt, 0, 4);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('ENOMEM');
    expect(r.events).toEqual([]);
    expect(r.pt.vps.size).toBe(0);
  });

  it('returns the retry deposit errno when a 1-page deposit for CREATE_VP fails', () => {
    const r = vpRig();
    r.port.script(HypercallCode.CREATE_VP, () => ({ result: HvStatus.INSUFFICIENT_MEMORY }));
    r.port.script(
      HypercallCode.DEPOSIT_MEMORY,
      () => ({ result: 0 }),
      () => ({ result: HvStatus.INVALID_PARTITION_ID, reps: 0 }),
    );
    const res = createVp(r.env, r.pt, 0, 4);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('EINVAL');
    expect(r.names()).toEqual(['DEPOSIT_MEMORY', 'CREATE_VP', 'DEPOSIT_MEMORY']);
  });

  it('unwinds everything with EBADF when the partition reference count is already 0 (§d)', () => {
    const r = vpRig();
    r.pt.refs = 0;
    const res = createVp(r.env, r.pt, 2, 4);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe('EBADF');
    expect(r.events.map(label).slice(CREATE_SEQUENCE.length)).toEqual([
      'UNMAP_STATS_PAGE:self',
      'UNMAP_STATS_PAGE:parent',
      'UNMAP_VP_STATE_PAGE:registers',
      'UNMAP_VP_STATE_PAGE:intercept',
      'DELETE_VP',
    ]);
    expect(r.pt.vps.size).toBe(0);
  });

  it('property: any failing step leaves pt.vps and refs as they were, and a later create succeeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 255 }), (at, index) => {
        const r = vpRig();
        failCall(r, at, HvStatus.INVALID_PARAMETER);
        const res = createVp(r.env, r.pt, index, 4);
        r.port.onCall = undefined;
        expect(res.ok).toBe(false);
        expect([r.pt.vps.size, r.pt.refs]).toEqual([0, 1]);
        expect(createVp(r.env, r.pt, index, 5).ok).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
