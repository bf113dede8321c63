import { describe, expect, it } from 'vitest';
import type { PartitionCommand } from '../../machines/partition/PartitionOp.js';
import {
  build,
  commandsOf,
  complete,
  configured,
  factsTeardownOrder,
  paused,
  pStart,
  pStep,
  phaseOf,
  running,
} from './drive.js';

const ops = (cmds: readonly PartitionCommand[]): string[] => cmds.map((c) => c.op);

describe('partition machine: legal paths (vmm-lifecycle-rules 1)', () => {
  it('created → earlyProperties → initialized → configured → running, moving only on OP_OK', () => {
    let s = pStart('hv');
    expect(phaseOf(s)).toBe('created');
    let step = pStep(s, { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 3 });
    expect(step.emitted).toEqual([
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'SYNTHETIC_PROC_FEATURES', value: 3 } },
    ]);
    expect(phaseOf(step.snapshot)).toBe('created'); // not before the result
    s = pStep(step.snapshot, { type: 'OP_OK', op: 'SET_PARTITION_PROPERTY' }).snapshot;
    expect(phaseOf(s)).toBe('earlyProperties');

    s = complete(s, { type: 'INITIALIZE' }).snapshot;
    expect(s.value).toEqual({ live: 'initialized' });
    expect(s.context.initialized).toBe(true);

    // Post-init properties belong between initialize and configuration (rule 1).
    s = complete(s, { type: 'SET_PROPERTY', property: 'UNIMPLEMENTED_MSR_ACTION', value: 1 }).snapshot;
    expect(phaseOf(s)).toBe('initialized');

    step = pStep(s, { type: 'CREATE_VP', vp: 0 });
    expect(step.emitted).toEqual([{ type: 'op', op: 'MSHV_CREATE_VP', args: { vp: 0 } }]);
    s = pStep(step.snapshot, { type: 'OP_OK', op: 'MSHV_CREATE_VP' }).snapshot;
    expect(phaseOf(s)).toBe('configured');

    s = build(s, [
      { type: 'CREATE_VP', vp: 3 },
      { type: 'CREATE_VP', vp: 1 },
      { type: 'MAP_MEMORY', region: '0x0', detail: { pages: 1_048_576, uaddr: '0x7f0000000000' } },
      { type: 'INSTALL_INTERCEPT', kind: 'X64_IO_PORT' },
      { type: 'IOEVENTFD', assign: true, pio: false },
      { type: 'IRQFD', assign: true },
      { type: 'SET_MSI_ROUTING', entries: 24 },
    ]);
    expect(s.context).toMatchObject({
      vps: [0, 1, 3],
      regions: ['0x0'],
      intercepts: 1,
      ioeventfds: 1,
      irqfds: 1,
      msiRoutes: 24,
    });

    step = pStep(s, { type: 'START' });
    expect(step.emitted).toEqual([]);
    expect(step.snapshot.value).toEqual({ live: 'running' });
    expect(step.snapshot.context).toMatchObject({ vpsParked: false, devicesQuiesced: false });
  });

  it('INITIALIZE straight from created; again once initialized is legal and changes nothing (§c.3)', () => {
    const s = complete(pStart(), { type: 'INITIALIZE' }).snapshot;
    expect(s.value).toEqual({ live: 'initialized' });
    const again = complete(s, { type: 'INITIALIZE' });
    expect(ops(again.commands)).toEqual(['MSHV_INITIALIZE_PARTITION']);
    expect(again.snapshot.value).toEqual(s.value);
    expect(again.snapshot.context).toEqual(s.context);
  });

  it('a request passes its detail through to the command verbatim', () => {
    const s = complete(pStart(), { type: 'INITIALIZE' }).snapshot;
    const step = pStep(s, {
      type: 'MAP_MEMORY',
      region: '0x100',
      detail: { gfn: '0x100', pages: 512, mmio: true },
    });
    expect(step.emitted).toEqual([
      {
        type: 'op',
        op: 'MSHV_SET_GUEST_MEMORY',
        args: { unmap: false, gfn: '0x100', pages: 512, mmio: true, region: '0x100' },
      },
    ]);
  });

  it('unmapping removes the region; the VP and region sets move only on success', () => {
    let s = configured({ vps: [0], regions: ['a', 'b'] });
    s = complete(s, { type: 'UNMAP_MEMORY', region: 'a' }).snapshot;
    expect(s.context.regions).toEqual(['b']);
  });

  it('an ioeventfd and an irqfd can be deassigned (§c.11)', () => {
    let s = configured({ ioeventfds: 1, irqfds: 1 });
    s = build(s, [
      { type: 'IOEVENTFD', assign: false, pio: false },
      { type: 'IRQFD', assign: false },
    ]);
    expect(s.context).toMatchObject({ ioeventfds: 0, irqfds: 0 });
  });

  it('pause emits park VPs → save clock → quiesce devices → freeze time, in that order (rule 3)', () => {
    const r = complete(running({ vps: [0, 2] }), { type: 'PAUSE' });
    expect(r.commands).toEqual([
      { type: 'op', op: 'PARK_VPS', args: { vps: [0, 2] } },
      { type: 'op', op: 'GET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME' } },
      { type: 'op', op: 'QUIESCE_DEVICES', args: {} },
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 1 } },
    ]);
    expect(r.snapshot.value).toEqual({ live: 'paused' });
    expect(r.snapshot.context).toMatchObject({ timeFrozen: true, vpsParked: true, devicesQuiesced: true });
  });

  it('each pause step waits for the previous one to succeed', () => {
    let step = pStep(running(), { type: 'PAUSE' });
    expect(step.snapshot.value).toEqual({ pausing: 'parkVps' });
    step = pStep(step.snapshot, { type: 'OP_OK', op: 'PARK_VPS' });
    expect(step.snapshot.value).toEqual({ pausing: 'saveClock' });
    expect(commandsOf(step.emitted)).toHaveLength(1);
  });

  it('resume emits restore clock → thaw → resume devices → resume VPs: VPs last (rule 3)', () => {
    const r = complete(paused({ vps: [1] }), { type: 'RESUME' });
    expect(r.commands).toEqual([
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME', value: 'savedClock' } },
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 0 } },
      { type: 'op', op: 'RESUME_DEVICES', args: {} },
      { type: 'op', op: 'UNPARK_VPS', args: { vps: [1] } },
    ]);
    expect(r.snapshot.value).toEqual({ live: 'running' });
    expect(r.snapshot.context).toMatchObject({ timeFrozen: false, vpsParked: false, devicesQuiesced: false });
  });

  it('pause and resume cycle any number of times', () => {
    let s = running();
    for (let i = 0; i < 3; i++) s = build(s, [{ type: 'PAUSE' }, { type: 'RESUME' }]);
    expect(s.value).toEqual({ live: 'running' });
  });

  it('while paused: snapshot, reference time, thaw and refreeze are legal (rules 2, 11)', () => {
    let s = paused();
    const snap = complete(s, { type: 'SNAPSHOT' });
    expect(ops(snap.commands)).toEqual(['SNAPSHOT']);
    s = snap.snapshot;
    const ref = complete(s, { type: 'SET_REFERENCE_TIME', value: '0x1234' });
    expect(ref.commands).toEqual([
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME', value: '0x1234' } },
    ]);
    s = build(ref.snapshot, [{ type: 'THAW_TIME' }, { type: 'FREEZE_TIME' }, { type: 'RESUME' }]);
    expect(s.value).toEqual({ live: 'running' });
  });

  it('a restore before START: freeze, write the reference time, thaw, start (rules 2, 3)', () => {
    const s = build(configured(), [
      { type: 'FREEZE_TIME' },
      { type: 'SET_REFERENCE_TIME', value: 42 },
      { type: 'THAW_TIME' },
      { type: 'START' },
    ]);
    expect(s.value).toEqual({ live: 'running' });
  });

  it('dirty-page tracking: enable → read-and-clear passes → mark all dirty → disable (rule 7)', () => {
    let s = running({ regions: ['a', 'b'] });
    const en = complete(s, { type: 'ENABLE_DIRTY_TRACKING' });
    expect(en.commands).toEqual([
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'GPA_PAGE_ACCESS_TRACKING', value: 1 } },
    ]);
    s = build(en.snapshot, [
      { type: 'READ_DIRTY', pages: 65_536 },
      { type: 'READ_DIRTY', pages: 1 },
    ]);
    expect(s.context.dirty).toBe('on');
    const mark = complete(s, { type: 'MARK_ALL_DIRTY' });
    expect(mark.commands).toEqual([
      { type: 'op', op: 'MSHV_GET_GPAP_ACCESS_BITMAP', args: { mode: 'markAllDirty', regions: ['a', 'b'] } },
    ]);
    expect(mark.snapshot.context.dirty).toBe('allMarked');
    s = complete(mark.snapshot, { type: 'DISABLE_DIRTY_TRACKING' }).snapshot;
    expect(s.context.dirty).toBe('off');
  });

  it('a read or a new region after the mark-all undoes it (rule 7: mark right before disabling)', () => {
    const marked = build(running(), [{ type: 'ENABLE_DIRTY_TRACKING' }, { type: 'MARK_ALL_DIRTY' }]);
    expect(build(marked, [{ type: 'READ_DIRTY', pages: 8 }]).context.dirty).toBe('on');
    expect(build(marked, [{ type: 'MAP_MEMORY', region: 'new' }]).context.dirty).toBe('on');
  });

  it('rule 7: a map while tracking is on marks the new region dirty (markDirty); one while off does not', () => {
    const on = build(running(), [{ type: 'ENABLE_DIRTY_TRACKING' }]);
    expect(complete(on, { type: 'MAP_MEMORY', region: 'b' }).commands).toEqual([
      { type: 'op', op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: false, region: 'b', markDirty: true } },
    ]);
    expect(complete(running(), { type: 'MAP_MEMORY', region: 'b' }).commands).toEqual([
      { type: 'op', op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: false, region: 'b' } },
    ]);
    expect(complete(on, { type: 'UNMAP_MEMORY', region: '0x0' }).commands[0]?.args).not.toHaveProperty(
      'markDirty',
    );
  });

  it('rule 11: while paused an irqfd deassign and a new MSI table are taken (they inject nothing)', () => {
    const s = paused({ irqfds: 1 });
    expect(ops(complete(s, { type: 'IRQFD', assign: false }).commands)).toEqual(['MSHV_IRQFD']);
    expect(ops(complete(s, { type: 'SET_MSI_ROUTING', entries: 1 }).commands)).toEqual([
      'MSHV_SET_MSI_ROUTING',
    ]);
    // Before the first START devices are quiesced too, but no pause is in progress: irqfds are wired.
    expect(ops(complete(configured(), { type: 'IRQFD', assign: true }).commands)).toEqual(['MSHV_IRQFD']);
  });

  it('the MSI routing table is replaced whole; a failed replace keeps the old one (rule 6)', () => {
    const s = build(configured(), [{ type: 'SET_MSI_ROUTING', entries: 8 }]);
    const step = pStep(s, { type: 'SET_MSI_ROUTING', entries: 16 });
    const failed = pStep(step.snapshot, { type: 'OP_FAILED', op: 'MSHV_SET_MSI_ROUTING', errno: 'EINVAL' });
    expect(failed.snapshot.context.msiRoutes).toBe(8);
    expect(build(s, [{ type: 'SET_MSI_ROUTING', entries: 16 }]).context.msiRoutes).toBe(16);
  });
});

