import { describe, expect, it } from 'vitest';
import { PARTITION_RULE_ERRNO } from '../../machines/partition/partitionGuards.js';
import { VP_RULE_ERRNO } from '../../machines/vp/vpGuards.js';
import { MemorySink, RULE_TEXT, VP_STATE_PARTS, type Vp, type VpStatePart } from '../../src/api/index.js';
import { GiB, RAM_USER_ADDR, must, running, testHost } from './hostRig.js';

const RIP_OFFSET = 16 * 16;
const ripOf = (vp: Vp): bigint => {
  const regs = must(vp.getState('REGISTERS'));
  return new DataView(regs.buffer, regs.byteOffset).getBigUint64(RIP_OFFSET, true);
};

function first(vps: Vp[]): Vp {
  const [vp] = vps;
  if (vp === undefined) throw new Error('no VP');
  return vp;
}

describe('vp.run', () => {
  it('resolves with typed exits; port I/O needs RIP advanced before the next run (rule 9)', async () => {
    const host = testHost();
    const { partition, vps } = running(host, 1);
    const vp = first(vps);
    host.guest(partition, vp).exits([
      { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 },
      { exit: 'CPUID', leaf: 1, subleaf: 0 },
    ]);
    const io = must(await vp.run());
    expect(io).toMatchObject({
      kind: 'IO_PORT',
      port: 0x3f8,
      write: true,
      size: 1,
      value: 0x41n,
      vpIndex: 0,
    });
    expect(await vp.run()).toMatchObject({
      ok: false,
      error: { source: 'refused', errnoName: 'EPERM', rule: 'portIoRipAdvanced' },
    });
    const before = ripOf(vp);
    must(vp.skipInstruction(io));
    expect(ripOf(vp)).toBe(before + BigInt(io.instructionLength));
    expect(must(await vp.run())).toMatchObject({ kind: 'CPUID', leaf: 1n });
  });

  it('a run with nothing to do sleeps until the guest has an exit, a signal, a park or a pause', async () => {
    const host = testHost();
    const { partition, vps } = running(host, 2);
    const [vp0, vp1] = [first(vps), vps[1]!];
    let done = false;
    const sleeping = vp0.run().then((r) => {
      done = true;
      return r;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    expect(host.sleepingRuns).toBe(1);
    expect(await vp0.run()).toMatchObject({ ok: false, error: { errnoName: 'EBUSY', rule: 'vpNotRunning' } });
    expect(vp0.getState('LAPIC')).toMatchObject({ ok: false, error: { errnoName: 'EBUSY' } });
    host.guest(partition, vp0).exits([{ exit: 'HALT' }]);
    expect(must(await sleeping)).toMatchObject({ kind: 'HALT' });
    // A signal wakes a sleeping run with EINTR.
    const again = vp0.run();
    must(host.guest(partition, vp0).signal());
    expect(await again).toMatchObject({
      ok: false,
      error: { source: 'driver', errnoName: 'EINTR', op: 'MSHV_RUN_VP' },
    });
    // Park kicks it (rule 4) and keeps it parked until unpark.
    const parked = vp1.run();
    must(vp1.park());
    expect(await parked).toMatchObject({ ok: false, error: { errnoName: 'EINTR' } });
    expect(vp1.state).toBe('suspended');
    expect(await vp1.run()).toMatchObject({ ok: false, error: { errnoName: 'EBUSY', rule: 'vpNotParked' } });
    must(vp1.unpark());
    host.guest(partition, vp1).exits([{ exit: 'HALT' }]);
    expect(must(await vp1.run()).kind).toBe('HALT');
  });

  it('rule 3: resume unparks every VP, one parked on its own with vp.park() too', () => {
    const host = testHost();
    const { partition, vps } = running(host, 2);
    const [vp0, vp1] = [first(vps), vps[1]!];
    must(vp1.park());
    expect([vp0.state, vp1.state]).toEqual(['idle', 'suspended']);
    must(partition.pause());
    must(partition.resume());
    expect([vp0.state, vp1.state]).toEqual(['idle', 'idle']);
  });

  it('is refused before start (EINVAL) and while paused (EBUSY)', async () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: [] }));
    must(p.initialize());
    const vp = must(p.createVp(0));
    expect(await vp.run()).toMatchObject({
      ok: false,
      error: { errnoName: 'EINVAL', rule: 'partitionAcceptsRun' },
    });
    must(p.start());
    must(p.pause());
    expect(await vp.run()).toMatchObject({ ok: false, error: { errnoName: 'EBUSY' } });
  });
});

