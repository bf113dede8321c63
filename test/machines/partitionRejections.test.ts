import { describe, expect, it } from 'vitest';
import type { ErrnoName } from '../../src/hv/Errno.js';
import type { PartitionEvent } from '../../machines/partition/PartitionEvent.js';
import { DIRTY_BITMAP_PAGES_MAX, PARTITION_RULE_ERRNO } from '../../machines/partition/partitionGuards.js';
import {
  type PSnap,
  build,
  complete,
  configured,
  factsMaxVps,
  paused,
  pStart,
  pStep,
  rejectionsOf,
  running,
} from './drive.js';

interface Case {
  readonly name: string;
  readonly at: () => PSnap;
  readonly req: PartitionEvent;
  readonly errno: ErrnoName;
  readonly rule: string;
}

const inFlight = (s: PSnap, req: PartitionEvent): PSnap => pStep(s, req).snapshot;
const initialized = (): PSnap => build(pStart(), [{ type: 'INITIALIZE' }]);
const closed = (): PSnap => build(configured(), [{ type: 'CLOSE' }]);
const pausing = (): PSnap => pStep(running(), { type: 'PAUSE' }).snapshot;
const closing = (): PSnap => pStep(configured(), { type: 'CLOSE' }).snapshot;

const CASES: readonly Case[] = [
  // One operation in flight per partition (inventory §d pt_mutex; rule 11: refused, not queued).
  {
    name: 'a second request while one is in flight',
    at: () => inFlight(configured(), { type: 'MAP_MEMORY', region: 'x' }),
    req: { type: 'CREATE_VP', vp: 7 },
    errno: 'EBUSY',
    rule: 'noOperationInFlight',
  },
  {
    name: 'INITIALIZE twice before the first answers',
    at: () => inFlight(pStart(), { type: 'INITIALIZE' }),
    req: { type: 'INITIALIZE' },
    errno: 'EBUSY',
    rule: 'noOperationInFlight',
  },
  {
    name: 'CLOSE while an operation is in flight',
    at: () => inFlight(running(), { type: 'IRQFD', assign: true }),
    req: { type: 'CLOSE' },
    errno: 'EBUSY',
    rule: 'noOperationInFlight',
  },
  // Rule 11: pause quiesces device I/O, not only VPs.
  {
    name: 'rule 11: an irqfd assign while paused (the kernel injects a signalled eventfd at once)',
    at: () => paused(),
    req: { type: 'IRQFD', assign: true },
    errno: 'EBUSY',
    rule: 'noDeviceIoWhilePaused',
  },
  // Rule 1: early properties only before initialize; post-init ones after it and before configuration.
  {
    name: 'an early property after INITIALIZE',
    at: initialized,
    req: { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 },
    errno: 'EIO',
    rule: 'earlyPropertyOnlyBeforeInitialize',
  },
  {
    // The simulated hypervisor takes PRIVILEGE_FLAGS in Created only; the machine now agrees.
    name: 'rule 1: PRIVILEGE_FLAGS (an early property) after INITIALIZE',
    at: initialized,
    req: { type: 'SET_PROPERTY', property: 'PRIVILEGE_FLAGS', value: 1 },
    errno: 'EIO',
    rule: 'earlyPropertyOnlyBeforeInitialize',
  },
  {
    name: 'a post-init property before INITIALIZE',
    at: () => pStart(),
    req: { type: 'SET_PROPERTY', property: 'UNIMPLEMENTED_MSR_ACTION', value: 1 },
    errno: 'EIO',
    rule: 'postInitPropertyOnlyAfterInitialize',
  },
  {
    name: 'a post-init property once VPs exist',
    at: () => configured(),
    req: { type: 'SET_PROPERTY', property: 'UNIMPLEMENTED_MSR_ACTION', value: 1 },
    errno: 'EPERM',
    rule: 'postInitPropertyBeforeConfiguration',
  },
  {
    name: 'TIME_FREEZE through SET_PROPERTY instead of FREEZE_TIME',
    at: () => running(),
    req: { type: 'SET_PROPERTY', property: 'TIME_FREEZE', value: 1 },
    errno: 'EINVAL',
    rule: 'propertyNotManaged',
  },
  {
    name: 'REFERENCE_TIME through SET_PROPERTY before INITIALIZE',
    at: () => pStart(),
    req: { type: 'SET_PROPERTY', property: 'REFERENCE_TIME', value: 0 },
    errno: 'EINVAL',
    rule: 'propertyNotManaged',
  },
  // §c.5, rule 10.
  {
    name: 'VP index MSHV_MAX_VPS',
    at: initialized,
    req: { type: 'CREATE_VP', vp: factsMaxVps() },
    errno: 'EINVAL',
    rule: 'vpIndexBelowMax',
  },
  {
    name: 'VP index -1',
    at: initialized,
    req: { type: 'CREATE_VP', vp: -1 },
    errno: 'EINVAL',
    rule: 'vpIndexBelowMax',
  },
  {
    name: 'VP index 1.5',
    at: initialized,
    req: { type: 'CREATE_VP', vp: 1.5 },
    errno: 'EINVAL',
    rule: 'vpIndexBelowMax',
  },
  {
    name: 'a VP slot already used',
    at: () => configured({ vps: [0, 1] }),
    req: { type: 'CREATE_VP', vp: 1 },
    errno: 'EEXIST',
    rule: 'vpSlotFree',
  },
  // §c.4.
  {
    name: 'mapping a region twice',
    at: () => configured({ regions: ['0x0'] }),
    req: { type: 'MAP_MEMORY', region: '0x0' },
    errno: 'EEXIST',
    rule: 'regionNotMapped',
  },
  {
    name: 'unmapping a region that is not mapped',
    at: () => configured({ regions: ['0x0'] }),
    req: { type: 'UNMAP_MEMORY', region: '0x1000' },
    errno: 'ENOENT',
    rule: 'regionMapped',
  },
  // Rule 10, §c.11.
  {
    name: 'a PIO ioeventfd',
    at: () => configured(),
    req: { type: 'IOEVENTFD', assign: true, pio: true },
    errno: 'EOPNOTSUPP',
    rule: 'ioeventfdNotPio',
  },
  {
    name: 'deassigning an ioeventfd that is not there',
    at: () => configured(),
    req: { type: 'IOEVENTFD', assign: false, pio: false },
    errno: 'ENOENT',
    rule: 'ioeventfdAssigned',
  },
  // Rule 2.
  {
    name: 'writing the reference time while time runs',
    at: () => configured(),
    req: { type: 'SET_REFERENCE_TIME', value: 5 },
    errno: 'EIO',
    rule: 'referenceTimeOnlyWhileFrozen',
  },
  {
    name: 'resuming after time was thawed while paused (the clock write needs it frozen)',
    at: () => build(paused(), [{ type: 'THAW_TIME' }]),
    req: { type: 'RESUME' },
    errno: 'EIO',
    rule: 'referenceTimeOnlyWhileFrozen',
  },
  // Rule 3.
  {
    name: 'freezing time while VPs run',
    at: () => running(),
    req: { type: 'FREEZE_TIME' },
    errno: 'EBUSY',
    rule: 'timeFreezeOnlyWithVpsParked',
  },
  {
    name: 'starting VPs with time frozen',
    at: () => build(configured(), [{ type: 'FREEZE_TIME' }]),
    req: { type: 'START' },
    errno: 'EPERM',
    rule: 'timeThawedBeforeVpsRun',
  },
  // Rules 3 and 8: a VP created for a restore makes START wait for the snapshot's clock.
  {
    name: 'starting a restored partition before its clock is written',
    at: () => build(initialized(), [{ type: 'CREATE_VP', vp: 0, restore: true }]),
    req: { type: 'START' },
    errno: 'EPERM',
    rule: 'restoredClockWrittenBeforeStart',
  },
  // Rule 11.
  {
    name: 'a snapshot while running',
    at: () => running(),
    req: { type: 'SNAPSHOT' },
    errno: 'EBUSY',
    rule: 'snapshotOnlyWhileQuiesced',
  },
  // Rule 7.
  {
    name: 'a dirty read before tracking is enabled',
    at: () => running(),
    req: { type: 'READ_DIRTY', pages: 1 },
    errno: 'EPERM',
    rule: 'dirtyTrackingEnabled',
  },
  {
    name: 'marking all dirty before tracking is enabled',
    at: () => running(),
    req: { type: 'MARK_ALL_DIRTY' },
    errno: 'EPERM',
    rule: 'dirtyTrackingEnabled',
  },
  {
    name: 'disabling tracking that is off',
    at: () => running(),
    req: { type: 'DISABLE_DIRTY_TRACKING' },
    errno: 'EPERM',
    rule: 'dirtyTrackingEnabled',
  },
  {
    name: 'a dirty read over 65,536 pages',
    at: () => build(running(), [{ type: 'ENABLE_DIRTY_TRACKING' }]),
    req: { type: 'READ_DIRTY', pages: DIRTY_BITMAP_PAGES_MAX + 1 },
    errno: 'EINVAL',
    rule: 'dirtyReadWithinBitmapMax',
  },
  {
    name: 'a dirty read of 0 pages',
    at: () => build(running(), [{ type: 'ENABLE_DIRTY_TRACKING' }]),
    req: { type: 'READ_DIRTY', pages: 0 },
    errno: 'EINVAL',
    rule: 'dirtyReadWithinBitmapMax',
  },
  {
    name: 'disabling tracking without marking every page dirty again',
    at: () => build(running(), [{ type: 'ENABLE_DIRTY_TRACKING' }, { type: 'READ_DIRTY', pages: 4 }]),
    req: { type: 'DISABLE_DIRTY_TRACKING' },
    errno: 'EPERM',
    rule: 'allPagesMarkedDirtyBeforeDisable',
  },
  // Phase refusals (the catch-all): pre-init, sequence, released, wrong phase, stray results.
  {
    name: 'mapping memory before INITIALIZE (hypervisor: INVALID_PARTITION_STATE, §c.3)',
    at: () => pStart(),
    req: { type: 'MAP_MEMORY', region: '0x0' },
    errno: 'EIO',
    rule: 'configurationAfterInitialize',
  },
  {
    name: 'creating a VP before INITIALIZE',
    at: () => pStart(),
    req: { type: 'CREATE_VP', vp: 0 },
    errno: 'EIO',
    rule: 'configurationAfterInitialize',
  },
  {
    name: 'START before INITIALIZE',
    at: () => pStart(),
    req: { type: 'START' },
    errno: 'EINVAL',
    rule: 'requestLegalInPhase',
  },
  {
    name: 'START with nothing configured',
    at: initialized,
    req: { type: 'START' },
    errno: 'EINVAL',
    rule: 'requestLegalInPhase',
  },
  {
    name: 'START while running',
    at: () => running(),
    req: { type: 'START' },
    errno: 'EINVAL',
    rule: 'requestLegalInPhase',
  },
  {
    name: 'PAUSE while paused',
    at: () => paused(),
    req: { type: 'PAUSE' },
    errno: 'EINVAL',
    rule: 'requestLegalInPhase',
  },
  {
    name: 'RESUME while running',
    at: () => running(),
    req: { type: 'RESUME' },
    errno: 'EINVAL',
    rule: 'requestLegalInPhase',
  },
  {
    name: 'any request while pausing',
    at: pausing,
    req: { type: 'SNAPSHOT' },
    errno: 'EBUSY',
    rule: 'noSequenceInProgress',
  },
  {
    name: 'PAUSE while its step is in flight',
    at: pausing,
    req: { type: 'PAUSE' },
    errno: 'EBUSY',
    rule: 'noOperationInFlight',
  },
  {
    name: 'RESUME while pausing',
    at: pausing,
    req: { type: 'RESUME' },
    errno: 'EBUSY',
    rule: 'noSequenceInProgress',
  },
  {
    name: 'a request while closing',
    at: closing,
    req: { type: 'CREATE_VP', vp: 4 },
    errno: 'EBADF',
    rule: 'partitionOpen',
  },
  {
    name: 'CLOSE while closing',
    at: closing,
    req: { type: 'CLOSE' },
    errno: 'EBUSY',
    rule: 'noOperationInFlight',
  },
  {
    name: 'a request once closed',
    at: closed,
    req: { type: 'INITIALIZE' },
    errno: 'EBADF',
    rule: 'partitionOpen',
  },
  { name: 'CLOSE once closed', at: closed, req: { type: 'CLOSE' }, errno: 'EBADF', rule: 'partitionOpen' },
  {
    name: 'a result with nothing in flight',
    at: () => configured(),
    req: { type: 'OP_OK', op: 'MSHV_CREATE_VP' },
    errno: 'EINVAL',
    rule: 'resultMatchesInflight',
  },
  {
    name: 'a result for another operation',
    at: () => inFlight(configured(), { type: 'CREATE_VP', vp: 5 }),
    req: { type: 'OP_FAILED', op: 'MSHV_SET_GUEST_MEMORY', errno: 'EIO' },
    errno: 'EINVAL',
    rule: 'resultMatchesInflight',
  },
  {
    name: 'a result for another step while pausing',
    at: pausing,
    req: { type: 'OP_OK', op: 'QUIESCE_DEVICES' },
    errno: 'EINVAL',
    rule: 'resultMatchesInflight',
  },
  {
    name: 'an unknown event type',
    at: () => running(),
    req: { type: 'REBOOT' } as unknown as PartitionEvent,
    errno: 'EINVAL',
    rule: 'knownRequest',
  },
];

