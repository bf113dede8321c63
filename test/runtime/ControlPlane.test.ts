import { describe, expect, it } from 'vitest';
import { MSHV_PT_BIT } from '../../src/hv/uapi/flags.js';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { SinkRecorder } from '../../src/runtime/SinkRecorder.js';
import { stateName } from '../../src/runtime/stateName.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

const GiB = 1n << 30n;

function world(scheduler: 'core-smt' | 'root' = 'core-smt'): {
  plane: ControlPlane;
  sink: MemorySink;
  sim: SimWorld;
} {
  const scenario: Scenario = {
    format: 1,
    name: 'control-plane',
    seed: 11,
    hypervisor: { scheduler, faults: [] },
    hostMemory: [{ kind: 'ram', userAddr: 0x7f00_0000_0000n, size: GiB, pageSize: '2M' }],
    steps: [],
  } as unknown as Scenario;
  const sink = new MemorySink();
  const sim = new SimWorld(scenario, new SinkRecorder(sink));
  return { plane: new ControlPlane(sim, { sink }), sink, sim };
}

const flags = BigInt(
  (1 << MSHV_PT_BIT.LAPIC) | (1 << MSHV_PT_BIT.X2APIC) | (1 << MSHV_PT_BIT.GPA_SUPER_PAGES),
);

function boot(plane: ControlPlane, vps: number): void {
  expect(plane.createPartition('vm0', { ptFlags: flags, ptIsolation: 0n }).status).toBe('done');
  expect(plane.partition('vm0', { type: 'INITIALIZE' }).status).toBe('done');
  const map = plane.partition('vm0', {
    type: 'MAP_MEMORY',
    region: 'ram0',
    detail: { guestPfn: '0x0', size: `0x${GiB.toString(16)}`, userAddr: '0x7f0000000000', flags: 3 },
  });
  expect(map).toEqual({ status: 'done', value: null });
  for (let i = 0; i < vps; i++) {
    expect(plane.partition('vm0', { type: 'CREATE_VP', vp: i }).status).toBe('done');
    expect(plane.vp('vm0', i, { type: 'READY' }).status).toBe('done');
  }
  expect(plane.partition('vm0', { type: 'START' }).status).toBe('done');
}

describe.each(['core-smt', 'root'] as const)(
  'ControlPlane on the simulated stack (%s scheduler)',
  (scheduler) => {
    it('runs a VP to its exits, parks a sleeping run with a kick on pause, resumes and tears down clean', () => {
      const { plane, sim, sink } = world(scheduler);
      boot(plane, 2);
      plane.guest('vm0', 0, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 72 }]);
      const run = plane.vp('vm0', 0, { type: 'RUN' });
      expect(run.status).toBe('done');
      expect(run.status === 'done' && (run.value as { kind: string }).kind).toBe('IO_PORT');
      // Rule 9: RIP must be advanced before the next run.
      expect(plane.vp('vm0', 0, { type: 'RUN' })).toMatchObject({
        status: 'rejected',
        rule: 'portIoRipAdvanced',
      });
      expect(plane.vp('vm0', 0, { type: 'SET_STATE', part: 'REGISTERS' }).status).toBe('done');
      // VP 1 has nothing to do: its thread sleeps in MSHV_RUN_VP.
      const sleeping = plane.vp('vm0', 1, { type: 'RUN' });
      expect(sleeping.status).toBe('pending');
      expect(plane.pendingRuns()).toHaveLength(1);
      // Pause parks the VPs: the sleeping run is kicked out with EINTR, then time is frozen.
      expect(plane.partition('vm0', { type: 'PAUSE' }).status).toBe('done');
      expect(plane.pendingRuns()).toHaveLength(0);
      const [settled] = plane.takeSettled();
      expect(settled?.outcome).toMatchObject({ status: 'failed', error: { errnoName: 'EINTR' } });
      expect(stateName(plane.vpSnapshot('vm0', 1)?.value)).toBe('suspended');
      expect(stateName(plane.partitionSnapshot('vm0')?.value)).toBe('live.paused');
      expect(plane.partition('vm0', { type: 'RESUME' }).status).toBe('done');
      expect(stateName(plane.partitionSnapshot('vm0')?.value)).toBe('live.running');
      expect(plane.partition('vm0', { type: 'CLOSE' }).status).toBe('done');
      // Closed in full, the partition is forgotten: the key is free, and requests naming it are
      // refused as for a key never used (its fds are closed: EBADF).
      expect(plane.partitionKeys()).toEqual([]);
      expect(plane.partitionSnapshot('vm0')).toBeUndefined();
      expect(plane.partition('vm0', { type: 'INITIALIZE' })).toEqual({
        status: 'rejected',
        errno: 'EBADF',
        rule: 'partitionExists',
      });
      expect(plane.vp('vm0', 0, { type: 'RUN' })).toMatchObject({ status: 'rejected', errno: 'EBADF' });
      expect(sim.machine.audit().ok).toBe(true);
      expect(sim.machine.partitions().filter((p) => !p.isRoot && p.state !== 'deleted')).toEqual([]);
      const kinds = new Set(sink.records.map((r) => r.kind));
      expect([...kinds].sort()).toEqual(['hypercall', 'intent', 'operation', 'result', 'transition']);
    });

    it('refuses an illegal request with the rule errno and leaves the snapshot as it was', () => {
      const { plane } = world(scheduler);
      boot(plane, 1);
      const before = plane.partitionSnapshot('vm0');
      expect(plane.partition('vm0', { type: 'CREATE_VP', vp: 256 })).toEqual({
        status: 'rejected',
        errno: 'EINVAL',
        rule: 'vpIndexBelowMax',
      });
      expect(plane.partitionSnapshot('vm0')).toBe(before);
      expect(plane.partition('vm0', { type: 'SNAPSHOT' })).toMatchObject({
        status: 'rejected',
        errno: 'EBUSY',
      });
    });
  },
);