describe('vp state', () => {
  it('checks the part and the size of a register group; a restore follows rule 8 before ready()', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    const vp = must(partition.createVp(1, { restore: true }));
    expect(vp.state).toBe('created');
    expect(vp.getState('GPRS' as never)).toMatchObject({
      ok: false,
      error: { field: 'part', rule: 'knownPart' },
    });
    expect(vp.setState('REGISTERS', new Uint8Array(10))).toMatchObject({
      ok: false,
      error: { field: 'bytes', rule: 'registerGroupSize' },
    });
    expect(vp.setState('REGISTERS', 'x' as never)).toMatchObject({ ok: false, error: { field: 'bytes' } });
    must(vp.setState('REGISTERS', new Uint8Array(18 * 16)));
    expect(vp.setState('MSRS', new Uint8Array(10 * 16))).toMatchObject({
      ok: false,
      error: { errnoName: 'EPERM', rule: 'vpStateRestoreInOrder' },
    });
    expect(vp.setState('MISC_REGISTERS', new Uint8Array(32))).toMatchObject({
      ok: false,
      error: { rule: 'miscRegistersOnlyOnVp0' },
    });
    const lapic = must(vp.getState('LAPIC'));
    expect(lapic.length).toBeGreaterThan(0);
    must(vp.setState('LAPIC', lapic));
    must(vp.ready());
    expect(vp.state).toBe('idle');
  });

  it.each<[VpStatePart, number]>([
    ['LAPIC', 0],
    ['LAPIC', 4095],
    ['SIMP', 8192],
    ['SIEFP', 1],
    ['SYNTHETIC_TIMERS', 5000],
    ['SYNTHETIC_TIMERS', 199],
    ['XSAVE', 0],
    ['XSAVE', 3 * 4096 + 1],
  ])(
    'refuses %s of %i bytes (stateSize: LAPIC, SIMP, SIEFP a page, timers 200, inventory §c.7); the state is untouched',
    (part, length) => {
      const sink = new MemorySink();
      const host = testHost({ log: sink });
      const { partition } = running(host, 1);
      const vp = must(partition.createVp(1));
      const before = must(vp.getState(part));
      const records = sink.records.length;
      expect(vp.setState(part, new Uint8Array(length).fill(1))).toMatchObject({
        ok: false,
        error: { source: 'argument', errnoName: 'EINVAL', field: 'bytes', rule: 'stateSize' },
      });
      expect(sink.records.length).toBe(records);
      expect(must(vp.getState(part))).toEqual(before);
    },
  );

  it('writes each state page part of its own size and reads it back', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    const vp = must(partition.createVp(1));
    for (const part of ['LAPIC', 'XSAVE', 'SIMP', 'SIEFP', 'SYNTHETIC_TIMERS'] as const) {
      const bytes = must(vp.getState(part)).map((_, i) => (i * 7 + 1) & 0xff);
      must(vp.setState(part, bytes));
      expect(must(vp.getState(part))).toEqual(bytes);
    }
  });
});