describe('partition machine: a failed operation leaves the phase unchanged', () => {
  const cases: { name: string; at: () => ReturnType<typeof pStart>; req: Parameters<typeof pStep>[1] }[] = [
    { name: 'INITIALIZE', at: () => pStart(), req: { type: 'INITIALIZE' } },
    {
      name: 'early SET_PROPERTY',
      at: () => pStart(),
      req: { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 },
    },
    {
      name: 'CREATE_VP (EINTR, retried by the caller: rule 4)',
      at: () => configured(),
      req: { type: 'CREATE_VP', vp: 9 },
    },
    {
      name: 'first CREATE_VP',
      at: () => build(pStart(), [{ type: 'INITIALIZE' }]),
      req: { type: 'CREATE_VP', vp: 0 },
    },
    { name: 'MAP_MEMORY', at: () => configured(), req: { type: 'MAP_MEMORY', region: 'z' } },
    { name: 'UNMAP_MEMORY', at: () => configured(), req: { type: 'UNMAP_MEMORY', region: '0x0' } },
    { name: 'IOEVENTFD', at: () => configured(), req: { type: 'IOEVENTFD', assign: true, pio: false } },
    { name: 'FREEZE_TIME', at: () => configured(), req: { type: 'FREEZE_TIME' } },
    { name: 'SNAPSHOT', at: () => paused(), req: { type: 'SNAPSHOT' } },
    { name: 'ENABLE_DIRTY_TRACKING', at: () => running(), req: { type: 'ENABLE_DIRTY_TRACKING' } },
  ];
  for (const c of cases) {
    it(`${c.name}: OP_FAILED returns the snapshot's value and context to before the request`, () => {
      const before = c.at();
      const started = pStep(before, c.req);
      const cmd = commandsOf<PartitionCommand>(started.emitted)[0]!;
      const failed = pStep(started.snapshot, { type: 'OP_FAILED', op: cmd.op, errno: 'EINTR' });
      expect(failed.emitted).toEqual([]);
      expect(failed.snapshot.value).toEqual(before.value);
      expect(failed.snapshot.context).toEqual(before.context);
    });
  }

  it('a failed pause step stays at that step; PAUSE retries exactly that step', () => {
    let step = pStep(running(), { type: 'PAUSE' });
    step = pStep(step.snapshot, { type: 'OP_OK', op: 'PARK_VPS' });
    step = pStep(step.snapshot, { type: 'OP_FAILED', op: 'GET_PARTITION_PROPERTY', errno: 'EIO' });
    expect(step.snapshot.value).toEqual({ pausing: 'saveClock' });
    expect(step.snapshot.context.vpsParked).toBe(true);
    const retry = pStep(step.snapshot, { type: 'PAUSE' });
    expect(retry.emitted).toEqual([
      { type: 'op', op: 'GET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME' } },
    ]);
    expect(complete(step.snapshot, { type: 'PAUSE' }).snapshot.value).toEqual({ live: 'paused' });
  });

  it('a failed resume step is retried by RESUME, never skipping to the VPs', () => {
    let step = pStep(paused(), { type: 'RESUME' });
    step = pStep(step.snapshot, { type: 'OP_FAILED', op: 'SET_PARTITION_PROPERTY', errno: 'EIO' });
    expect(step.snapshot.value).toEqual({ resuming: 'restoreClock' });
    const r = complete(step.snapshot, { type: 'RESUME' });
    expect(ops(r.commands)).toEqual([
      'SET_PARTITION_PROPERTY',
      'SET_PARTITION_PROPERTY',
      'RESUME_DEVICES',
      'UNPARK_VPS',
    ]);
  });

  it('a stalled pause can be abandoned by CLOSE, which parks the VPs first', () => {
    let step = pStep(running(), { type: 'PAUSE' });
    step = pStep(step.snapshot, { type: 'OP_FAILED', op: 'PARK_VPS', errno: 'EINTR' });
    const r = complete(step.snapshot, { type: 'CLOSE' });
    expect(r.commands[0]?.op).toBe('PARK_VPS');
    expect(phaseOf(r.snapshot)).toBe('closed');
  });

  it('a failed teardown step stays; CLOSE retries the same step and the rest follows', () => {
    let step = pStep(configured({ vps: [0, 1] }), { type: 'CLOSE' });
    expect(step.emitted).toEqual([{ type: 'op', op: 'RELEASE_VP', args: { vp: 0 } }]);
    step = pStep(step.snapshot, { type: 'OP_OK', op: 'RELEASE_VP' });
    step = pStep(step.snapshot, { type: 'OP_FAILED', op: 'RELEASE_VP', errno: 'EIO' });
    expect(step.snapshot.value).toEqual({ closing: { releaseVps: 'issue' } });
    expect(step.snapshot.context.vps).toEqual([1]);
    const r = complete(step.snapshot, { type: 'CLOSE' });
    expect(r.commands[0]).toEqual({ type: 'op', op: 'RELEASE_VP', args: { vp: 1 } });
    expect(phaseOf(r.snapshot)).toBe('closed');
  });
});