describe('ControlPlane arguments JSON cannot carry', () => {
  it('a NaN in createPartition or guest arguments is a TypeError naming the field, and nothing is recorded', () => {
    const { plane, sink } = world();
    expect(() =>
      plane.createPartition('vm0', {
        ptFlags: flags,
        ptIsolation: 0n,
        v2: { numCpuFbanks: Number.NaN, cpuFbanks: [0n, 0n], disabledXsave: 0n },
      }),
    ).toThrow(new TypeError('createPartition.args.v2.numCpuFbanks: NaN is not a finite number (JSON)'));
    expect(() => {
      plane.guest('vm0', 0, [{ exit: 'CPUID', leaf: Number.POSITIVE_INFINITY, subleaf: 0 }]);
    }).toThrow(new TypeError('guest.exits[0].leaf: Infinity is not a finite number (JSON)'));
    expect(sink.records).toEqual([]);
    expect(plane.partitionKeys()).toEqual([]);
  });
});

describe('ControlPlane review fixes', () => {
  it('root: after a signal ends a run before its first DISPATCH_VP, the next run says what the driver does (inventory §c.6)', () => {
    const { plane, sim, sink } = world('root');
    boot(plane, 1);
    plane.guest('vm0', 0, [{ exit: 'CPUID', leaf: 1, subleaf: 0 }]);
    expect(plane.vp('vm0', 0, { type: 'RUN' }).status).toBe('done');
    plane.signal('vm0', 0);
    expect(plane.vp('vm0', 0, { type: 'RUN' })).toMatchObject({
      status: 'failed',
      error: { errnoName: 'EINTR' },
    });
    // No dispatch ran: the kernel's intercept_suspend is still set, and the machine mirrors it.
    const kernelVp = sim.device.vpOf(plane.vpFd('vm0', 0) ?? -1)?.vp;
    expect(kernelVp?.interceptSuspend).toBe(true);
    expect(plane.vpSnapshot('vm0', 0)?.context.flags).toBe(1);
    const from = sink.records.length;
    plane.vp('vm0', 0, { type: 'RUN' });
    const run = sink.records.slice(from).find((r) => r.kind === 'operation');
    expect(run).toMatchObject({ name: 'MSHV_RUN_VP', args: { clearInterceptSuspend: true } });
  });

  it.each([
    ['no request', undefined],
    ['null', null],
    ['no type', { property: 'SYNTHETIC_PROC_FEATURES' }],
    ['a type that is not a string', { type: 5 }],
    ['a bigint inside', { type: 'SET_PROPERTY', property: 1n, value: 1 }],
    ['NaN inside', { type: 'SET_PROPERTY', property: 'SYNTHETIC_PROC_FEATURES', value: NaN }],
  ])(
    'a request a caller past the types sends (%s) is refused EINVAL knownRequest, unrecorded, and the plane takes the next',
    (_what, request) => {
      const { plane, sink } = world();
      boot(plane, 1);
      const from = sink.records.length;
      const refused = { status: 'rejected', errno: 'EINVAL', rule: 'knownRequest' };
      expect(plane.partition('vm0', request as unknown as { type: 'INITIALIZE' })).toEqual(refused);
      expect(plane.vp('vm0', 0, request as unknown as { type: 'RUN' })).toEqual(refused);
      expect(plane.writeEventfd(3, null as unknown as bigint)).toEqual({
        status: 'rejected',
        errno: 'EINVAL',
        rule: 'u64',
      });
      expect(sink.records.length).toBe(from);
      // Before: a bigint property threw from inside SET_PROPERTY's operation and left it in flight,
      // so every later request was EBUSY (noOperationInFlight).
      expect(plane.partition('vm0', { type: 'PAUSE' }).status).toBe('done');
    },
  );

  it('an OP_OK / OP_FAILED from a caller is refused: it cannot end a sleeping run, whose ticket still settles', () => {
    const { plane } = world();
    boot(plane, 1);
    const run = plane.vp('vm0', 0, { type: 'RUN' });
    expect(run.status).toBe('pending');
    const forged = { type: 'OP_FAILED', op: 'MSHV_RUN_VP', errno: 'EINTR' } as unknown as { type: 'RUN' };
    expect(plane.vp('vm0', 0, forged)).toEqual({
      status: 'rejected',
      errno: 'EINVAL',
      rule: 'resultMatchesInflight',
    });
    expect(stateName(plane.vpSnapshot('vm0', 0)?.value)).toBe('running');
    // Before: the VP machine went `interrupted`, this RUN started a second run over ticket 1.
    expect(plane.vp('vm0', 0, { type: 'RUN' })).toMatchObject({ status: 'rejected', rule: 'vpNotRunning' });
    plane.guest('vm0', 0, [{ exit: 'HALT' }]);
    expect(plane.takeSettled()).toMatchObject([{ ticket: 1, outcome: { status: 'done' } }]);
    expect(
      plane.partition('vm0', { type: 'OP_OK', op: 'MSHV_INITIALIZE_PARTITION' } as unknown as {
        type: 'INITIALIZE';
      }),
    ).toEqual({ status: 'rejected', errno: 'EINVAL', rule: 'resultMatchesInflight' });
  });

  it('a VP is released only with its partition (§c.12 step 2): DELETE while open is refused and SNAPSHOT still reads every VP', () => {
    const { plane, sim } = world();
    boot(plane, 2);
    expect(plane.vp('vm0', 1, { type: 'DELETE' })).toEqual({
      status: 'rejected',
      errno: 'EPERM',
      rule: 'vpReleasedWithPartition',
    });
    expect(stateName(plane.vpSnapshot('vm0', 1)?.value)).toBe('idle');
    expect(plane.partition('vm0', { type: 'PAUSE' }).status).toBe('done');
    // Before: VP 1's machine was `deleted` (its fd and hypervisor VP alive) and every SNAPSHOT failed.
    const snap = plane.partition('vm0', { type: 'SNAPSHOT' });
    expect(snap.status).toBe('done');
    expect(Object.keys((snap as unknown as { value: { vps: object } }).value.vps)).toEqual(['0', '1']);
    expect(plane.partition('vm0', { type: 'CLOSE' }).status).toBe('done');
    expect(sim.machine.audit().ok).toBe(true);
  });
});