describe('partition.snapshot', () => {
  it('saves every part rule 8 restores (misc registers from VP 0 only), each of its own size, and they restore in that order', () => {
    const host = testHost();
    const { partition, vps } = running(host, 2);
    must(partition.pause());
    const snap = must(partition.snapshot());
    expect(Object.keys(snap.vps.get(0) ?? {})).toEqual([...VP_STATE_PARTS]);
    expect(Object.keys(snap.vps.get(1) ?? {})).toEqual(VP_STATE_PARTS.filter((p) => p !== 'MISC_REGISTERS'));
    // The saved VP 1 restores onto a new VP in rule 8's order: every part is accepted at its size.
    must(partition.resume());
    const restored = must(partition.createVp(2, { restore: true }));
    for (const [part, bytes] of Object.entries(snap.vps.get(1) ?? {}))
      must(restored.setState(part as VpStatePart, bytes));
    must(restored.ready());
    expect(vps.length).toBe(2);
  });
});

describe('partition.snapshot and a restore into a new partition (vmm-lifecycle-rules 3, 8)', () => {
  const LATE = 0x1234_5678_9abcn;

  it('rules 3, 8: the snapshot carries the clock the pause saved; a new partition restores it before any VP runs', async () => {
    const host = testHost();
    const partition = must(host.createPartition({ flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] }));
    must(partition.initialize());
    must(partition.mapMemory({ guestPfn: 0n, size: GiB, userAddr: RAM_USER_ADDR, writable: true }));
    const vps = [must(partition.createVp(0)), must(partition.createVp(1))];
    // Set the guest clock far from any new partition's (which starts near 0) before it starts.
    must(partition.freezeTime());
    must(partition.setReferenceTime(LATE));
    must(partition.thawTime());
    must(partition.start());
    host.guest(partition, first(vps)).exits([{ exit: 'HALT' }]);
    must(await first(vps).run());
    must(partition.pause());
    const snap = must(partition.snapshot());
    expect(typeof snap.referenceTime).toBe('bigint');
    expect(snap.referenceTime).toBeGreaterThanOrEqual(LATE);
    // The same clock the resume writes back: a second pause saves no earlier one.
    must(partition.resume());
    must(partition.pause());
    expect(must(partition.snapshot()).referenceTime).toBeGreaterThanOrEqual(snap.referenceTime);

    const next = must(
      host.createPartition({ name: 'restored', flags: ['LAPIC', 'X2APIC', 'GPA_SUPER_PAGES'] }),
    );
    must(next.initialize());
    for (const [index, parts] of snap.vps) {
      const vp = must(next.createVp(index, { restore: true }));
      // Rule 8's order is VP_STATE_PARTS'; the VP refuses any other while it is `created`.
      for (const part of VP_STATE_PARTS) {
        const bytes = parts[part];
        if (bytes !== undefined) must(vp.setState(part, bytes));
      }
      must(vp.ready());
    }
    // The clock before any VP runs (rules 3, 8): a start before it is written is refused, changing nothing.
    expect(next.start()).toMatchObject({
      ok: false,
      error: { errnoName: 'EPERM', rule: 'restoredClockWrittenBeforeStart' },
    });
    must(next.freezeTime());
    expect(next.start()).toMatchObject({ ok: false, error: { rule: 'timeThawedBeforeVpsRun' } });
    must(next.setReferenceTime(snap.referenceTime));
    must(next.thawTime());
    must(next.start());
    for (const [index, parts] of snap.vps)
      expect(must(next.vps.get(index)!.getState('REGISTERS'))).toEqual(parts.REGISTERS);
    must(next.pause());
    const after = must(next.snapshot()).referenceTime;
    expect(after).toBeGreaterThanOrEqual(snap.referenceTime);
    expect(after - snap.referenceTime).toBeLessThan(10_000_000n); // under a second of 100 ns ticks
    // Without the restore a new partition's clock starts near 0, and it starts without a clock write.
    const fresh = must(host.createPartition({ name: 'fresh', flags: ['LAPIC'] }));
    must(fresh.initialize());
    must(fresh.createVp(0));
    expect(must(fresh.snapshot()).referenceTime).toBeLessThan(LATE);
    must(fresh.start());
    must(host.close());
  });

  it('rule 3: a clock written while paused (a restore in place) is the one the snapshot carries and the resume writes back', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    must(partition.pause());
    expect(must(partition.snapshot()).referenceTime).toBeLessThan(LATE);
    must(partition.setReferenceTime(LATE));
    expect(must(partition.snapshot()).referenceTime).toBe(LATE);
    must(partition.resume());
    must(partition.pause());
    const clock = must(partition.snapshot()).referenceTime;
    expect(clock).toBeGreaterThanOrEqual(LATE);
    expect(clock - LATE).toBeLessThan(10_000_000n);
  });

  it('rules 3, 11: a snapshot before the first start has no pause behind it: its clock is the reference time then', () => {
    const host = testHost();
    const p = must(host.createPartition({ flags: ['LAPIC'] }));
    must(p.initialize());
    must(p.createVp(0));
    const snap = must(p.snapshot());
    expect(snap.referenceTime).toBeGreaterThanOrEqual(0n);
    expect(snap.referenceTime).toBeLessThan(LATE);
    expect([...snap.vps.keys()]).toEqual([0]);
  });
});

