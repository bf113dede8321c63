import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PartitionEvent } from '../../machines/partition/PartitionEvent.js';
import { PARTITION_OPS } from '../../machines/partition/PartitionOp.js';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { pureStart, pureStep } from '../../machines/pureStep.js';
import { TransitionMemo } from '../../machines/TransitionMemo.js';
import type { VpEvent } from '../../machines/vp/VpEvent.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';

const partitionEvents: PartitionEvent[] = [
  { type: 'INITIALIZE' },
  { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: 1 },
  { type: 'CREATE_VP', vp: 0 },
  { type: 'CREATE_VP', vp: 1 },
  { type: 'MAP_MEMORY', region: 'r0', detail: { guestPfn: '0x0', size: '0x200000', flags: 3 } },
  { type: 'UNMAP_MEMORY', region: 'r0' },
  { type: 'START' },
  { type: 'PAUSE' },
  { type: 'RESUME' },
  { type: 'SNAPSHOT' },
  { type: 'CLOSE' },
  ...PARTITION_OPS.map((op): PartitionEvent => ({ type: 'OP_OK', op })),
  { type: 'OP_FAILED', op: 'MSHV_INITIALIZE_PARTITION', errno: 'EIO' },
];

const vpEvents: VpEvent[] = [
  { type: 'READY' },
  { type: 'RUN', partition: 'running' },
  { type: 'RUN', partition: 'paused' },
  { type: 'DELETE' },
  { type: 'OP_OK', op: 'MSHV_RUN_VP', exit: 'HALT' },
  { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR', blocked: true },
];

describe('TransitionMemo: machine steps answered from a table, never different from stepping', () => {
  it('a memoized partition machine takes the steps pureStep takes, on random sequences, run twice', () => {
    const memo = new TransitionMemo();
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...partitionEvents), { maxLength: 40 }), (events) => {
        for (let pass = 0; pass < 2; pass++) {
          let a = pureStart(partitionMachine, { scheduler: 'hv' });
          let b = memo.start(partitionMachine, { scheduler: 'hv' });
          for (const e of events) {
            a = pureStep(partitionMachine, a.snapshot, e);
            b = memo.step(partitionMachine, b.snapshot, e);
            expect(b.snapshot.value).toEqual(a.snapshot.value);
            expect(b.snapshot.context).toEqual(a.snapshot.context);
            expect(b.emitted).toEqual(a.emitted);
          }
        }
      }),
      { numRuns: 200 },
    );
    // The second pass of every sequence was answered from the table.
    expect(memo.stats.hits).toBeGreaterThan(memo.stats.misses);
  });

  it('identical machines share one snapshot object per state, so the second boot is all hits', () => {
    const memo = new TransitionMemo();
    const boot = (): unknown[] => {
      let s = memo.start(vpMachine, { index: 0, scheduler: 'hv' });
      const seen = [s.snapshot];
      for (const e of vpEvents) {
        s = memo.step(vpMachine, s.snapshot, e);
        seen.push(s.snapshot);
      }
      return seen;
    };
    const first = boot();
    const misses = memo.stats.misses;
    const second = boot();
    expect(memo.stats.misses).toBe(misses);
    for (const [i, snap] of second.entries()) expect(snap).toBe(first[i]);
  });

  it('a refused request answers the very same snapshot, from the table too', () => {
    const memo = new TransitionMemo();
    const s0 = memo.start(vpMachine, { index: 1, scheduler: 'hv' }).snapshot;
    for (let i = 0; i < 2; i++) {
      const r = memo.step(vpMachine, s0, { type: 'RUN', partition: 'running' });
      expect(r.snapshot).toBe(s0);
      expect(r.emitted).toMatchObject([{ type: 'rejected' }]);
    }
  });

  it('keeps an absent property and an undefined one apart, and number from string', () => {
    const memo = new TransitionMemo();
    const s0 = memo.start(partitionMachine, { scheduler: 'hv' }).snapshot;
    memo.step(partitionMachine, s0, { type: 'SET_PROPERTY', property: 'P', value: 1 });
    memo.step(partitionMachine, s0, { type: 'SET_PROPERTY', property: 'P', value: '1' });
    memo.step(partitionMachine, s0, { type: 'INITIALIZE' });
    // A JavaScript caller may pass an explicit undefined; the types forbid it, the key still tells it apart.
    memo.step(partitionMachine, s0, { type: 'INITIALIZE', detail: undefined } as unknown as PartitionEvent);
    expect(memo.stats).toMatchObject({ hits: 0, misses: 5 });
  });

  it('keeps text that spells out another key apart (strings are length-delimited, not escaped)', () => {
    const memo = new TransitionMemo();
    const s0 = memo.start(partitionMachine, { scheduler: 'hv' }).snapshot;
    // Unquoted, 'P' + ',"5:value1' would read like property 'P' followed by a field value: 1.
    memo.step(partitionMachine, s0, { type: 'SET_PROPERTY', property: 'P', value: 1 });
    memo.step(partitionMachine, s0, { type: 'SET_PROPERTY', property: 'P",5:value1', value: 1 });
    memo.step(partitionMachine, s0, { type: 'SET_PROPERTY', property: '"1:P', value: 1 });
    expect(memo.stats).toMatchObject({ hits: 0, misses: 4 });
    memo.step(partitionMachine, s0, { type: 'SET_PROPERTY', property: 'P",5:value1', value: 1 });
    expect(memo.stats).toMatchObject({ hits: 1, misses: 4 });
  });

  it('steps an event that is not plain JSON without the table (a bigint cannot be keyed)', () => {
    const memo = new TransitionMemo();
    const s0 = memo.start(partitionMachine, { scheduler: 'hv' }).snapshot;
    const odd = { type: 'INITIALIZE', detail: { big: 1n } } as unknown as PartitionEvent;
    const r = memo.step(partitionMachine, s0, odd);
    expect(r.emitted).toMatchObject([{ type: 'op', op: 'MSHV_INITIALIZE_PARTITION' }]);
    memo.step(partitionMachine, s0, odd);
    expect(memo.stats).toMatchObject({ hits: 0, misses: 1, size: 1 });
  });

  it('keeps each definition apart: a provided variant is stepped with its own guards', () => {
    const memo = new TransitionMemo();
    const planted = vpMachine.provide({ guards: { partitionAcceptsRun: () => true } });
    const input = { index: 0, scheduler: 'hv' as const };
    const boot = (m: typeof vpMachine): ReturnType<typeof memo.step<typeof vpMachine>> =>
      memo.step(m, memo.step(m, memo.start(m, input).snapshot, { type: 'READY' }).snapshot, {
        type: 'RUN',
        partition: 'closed',
      });
    expect(boot(vpMachine).emitted).toMatchObject([{ type: 'rejected', errno: 'EBADF' }]);
    expect(boot(planted).snapshot.value).toBe('running');
    expect(boot(vpMachine).emitted).toMatchObject([{ type: 'rejected', errno: 'EBADF' }]);
    expect(memo.stats.hits).toBe(3);
  });

  it('freezes the emitted lists it shares', () => {
    const memo = new TransitionMemo();
    const s0 = memo.start(partitionMachine, { scheduler: 'hv' }).snapshot;
    const { emitted } = memo.step(partitionMachine, s0, { type: 'INITIALIZE' });
    expect(Object.isFrozen(emitted)).toBe(true);
  });

  it('drops its whole table when full and keeps answering correctly', () => {
    const memo = new TransitionMemo(2);
    let s = memo.start(vpMachine, { index: 0, scheduler: 'hv' });
    s = memo.step(vpMachine, s.snapshot, { type: 'READY' });
    expect(memo.stats.size).toBe(2);
    const run = memo.step(vpMachine, s.snapshot, { type: 'RUN', partition: 'running' });
    expect(memo.stats.size).toBe(1);
    expect(run.snapshot.value).toBe(
      pureStep(vpMachine, s.snapshot, { type: 'RUN', partition: 'running' }).snapshot.value,
    );
    expect(memo.step(vpMachine, s.snapshot, { type: 'RUN', partition: 'running' })).toBe(run);
  });

  it('clear drops the table: the next step is computed again, equal, and what it handed out stays valid', () => {
    const memo = new TransitionMemo();
    const s0 = memo.start(vpMachine, { index: 0, scheduler: 'hv' });
    const ready = memo.step(vpMachine, s0.snapshot, { type: 'READY' });
    memo.clear();
    expect(memo.stats.size).toBe(0);
    const again = memo.step(vpMachine, s0.snapshot, { type: 'READY' });
    expect(again).not.toBe(ready);
    expect(again.snapshot.value).toEqual(ready.snapshot.value);
    expect(memo.stats).toEqual({ hits: 0, misses: 3, size: 1 });
    expect(memo.step(vpMachine, s0.snapshot, { type: 'READY' })).toBe(again);
  });

  it('capacity 0 never stores; a capacity that is not a count is refused, naming it', () => {
    const memo = new TransitionMemo(0);
    const s0 = memo.start(vpMachine, { index: 0, scheduler: 'hv' }).snapshot;
    memo.step(vpMachine, s0, { type: 'READY' });
    expect(memo.stats).toEqual({ hits: 0, misses: 0, size: 0 });
    expect(() => new TransitionMemo(-1)).toThrow(/TransitionMemo\.capacity: -1/);
    expect(() => new TransitionMemo(1.5)).toThrow(/not a non-negative integer/);
  });
});
