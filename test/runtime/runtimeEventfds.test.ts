import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../src/runtime/ControlPlane.js';
import { MemorySink } from '../../src/runtime/RecordSink.js';
import { SinkRecorder } from '../../src/runtime/SinkRecorder.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import type { Scenario } from '../../src/scenario/Scenario.js';

function world(): { plane: ControlPlane; sim: SimWorld } {
  const scenario = {
    format: 1,
    name: 'eventfds',
    seed: 5,
    hypervisor: { scheduler: 'core-smt', faults: [] },
    hostMemory: [],
    steps: [],
  } as unknown as Scenario;
  const sink = new MemorySink();
  const sim = new SimWorld(scenario, new SinkRecorder(sink));
  return { plane: new ControlPlane(sim, { sink }), sim };
}

function configured(plane: ControlPlane): void {
  expect(plane.createPartition('vm0', { ptFlags: 1n, ptIsolation: 0n }).status).toBe('done');
  expect(plane.partition('vm0', { type: 'INITIALIZE' }).status).toBe('done');
  expect(plane.partition('vm0', { type: 'CREATE_VP', vp: 0 }).status).toBe('done');
}

describe('eventfds the runtime makes for irqfds and ioeventfds (inventory §c.11)', () => {
  it('an assign without an fd gets new eventfds, returned as the value; partition close closes them', () => {
    const { plane, sim } = world();
    configured(plane);
    const irq = plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { gsi: 24 } });
    const bell = plane.partition('vm0', {
      type: 'IOEVENTFD',
      assign: true,
      pio: false,
      detail: { addr: '0x100000000', len: 4 },
    });
    expect(irq).toMatchObject({ status: 'done', value: { fd: expect.any(Number) as number } });
    expect(bell).toMatchObject({ status: 'done', value: { fd: expect.any(Number) as number } });
    expect(plane.partition('vm0', { type: 'CLOSE' }).status).toBe('done');
    for (const o of [irq, bell]) {
      const fd = o.status === 'done' ? (o.value as { fd: number }).fd : -1;
      expect(sim.device.close(fd)).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    }
  });

  it('a failed assign closes the eventfds it made; a deassign with release closes its fd', () => {
    const { plane, sim } = world();
    configured(plane);
    const next = sim.device.createEventfd() + 1;
    // RESAMPLE needs a level-triggered route; there is none: EINVAL from the driver.
    const failed = plane.partition('vm0', {
      type: 'IRQFD',
      assign: true,
      detail: { gsi: 24, resample: true },
    });
    expect(failed).toMatchObject({ status: 'failed', error: { errnoName: 'EINVAL' } });
    expect(sim.device.close(next)).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    expect(sim.device.close(next + 1)).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
    const irq = plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { gsi: 24 } });
    const fd = irq.status === 'done' ? (irq.value as { fd: number }).fd : -1;
    expect(fd).toBe(next + 2);
    const off = plane.partition('vm0', {
      type: 'IRQFD',
      assign: false,
      detail: { fd, gsi: 24, release: true },
    });
    expect(off).toEqual({ status: 'done', value: null });
    expect(sim.device.close(fd)).toMatchObject({ ok: false, error: { errnoName: 'EBADF' } });
  });
});

describe('device I/O while a pause holds the devices quiesced (vmm-lifecycle-rules 11)', () => {
  it('rule 11: a write to an irqfd eventfd of a paused partition is refused before the device; so is an assign of a signalled eventfd', () => {
    const { plane, sim } = world();
    configured(plane);
    const table = [24, 0xfee0_0000, 0, 0x30];
    expect(plane.partition('vm0', { type: 'SET_MSI_ROUTING', entries: 1, detail: { table } }).status).toBe(
      'done',
    );
    const fdOf = (o: ReturnType<ControlPlane['eventfd']>): number =>
      o.status === 'done' ? Number(o.value) : -1;
    const irq = fdOf(plane.eventfd());
    const spare = fdOf(plane.eventfd());
    expect(plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { fd: irq, gsi: 24 } }).status).toBe(
      'done',
    );
    expect(plane.partition('vm0', { type: 'START' }).status).toBe('done');
    expect(plane.partition('vm0', { type: 'PAUSE' }).status).toBe('done');
    const refused = { status: 'rejected', errno: 'EBUSY', rule: 'noDeviceIoWhilePaused' };
    expect(plane.writeEventfd(irq)).toEqual(refused);
    // An eventfd bound to no irqfd only counts: the write is the device model's own business.
    expect(plane.writeEventfd(spare)).toEqual({ status: 'done', value: null });
    expect(sim.device.eventfdCount(spare)).toBe(1n);
    // Bound while paused, the signalled eventfd would inject at once (§c.11): refused by the machine.
    expect(plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { fd: spare, gsi: 24 } })).toEqual(
      refused,
    );
    expect(plane.partition('vm0', { type: 'RESUME' }).status).toBe('done');
    expect(plane.writeEventfd(irq)).toEqual({ status: 'done', value: null });
  });

  it('an IRQFD or IOEVENTFD whose assign (or pio) is not a boolean is refused EINVAL knownRequest, with nothing bound', () => {
    const { plane, sim } = world();
    configured(plane);
    const malformed = [
      { type: 'IRQFD', detail: { gsi: 5 } },
      { type: 'IRQFD', assign: 1, detail: { gsi: 5 } },
      { type: 'IOEVENTFD', assign: 'yes', pio: true, detail: { addr: '0x10', len: 1 } },
      { type: 'IOEVENTFD', assign: true, detail: { addr: '0x10', len: 1 } },
    ] as unknown as Parameters<ControlPlane['partition']>[1][];
    for (const request of malformed)
      expect(plane.partition('vm0', request)).toEqual({
        status: 'rejected',
        errno: 'EINVAL',
        rule: 'knownRequest',
      });
    // Without the check the missing assign was an assign to the driver and a deassign to the machine.
    expect(sim.device.partitions()[0]?.irqfds).toEqual([]);
    expect(plane.partitionSnapshot('vm0')?.context.irqfds).toBe(0);
    expect(plane.partition('vm0', { type: 'IRQFD', assign: true, detail: { gsi: 5 } }).status).toBe('done');
    expect(sim.device.partitions()[0]?.irqfds).toHaveLength(1);
    expect(plane.partitionSnapshot('vm0')?.context.irqfds).toBe(1);
  });
});