describe('partition machine: teardown order (inventory §c.12)', () => {
  /** Where each teardown command sits in the facts' teardown_order. */
  const FACTS_STEP: Partial<Record<string, number>> = {
    SUSPEND_VP: 0,
    RELEASE_VP: 1,
    FINALIZE_PARTITION: 2,
    UNLIST_PARTITION: 3,
    RELEASE_REGION: 4,
    WITHDRAW_MEMORY: 5,
    DELETE_PARTITION: 6,
  };

  it('the facts name the steps the machine emits, in the same order', () => {
    const order = factsTeardownOrder();
    expect(order).toHaveLength(7);
    expect(order[0]).toContain('DISPATCH_SUSPEND=1');
    expect(order[0]).toContain('VP_ROOT_SIGNAL_COUNT');
    expect(order[1]).toContain('UNMAP_VP_STATE_PAGE');
    expect(order[2]).toBe('FINALIZE_PARTITION');
    expect(order[3]).toContain('hash');
    expect(order[4]).toContain('UNMAP_GPA_PAGES');
    expect(order[5]).toBe('WITHDRAW_MEMORY(all)');
    expect(order[6]).toBe('DELETE_PARTITION');
  });

  it('root scheduler, running: park, release the fd eventfds, then §c.12 steps 1–6 exactly', () => {
    const s = running({ scheduler: 'root', vps: [0, 1, 2], regions: ['r0', 'r1'], ioeventfds: 2, irqfds: 1 });
    const r = complete(s, { type: 'CLOSE' });
    expect(r.commands).toEqual([
      { type: 'op', op: 'PARK_VPS', args: { vps: [0, 1, 2] } },
      { type: 'op', op: 'RELEASE_EVENTFDS', args: { ioeventfds: 2, irqfds: 1 } },
      { type: 'op', op: 'SUSPEND_VP', args: { vp: 0 } },
      { type: 'op', op: 'SUSPEND_VP', args: { vp: 1 } },
      { type: 'op', op: 'SUSPEND_VP', args: { vp: 2 } },
      { type: 'op', op: 'RELEASE_VP', args: { vp: 0 } },
      { type: 'op', op: 'RELEASE_VP', args: { vp: 1 } },
      { type: 'op', op: 'RELEASE_VP', args: { vp: 2 } },
      { type: 'op', op: 'FINALIZE_PARTITION', args: {} },
      { type: 'op', op: 'UNLIST_PARTITION', args: {} },
      { type: 'op', op: 'RELEASE_REGION', args: { region: 'r0' } },
      { type: 'op', op: 'RELEASE_REGION', args: { region: 'r1' } },
      { type: 'op', op: 'WITHDRAW_MEMORY', args: {} },
      { type: 'op', op: 'DELETE_PARTITION', args: {} },
    ]);
    const steps = r.commands.flatMap((c) => (FACTS_STEP[c.op] === undefined ? [] : [FACTS_STEP[c.op]!]));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    expect(phaseOf(r.snapshot)).toBe('closed');
    expect(r.snapshot.context).toMatchObject({
      vps: [],
      regions: [],
      ioeventfds: 0,
      irqfds: 0,
      inflight: null,
    });
  });

  it('hypervisor scheduler: no DISPATCH_SUSPEND step (§c.12 step 1 is root-only)', () => {
    const r = complete(paused({ scheduler: 'hv', vps: [0, 1], regions: ['r0'] }), { type: 'CLOSE' });
    expect(ops(r.commands)).toEqual([
      'RELEASE_VP',
      'RELEASE_VP',
      'FINALIZE_PARTITION',
      'UNLIST_PARTITION',
      'RELEASE_REGION',
      'WITHDRAW_MEMORY',
      'DELETE_PARTITION',
    ]);
  });

  it('a partition that was never initialized skips steps 1 and 3: no suspend, no FINALIZE_PARTITION (destroy_partition)', () => {
    const r = complete(pStart('root'), { type: 'CLOSE' });
    expect(ops(r.commands)).toEqual(['UNLIST_PARTITION', 'WITHDRAW_MEMORY', 'DELETE_PARTITION']);
  });

  it('closing from configured or paused does not park (nothing runs)', () => {
    expect(ops(complete(configured({ vps: [], regions: [] }), { type: 'CLOSE' }).commands)[0]).toBe(
      'FINALIZE_PARTITION',
    );
    expect(ops(complete(paused(), { type: 'CLOSE' }).commands)[0]).toBe('RELEASE_VP');
  });

  it('an early-properties partition closes too', () => {
    const s = build(pStart(), [{ type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 }]);
    expect(phaseOf(complete(s, { type: 'CLOSE' }).snapshot)).toBe('closed');
  });
});

