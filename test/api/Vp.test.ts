import { describe, expect, it } from 'vitest';
import { PARTITION_RULE_ERRNO } from '../../machines/partition/partitionGuards.js';
import { VP_RULE_ERRNO } from '../../machines/vp/vpGuards.js';
import { MemorySink, RULE_TEXT, VP_STATE_PARTS, type Vp, type VpStatePart } from '../../src/api/index.js';
import { must, running, testHost } from './hostRig.js';

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