describe('ControlPlane irqfd bookkeeping (inventory §c.11)', () => {
  it('a deassign that matches no irqfd succeeds, as the kernel answers, and the machine still counts the bound one', () => {
    const { plane, sim } = world();
    boot(plane, 1);
    const efd = plane.eventfd();
    const fd = efd.status === 'done' ? (efd.value as number) : -1;
    expect(plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { fd, gsi: 5 } }).status).toBe(
      'done',
    );
    const driverIrqfds = (): number =>
      sim.device.partitions().find((pt) => pt.id === sim.device.partitionIdOf(plane.partitionFd('vm0') ?? -1))
        ?.irqfds.length ?? -1;
    // Wrong gsi: nothing is bound to (fd, 6), the driver keeps the irqfd.
    expect(plane.partition('vm0', { type: 'IRQFD', assign: false, detail: { fd, gsi: 6 } }).status).toBe(
      'done',
    );
    expect(driverIrqfds()).toBe(1);
    expect(plane.partitionSnapshot('vm0')?.context.irqfds).toBe(1);
    expect(plane.partition('vm0', { type: 'IRQFD', assign: false, detail: { fd, gsi: 5 } }).status).toBe(
      'done',
    );
    expect(driverIrqfds()).toBe(0);
    expect(plane.partitionSnapshot('vm0')?.context.irqfds).toBe(0);
  });
});