describe('guest control', () => {
  it('checks exits with the scenario rules, naming the exit and field; unknown VPs are EBADF', () => {
    const host = testHost();
    const { partition } = running(host, 1);
    const g = host.guest(partition, 0);
    expect(
      g.exits([{ exit: 'HALT' }, { exit: 'IO_PORT', port: 0x1_0000, write: true, size: 1, value: 0 }]),
    ).toMatchObject({
      ok: false,
      error: { source: 'argument', field: 'exits[1].port', rule: 'width' },
    });
    expect(g.exits([{ exit: 'IO_PORT', port: 1, write: true, size: 1, value: 256 }])).toMatchObject({
      ok: false,
      error: { field: 'exits[0].value', rule: 'width' },
    });
    expect(g.exits([{ exit: 'WARP' } as never])).toMatchObject({
      ok: false,
      error: { field: 'exits[0].exit' },
    });
    expect(host.guest(partition, 7).exits([{ exit: 'HALT' }])).toMatchObject({
      ok: false,
      error: { errnoName: 'EBADF', rule: 'vpExists' },
    });
    expect(host.guest('nobody', 0).signal()).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
  });

  it('handles of a closed partition never reach a newer partition of the same name (EBADF, partitionOpen)', () => {
    const sink = new MemorySink();
    const host = testHost({ log: sink });
    const old = must(host.createPartition({ name: 'web', flags: [] }));
    must(old.initialize());
    const oldVp = must(old.createVp(0));
    const byName = host.guest('web', 0);
    must(old.close());
    const { partition: web } = running(host, 1, 'web');
    const records = sink.records.length;
    for (const g of [host.guest(old, oldVp), host.guest(old, 0), host.guest(web, oldVp), byName]) {
      expect(g.exits([{ exit: 'HALT' }])).toMatchObject({
        ok: false,
        error: { errnoName: 'EBADF', rule: 'partitionOpen' },
      });
      expect(g.signal()).toMatchObject({ ok: false, error: { errnoName: 'EBADF', rule: 'partitionOpen' } });
    }
    expect(sink.records.length).toBe(records);
    must(host.guest(web, 0).exits([{ exit: 'HALT' }]));
    must(host.guest('web', 0).signal());
  });
});

describe('refusal rules', () => {
  it('every rule of both machines has a text that a refusal message carries', () => {
    for (const rule of [
      ...Object.keys(PARTITION_RULE_ERRNO),
      ...Object.keys(VP_RULE_ERRNO),
      'partitionAcceptsRun',
    ])
      expect(Object.keys(RULE_TEXT)).toContain(rule);
    const host = testHost();
    const { partition } = running(host, 1);
    const r = partition.snapshot();
    expect(!r.ok && r.error.message).toBe(
      `partition.snapshot: refused: ${RULE_TEXT.snapshotOnlyWhileQuiesced} [snapshotOnlyWhileQuiesced, EBUSY]`,
    );
  });
});
