import { describe, expect, it } from 'vitest';
import type { ErrnoName } from '../../src/hv/Errno.js';
import { HVMSG } from '../../src/hv/flags/HvMessageType.js';
import type { PartitionPhase } from '../../machines/partition/PartitionContext.js';
import { EXIT_KINDS, EXIT_MESSAGE, type ExitKind } from '../../machines/vp/ExitKind.js';
import { VP_FLAG } from '../../machines/vp/VpContext.js';
import type { VpEvent } from '../../machines/vp/VpEvent.js';
import { VP_RULE_ERRNO } from '../../machines/vp/vpGuards.js';
import { VP_STATE_PARTS, type VpStatePart } from '../../machines/vp/VpStatePart.js';
import { type VSnap, vStart, vStep } from './drive.js';

const RUN: VpEvent = { type: 'RUN', partition: 'running' };

/** Send each event; every one must be accepted (no rejection). */
function drive(s: VSnap, events: readonly VpEvent[]): VSnap {
  return events.reduce((snap, e) => {
    const step = vStep(snap, e);
    const refused = step.emitted.filter((x) => x.type === 'rejected');
    if (refused.length > 0) throw new Error(`${e.type} refused: ${JSON.stringify(refused)}`);
    return step.snapshot;
  }, s);
}

const ready = (index = 0, scheduler: 'hv' | 'root' = 'hv'): VSnap =>
  drive(vStart(index, scheduler), [{ type: 'READY' }]);
const exited = (exit: ExitKind, scheduler: 'hv' | 'root' = 'hv'): VSnap =>
  drive(ready(0, scheduler), [RUN, { type: 'OP_OK', op: 'MSHV_RUN_VP', exit }]);