describe('partition machine: teardown retry keeps its place (inventory §c.12)', () => {
  it('root scheduler: a failed DISPATCH_SUSPEND of VP 1 is retried for VP 1, not from VP 0', () => {
    let step = pStep(paused({ scheduler: 'root', vps: [0, 1, 2] }), { type: 'CLOSE' });
    expect(step.emitted).toEqual([{ type: 'op', op: 'SUSPEND_VP', args: { vp: 0 } }]);
    step = pStep(step.snapshot, { type: 'OP_OK', op: 'SUSPEND_VP' });
    expect(step.emitted).toEqual([{ type: 'op', op: 'SUSPEND_VP', args: { vp: 1 } }]);
    step = pStep(step.snapshot, { type: 'OP_FAILED', op: 'SUSPEND_VP', errno: 'EIO' });
    const r = complete(step.snapshot, { type: 'CLOSE' });
    expect(r.commands.slice(0, 3)).toEqual([
      { type: 'op', op: 'SUSPEND_VP', args: { vp: 1 } },
      { type: 'op', op: 'SUSPEND_VP', args: { vp: 2 } },
      { type: 'op', op: 'RELEASE_VP', args: { vp: 0 } },
    ]);
  });
});

describe("partition machine: a request's detail never overrides the transition's own arguments", () => {
  it('THAW_TIME cannot freeze, RESUME writes the saved clock, UNMAP_MEMORY stays an unmap', () => {
    // THAW_TIME is taken while VPs run (rule 2: idempotent); with `detail: { value: 1 }` the old
    // machine emitted TIME_FREEZE = 1 and froze time under running VPs, past
    // timeFreezeOnlyWithVpsParked (rule 3).
    const thaw = pStep(running(), { type: 'THAW_TIME', detail: { value: 1 } });
    expect(thaw.emitted).toEqual([
      { type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'TIME_FREEZE', value: 0 } },
    ]);
    const frozenAfter = pStep(thaw.snapshot, { type: 'OP_OK', op: 'SET_PARTITION_PROPERTY' }).snapshot;
    expect(frozenAfter.context.timeFrozen).toBe(false);
    // RESUME's first step writes back the clock the pause saved, whatever the request carries.
    expect(pStep(paused(), { type: 'RESUME', detail: { value: '0x0' } }).emitted).toEqual([
      {
        type: 'op',
        op: 'SET_PARTITION_PROPERTY',
        args: { property: 'REFERENCE_TIME', value: 'savedClock' },
      },
    ]);
    // An unmap (guarded by regionMapped) stays an unmap; the request's own fields still go through.
    expect(
      pStep(configured(), { type: 'UNMAP_MEMORY', region: '0x0', detail: { unmap: false } }).emitted,
    ).toEqual([{ type: 'op', op: 'MSHV_SET_GUEST_MEMORY', args: { unmap: true, region: '0x0' } }]);
    expect(
      pStep(paused(), { type: 'SET_REFERENCE_TIME', value: 7, detail: { property: 'TIME_FREEZE' } }).emitted,
    ).toEqual([{ type: 'op', op: 'SET_PARTITION_PROPERTY', args: { property: 'REFERENCE_TIME', value: 7 } }]);
  });
});