describe('partition machine: illegal requests are rejected with their errno, snapshot unchanged', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.errno} (${c.rule})`, () => {
      const before = c.at();
      const { snapshot, emitted } = pStep(before, c.req);
      expect(emitted).toEqual([{ type: 'rejected', request: c.req.type, errno: c.errno, rule: c.rule }]);
      expect(snapshot).toBe(before);
    });
  }

  it('every rule guard has a case, with the errno its table gives', () => {
    for (const [rule, errno] of Object.entries(PARTITION_RULE_ERRNO)) {
      const hits = CASES.filter((c) => c.rule === rule);
      expect(hits.length, rule).toBeGreaterThan(0);
      for (const c of hits) expect(c.errno, rule).toBe(errno);
    }
  });

  it('a refused request is not queued: after the operation in flight completes nothing else runs', () => {
    const s = inFlight(configured(), { type: 'MAP_MEMORY', region: 'x' });
    const refused = pStep(s, { type: 'CREATE_VP', vp: 7 });
    const done = pStep(refused.snapshot, { type: 'OP_OK', op: 'MSHV_SET_GUEST_MEMORY' });
    expect(done.emitted).toEqual([]);
    expect(done.snapshot.context.vps).not.toContain(7);
  });

  it('the same request is accepted once its rule is met (snapshot after pause)', () => {
    expect(complete(paused(), { type: 'SNAPSHOT' }).commands.map((c) => c.op)).toEqual(['SNAPSHOT']);
  });
});

describe('partition machine: a restored partition starts once its clock is written (rules 3, 8)', () => {
  const restored = (): PSnap => build(initialized(), [{ type: 'CREATE_VP', vp: 0, restore: true }]);

  it('takes START after freeze, SET_REFERENCE_TIME and thaw, and the context keeps no trace of the wait', () => {
    const s = build(restored(), [
      { type: 'FREEZE_TIME' },
      { type: 'SET_REFERENCE_TIME', value: '0x10' },
      { type: 'THAW_TIME' },
    ]);
    expect(s.context.clockToRestore).toBeUndefined();
    // A persisted snapshot reads as one from before the rule: no field at all.
    expect(Object.keys(JSON.parse(JSON.stringify(s.context)) as object)).not.toContain('clockToRestore');
    expect(rejectionsOf(pStep(s, { type: 'START' }).emitted)).toEqual([]);
  });

  it('a failed SET_REFERENCE_TIME leaves the wait in place', () => {
    const frozen = build(restored(), [{ type: 'FREEZE_TIME' }]);
    const inflight = pStep(frozen, { type: 'SET_REFERENCE_TIME', value: '0x10' }).snapshot;
    const failed = pStep(inflight, {
      type: 'OP_FAILED',
      op: 'SET_PARTITION_PROPERTY',
      errno: 'EIO',
    }).snapshot;
    expect(failed.context.clockToRestore).toBe(true);
  });

  it('a VP created without restore makes no wait', () => {
    expect(build(initialized(), [{ type: 'CREATE_VP', vp: 0 }]).context.clockToRestore).toBeUndefined();
  });
});