const interrupted = (): VSnap =>
  drive(ready(), [RUN, { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR' }]);
const setState = (s: VSnap, part: VpStatePart): VSnap => {
  const step = vStep(s, { type: 'SET_STATE', part });
  const cmd = step.emitted[0];
  if (cmd?.type !== 'op') throw new Error(`SET_STATE ${part} refused: ${JSON.stringify(step.emitted)}`);
  return drive(step.snapshot, [{ type: 'OP_OK', op: cmd.op }]);
};

describe('VP machine: legal paths (inventory §c.5–§c.7)', () => {
  it('created → idle → running → exit → running → … → deleted, emitting MSHV_RUN_VP per run', () => {
    let s = vStart(3, 'hv');
    expect(s.value).toBe('created');
    s = drive(s, [{ type: 'READY' }]);
    expect(s.value).toBe('idle');
    const run = vStep(s, RUN);
    expect(run.emitted).toEqual([
      { type: 'op', op: 'MSHV_RUN_VP', args: { partition: 'running', scheduler: 'hv', vp: 3 } },
    ]);
    expect(run.snapshot.value).toBe('running');
    s = drive(run.snapshot, [{ type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' }]);
    expect(s.value).toBe('exit');
    expect(s.context.last).toBe('HALT');
    s = drive(s, [RUN, { type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'CPUID' }, { type: 'DELETE' }]);
    expect(s.value).toBe('deleted');
  });

  for (const exit of EXIT_KINDS) {
    it(`exit ${exit} is typed and names hypervisor message ${EXIT_MESSAGE[exit]}`, () => {
      expect(Object.hasOwn(HVMSG, EXIT_MESSAGE[exit])).toBe(true);
      const s = exited(exit);
      expect(s.value).toBe('exit');
      expect(s.context.last).toBe(exit);
    });
  }

  for (const errno of ['EINTR', 'EAGAIN'] as const) {
    it(`a run that fails ${errno} goes to interrupted and may run again (rule 4)`, () => {
      let s = drive(ready(), [RUN, { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno }]);
      expect(s.value).toBe('interrupted');
      expect(s.context.last).toBe(errno);
      s = drive(s, [RUN]);
      expect(s.value).toBe('running');
    });
  }

  const before: [string, () => VSnap][] = [
    ['idle', () => ready()],
    ['exit', () => exited('MMIO')],
    ['interrupted', interrupted],
  ];
  for (const [name, at] of before) {
    it(`a run that fails otherwise (EFAULT) returns to ${name} with the same context`, () => {
      const s0 = at();
      const back = drive(s0, [RUN, { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EFAULT' }]);
      expect(back.value).toBe(s0.value);
      expect(back.context).toEqual(s0.context);
    });

    it(`PARK from ${name} suspends; UNPARK returns to ${name}`, () => {
      const s0 = at();
      const parked = drive(s0, [{ type: 'PARK' }]);
      expect(parked.value).toBe('suspended');
      const back = drive(parked, [{ type: 'UNPARK' }]);
      expect(back.value).toBe(s0.value);
      expect(back.context).toEqual(s0.context);
    });
  }

  it('PARK and UNPARK where they mean nothing are no-ops (the same snapshot, nothing emitted)', () => {
    for (const [s, e] of [
      [vStart(), { type: 'PARK' }],
      [ready(), { type: 'UNPARK' }],
      [drive(ready(), [{ type: 'PARK' }]), { type: 'PARK' }],
    ] as const) {
      const step = vStep(s, e);
      expect(step.emitted).toEqual([]);
      expect(step.snapshot).toBe(s);
    }
  });

  it('PARK while running kicks the thread and, whatever the run returns, the VP ends suspended (rule 4)', () => {
    const runningVp = drive(ready(2), [RUN]);
    const parked = vStep(runningVp, { type: 'PARK' });
    expect(parked.emitted).toEqual([{ type: 'op', op: 'VP_KICK', args: { vp: 2 } }]);
    expect(parked.snapshot.value).toBe('running');
    // No sticky cancel in /dev/mshv: the canceller re-signals until the VP acknowledges.
    expect(vStep(parked.snapshot, { type: 'PARK' }).emitted).toEqual([
      { type: 'op', op: 'VP_KICK', args: { vp: 2 } },
    ]);
    // The kick was lost (it came before MSHV_RUN_VP entered the guest): the run ends with an intercept.
    const lost = drive(parked.snapshot, [{ type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' }]);
    expect(lost.value).toBe('suspended');
    expect(lost.context).toMatchObject({ last: 'HALT', stopRequested: false });
    expect(drive(lost, [{ type: 'UNPARK' }]).value).toBe('exit');
    const signalled = drive(parked.snapshot, [{ type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR' }]);
    expect(signalled.value).toBe('suspended');
    expect(drive(signalled, [{ type: 'UNPARK' }]).value).toBe('interrupted');
  });

  it('UNPARK before the run returns cancels the stop; a kick result is ignored', () => {
    const s = drive(ready(), [RUN, { type: 'PARK' }, { type: 'UNPARK' }]);
    const kickDone = vStep(s, { type: 'OP_OK', op: 'VP_KICK' });
    expect(kickDone.snapshot).toBe(s);
    expect(kickDone.emitted).toEqual([]);
    expect(drive(s, [{ type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'IO_PORT' }]).value).toBe('exit');
    const idleKick = ready();
    expect(vStep(idleKick, { type: 'OP_FAILED', op: 'VP_KICK', errno: 'EINTR' }).snapshot).toBe(idleKick);
  });

  it('DELETE from every state but running', () => {
    for (const s of [vStart(), ready(), exited('HALT'), interrupted(), drive(ready(), [{ type: 'PARK' }])])
      expect(drive(s, [{ type: 'DELETE' }]).value).toBe('deleted');
  });

  it('state reads and writes go to MSHV_GET/SET_VP_STATE or the register calls (§c.7)', () => {
    const s = ready(0);
    expect(vStep(s, { type: 'GET_STATE', part: 'XSAVE' }).emitted).toEqual([
      { type: 'op', op: 'MSHV_GET_VP_STATE', args: { part: 'XSAVE', vp: 0 } },
    ]);
    expect(vStep(s, { type: 'SET_STATE', part: 'SPECIAL_REGISTERS', detail: { cr0: 17 } }).emitted).toEqual([
      { type: 'op', op: 'SET_VP_REGISTERS', args: { cr0: 17, part: 'SPECIAL_REGISTERS', vp: 0 } },
    ]);
    // Rule 8 restores the misc registers on VP 0 only; any VP reads them (a snapshot saves VP 0's).
    expect(vStep(ready(2), { type: 'GET_STATE', part: 'MISC_REGISTERS' }).emitted).toEqual([
      { type: 'op', op: 'GET_VP_REGISTERS', args: { part: 'MISC_REGISTERS', vp: 2 } },
    ]);
  });

  it('a failed state write leaves the snapshot value and context as before', () => {
    const s0 = vStart(0);
    const started = vStep(s0, { type: 'SET_STATE', part: 'MSRS' });
    const failed = vStep(started.snapshot, { type: 'OP_FAILED', op: 'SET_VP_REGISTERS', errno: 'EINVAL' });
    expect(failed.snapshot.value).toBe(s0.value);
    expect(failed.snapshot.context).toEqual(s0.context);
  });
});

describe('VP machine: the two schedulers (inventory §c.6)', () => {
  it('root: DISPATCH_VP flags follow the VP-flags word', () => {
    let s = ready(1, 'root');
    let step = vStep(s, RUN);
    expect(step.emitted[0]).toEqual({
      type: 'op',
      op: 'MSHV_RUN_VP',
      args: {
        partition: 'running',
        scheduler: 'root',
        clearInterceptSuspend: false,
        waitForKick: false,
        vp: 1,
      },
    });
    expect(step.snapshot.context.flags).toBe(VP_FLAG.ROOT_SCHED_DISPATCHED);
    s = drive(step.snapshot, [{ type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'MSR' }]);
    expect(s.context.flags).toBe(VP_FLAG.INTERCEPT_SUSPEND);
    step = vStep(s, RUN);
    expect(step.emitted[0]).toMatchObject({ args: { clearInterceptSuspend: true, waitForKick: false } });
    s = drive(step.snapshot, [{ type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR', blocked: true }]);
    expect(s.context.flags).toBe(VP_FLAG.ROOT_SCHED_BLOCKED);
    step = vStep(s, RUN);
    expect(step.emitted[0]).toMatchObject({ args: { clearInterceptSuspend: false, waitForKick: true } });
    s = drive(step.snapshot, [{ type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' }]);
    expect(s.context.flags).toBe(VP_FLAG.INTERCEPT_SUSPEND);
  });

  it('root: a failed run takes the flags the kernel reports, so a signal before the first DISPATCH_VP keeps intercept_suspend (§c.6)', () => {
    const s = exited('MSR', 'root');
    expect(s.context.flags).toBe(VP_FLAG.INTERCEPT_SUSPEND);
    // The signal ended the run before any dispatch: the kernel still has intercept_suspend set, so
    // the next DISPATCH_VP clears it (the old machine cleared the flag and logged `false`).
    let after = drive(s, [
      RUN,
      { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR', blocked: false, interceptSuspend: true },
    ]);
    expect(after.context.flags).toBe(VP_FLAG.INTERCEPT_SUSPEND);
    expect(vStep(after, RUN).emitted[0]).toMatchObject({
      args: { clearInterceptSuspend: true, waitForKick: false },
    });
    // A failure after a dispatch reports the flag cleared (and blocked as the wait left it).
    after = drive(s, [
      RUN,
      { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EIO', blocked: true, interceptSuspend: false },
    ]);
    expect(after.value).toBe('exit');
    expect(after.context.flags).toBe(VP_FLAG.ROOT_SCHED_BLOCKED);
    // Without a report, another failure changes neither flag; only the dispatch mark goes.
    after = drive(s, [RUN, { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EIO' }]);
    expect(after.context.flags).toBe(VP_FLAG.INTERCEPT_SUSPEND);
  });

  it('hypervisor scheduler: the flags word stays 0 and a blocked report is ignored', () => {
    let s = drive(ready(0, 'hv'), [RUN]);
    expect(s.context.flags).toBe(0);
    s = drive(s, [{ type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR', blocked: true }]);
    expect(s.context.flags).toBe(0);
    expect(vStep(s, RUN).emitted[0]).toEqual({
      type: 'op',
      op: 'MSHV_RUN_VP',
      args: { partition: 'running', scheduler: 'hv', vp: 0 },
    });
  });
});

describe('VP machine: rules 8 and 9', () => {
  it('restores in rule 8 order are accepted; the last five parts in any order', () => {
    let s = vStart(0);
    for (const part of [
      'MSRS',
      'VP_EVENTS',
      'REGISTERS',
      'SPECIAL_REGISTERS',
      'FPU',
      'XCRS',
      'MISC_REGISTERS',
    ] as const)
      s = setState(s, part);
    for (const part of ['DEBUG_REGISTERS', 'SIEFP', 'XSAVE', 'LAPIC', 'SYNTHETIC_TIMERS', 'SIMP'] as const)
      s = setState(s, part);
    expect(drive(s, [{ type: 'READY' }]).value).toBe('idle');
  });

  it('order applies to the restore (created) only; later writes are free', () => {
    const s = setState(ready(), 'XSAVE');
    expect(setState(s, 'MSRS').value).toBe('idle');
  });

  it('after a port-I/O exit the VP runs only once RIP was written (rule 9)', () => {
    let s = exited('IO_PORT');
    expect(s.context.ripAdvancePending).toBe(true);
    s = setState(s, 'FPU');
    expect(vStep(s, RUN).emitted[0]).toMatchObject({ type: 'rejected', rule: 'portIoRipAdvanced' });
    s = setState(s, 'REGISTERS');
    expect(s.context.ripAdvancePending).toBe(false);
    expect(drive(s, [RUN]).value).toBe('running');
  });

  it('other exits need no RIP write', () => {
    for (const exit of EXIT_KINDS.filter((e) => e !== 'IO_PORT'))
      expect(drive(exited(exit), [RUN]).value).toBe('running');
  });
});

interface Case {
  readonly name: string;
  readonly at: () => VSnap;
  readonly req: VpEvent;
  readonly errno: ErrnoName;
  readonly rule: string;
}

const withStateOp = (s: VSnap): VSnap => vStep(s, { type: 'GET_STATE', part: 'LAPIC' }).snapshot;
const deleted = (): VSnap => drive(ready(), [{ type: 'DELETE' }]);
const runningVp = (): VSnap => drive(ready(), [RUN]);
const runIn = (partition: PartitionPhase): VpEvent => ({ type: 'RUN', partition });

const CASES: readonly Case[] = [
  {
    name: 'RUN before READY',
    at: () => vStart(),
    req: RUN,
    errno: 'EINVAL',
    rule: 'requestLegalInState',
  },
  {
    name: 'RUN while a state read is in flight',
    at: () => withStateOp(ready()),
    req: RUN,
    errno: 'EBUSY',
    rule: 'noVpOperationInFlight',
  },
  {
    name: 'SET_STATE while a state read is in flight',
    at: () => withStateOp(ready()),
    req: { type: 'SET_STATE', part: 'FPU' },
    errno: 'EBUSY',
    rule: 'noVpOperationInFlight',
  },
  {
    name: 'READY while a restore write is in flight',
    at: () => vStep(vStart(), { type: 'SET_STATE', part: 'MSRS' }).snapshot,
    req: { type: 'READY' },
    errno: 'EBUSY',
    rule: 'noVpOperationInFlight',
  },
  {
    name: 'DELETE while a state read is in flight',
    at: () => withStateOp(ready()),
    req: { type: 'DELETE' },
    errno: 'EBUSY',
    rule: 'noVpOperationInFlight',
  },
  {
    name: 'RUN before the partition started',
    at: () => ready(),
    req: runIn('configured'),
    errno: 'EINVAL',
    rule: 'partitionAcceptsRun',
  },
  {
    name: 'RUN while paused',
    at: () => ready(),
    req: runIn('paused'),
    errno: 'EBUSY',
    rule: 'partitionAcceptsRun',
  },
  {
    name: 'RUN while pausing',
    at: () => exited('HALT'),
    req: runIn('pausing'),
    errno: 'EBUSY',
    rule: 'partitionAcceptsRun',
  },
  {
    name: 'RUN while resuming (VPs resume last, rule 3)',
    at: interrupted,
    req: runIn('resuming'),
    errno: 'EBUSY',
    rule: 'partitionAcceptsRun',
  },
  {
    name: 'RUN once teardown began (finalize releases VPs, §c.12)',
    at: () => ready(),
    req: runIn('closing'),
    errno: 'EBADF',
    rule: 'partitionAcceptsRun',
  },
  {
    name: 'RUN once closed',
    at: () => ready(),
    req: runIn('closed'),
    errno: 'EBADF',
    rule: 'partitionAcceptsRun',
  },
  {
    name: 'RUN after a port-I/O exit without advancing RIP',
    at: () => exited('IO_PORT'),
    req: RUN,
    errno: 'EPERM',
    rule: 'portIoRipAdvanced',
  },
  {
    name: 'restoring registers after FPU',
    at: () => setState(vStart(0), 'FPU'),
    req: { type: 'SET_STATE', part: 'REGISTERS' },
    errno: 'EPERM',
    rule: 'vpStateRestoreInOrder',
  },
  {
    name: 'restoring MSRs after XSAVE',
    at: () => setState(vStart(0), 'XSAVE'),
    req: { type: 'SET_STATE', part: 'MSRS' },
    errno: 'EPERM',
    rule: 'vpStateRestoreInOrder',
  },
  {
    name: 'misc registers on VP 1',
    at: () => vStart(1),
    req: { type: 'SET_STATE', part: 'MISC_REGISTERS' },
    errno: 'EINVAL',
    rule: 'miscRegistersOnlyOnVp0',
  },
  {
    name: 'writing misc registers on VP 2 once ready',
    at: () => ready(2),
    req: { type: 'SET_STATE', part: 'MISC_REGISTERS' },
    errno: 'EINVAL',
    rule: 'miscRegistersOnlyOnVp0',
  },
  {
    name: 'RUN while suspended',
    at: () => drive(ready(), [{ type: 'PARK' }]),
    req: RUN,
    errno: 'EBUSY',
    rule: 'vpNotParked',
  },
  { name: 'RUN while running', at: runningVp, req: RUN, errno: 'EBUSY', rule: 'vpNotRunning' },
  {
    name: 'SET_STATE while running (vp_mutex held by the run)',
    at: runningVp,
    req: { type: 'SET_STATE', part: 'REGISTERS' },
    errno: 'EBUSY',
    rule: 'vpNotRunning',
  },
  {
    name: 'DELETE while running',
    at: runningVp,
    req: { type: 'DELETE' },
    errno: 'EBUSY',
    rule: 'vpNotRunning',
  },
  {
    name: 'READY twice',
    at: () => ready(),
    req: { type: 'READY' },
    errno: 'EINVAL',
    rule: 'requestLegalInState',
  },
  { name: 'RUN on a deleted VP', at: deleted, req: RUN, errno: 'EBADF', rule: 'vpOpen' },
  { name: 'DELETE twice', at: deleted, req: { type: 'DELETE' }, errno: 'EBADF', rule: 'vpOpen' },
  {
    name: 'a run result without an exit',
    at: runningVp,
    req: { type: 'OP_OK', op: 'MSHV_RUN_VP' },
    errno: 'EINVAL',
    rule: 'resultMatchesInflight',
  },
  {
    name: 'a run result while idle',
    at: () => ready(),
    req: { type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' },
    errno: 'EINVAL',
    rule: 'resultMatchesInflight',
  },
  {
    name: 'a state result while running',
    at: runningVp,
    req: { type: 'OP_OK', op: 'MSHV_SET_VP_STATE' },
    errno: 'EINVAL',
    rule: 'resultMatchesInflight',
  },
  {
    name: 'an unknown event',
    at: () => ready(),
    req: { type: 'RESET' } as unknown as VpEvent,
    errno: 'EINVAL',
    rule: 'knownRequest',
  },
];

describe('VP machine: illegal requests are rejected with their errno, snapshot unchanged', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.errno} (${c.rule})`, () => {
      const before = c.at();
      const { snapshot, emitted } = vStep(before, c.req);
      expect(emitted).toEqual([{ type: 'rejected', request: c.req.type, errno: c.errno, rule: c.rule }]);
      expect(snapshot).toBe(before);
    });
  }

  it('every VP rule guard has a case with the errno its table gives', () => {
    for (const [rule, errno] of Object.entries(VP_RULE_ERRNO)) {
      const hits = CASES.filter((c) => c.rule === rule);
      expect(hits.length, rule).toBeGreaterThan(0);
      for (const c of hits) expect(c.errno, rule).toBe(errno);
    }
    expect(CASES.some((c) => c.rule === 'partitionAcceptsRun')).toBe(true);
  });

  it('the state parts list is rule 8 in order', () => {
    expect(VP_STATE_PARTS.slice(0, 8)).toEqual([
      'MSRS',
      'VP_EVENTS',
      'REGISTERS',
      'SPECIAL_REGISTERS',
      'FPU',
      'XCRS',
      'MISC_REGISTERS',
      'DEBUG_REGISTERS',
    ]);
  });
});
