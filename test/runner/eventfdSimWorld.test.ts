import { describe, expect, it } from 'vitest';
import { MSHV_IOEVENTFD_BIT, MSHV_IRQFD_BIT } from '../../src/hv/uapi/flags.js';
import { EVENTFD_COUNT_MAX } from '../../src/pipeline/driver/Eventfd.js';
import type { IoctlResult } from '../../src/pipeline/driver/IoctlResult.js';
import { portIdsOf } from '../../src/pipeline/driver/portIdAllocator.js';
import type { HypercallEvent } from '../../src/pipeline/HypercallRecorder.js';
import { runScenario } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { describeFailure } from '../../src/runner/StepOutcome.js';
import { loadScenario } from '../../src/scenario/loadScenario.js';
import type { GuestExit } from '../../src/scenario/Scenario.js';

const DOORBELL_GPA = 0xfe00_1000n;
const RESAMPLE = 1 << MSHV_IRQFD_BIT.RESAMPLE;
const DATAMATCH = 1 << MSHV_IOEVENTFD_BIT.DATAMATCH;

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}
const errno = <T>(r: IoctlResult<T>): string => (r.ok ? 'ok' : r.error.errnoName);

/** The simulated machine and driver, one initialized partition with VPs 0 and 1, every hypercall kept. */
function world(seed = 3, scheduler: 'core-smt' | 'root' = 'core-smt') {
  const calls: HypercallEvent[] = [];
  const w = new SimWorld(
    loadScenario({ format: 1, name: 'eventfds', seed, hypervisor: { scheduler }, steps: [] }),
    { wantsBytes: false, record: (e) => calls.push(e) },
  );
  const dev = w.device;
  const pt = value(dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n }));
  value(dev.initializePartition(pt));
  const vps = [value(dev.createVp(pt, 0)), value(dev.createVp(pt, 1))];
  const names = (from = 0) => calls.slice(from).map((c) => c.name);
  const run = (vp: number, exits: readonly GuestExit[]) => {
    w.setGuestScript(pt, vp, exits);
    return dev.runVp(vps[vp]!);
  };
  return { w, dev, pt, vps, calls, names, run };
}

const ring = (value = 1n, gpa = DOORBELL_GPA): GuestExit => ({
  exit: 'MMIO',
  gpa,
  write: true,
  size: 4,
  value,
});
const outb: GuestExit = { exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 };

describe('eventfd counters on the device (DevicePort readEventfd / writeEventfd)', () => {
  it('counts writes, reads the sum once, then answers EAGAIN (non-blocking eventfd)', () => {
    const { dev } = world();
    const efd = dev.createEventfd();
    expect(errno(dev.readEventfd(efd))).toBe('EAGAIN');
    value(dev.writeEventfd(efd, 2n));
    value(dev.writeEventfd(efd, 3n));
    expect(dev.eventfdCount(efd)).toBe(5n);
    expect(value(dev.readEventfd(efd))).toBe(5n);
    expect(errno(dev.readEventfd(efd))).toBe('EAGAIN');
  });

  it('refuses 2^64 − 1 (EINVAL) and a sum past 2^64 − 2 (EAGAIN), leaving the count as it was', () => {
    const { dev } = world();
    const efd = dev.createEventfd();
    expect(errno(dev.writeEventfd(efd, EVENTFD_COUNT_MAX))).toBe('EINVAL');
    value(dev.writeEventfd(efd, EVENTFD_COUNT_MAX - 1n));
    expect(errno(dev.writeEventfd(efd, 1n))).toBe('EAGAIN');
    expect(dev.eventfdCount(efd)).toBe(EVENTFD_COUNT_MAX - 1n);
  });

  it('read and write on an mshv fd are EINVAL, on an fd that is not open EBADF', () => {
    const { dev, pt, vps } = world();
    expect([errno(dev.readEventfd(pt)), errno(dev.writeEventfd(vps[0]!, 1n))]).toEqual(['EINVAL', 'EINVAL']);
    expect([errno(dev.readEventfd(999)), errno(dev.writeEventfd(999, 1n))]).toEqual(['EBADF', 'EBADF']);
  });

  it('a write to an irqfd-bound eventfd injects its gsi (ASSERT_VIRTUAL_INTERRUPT) and the irqfd reads the count away (§c.11)', () => {
    const { dev, pt, calls, names } = world();
    value(dev.setMsiRouting(pt, [{ gsi: 4, addressLo: 0xfee0_0000, addressHi: 0, data: 0x41 }]));
    const efd = dev.createEventfd();
    value(dev.irqfd(pt, { fd: efd, resamplefd: 0, gsi: 4, flags: 0 }));
    const before = calls.length;
    value(dev.writeEventfd(efd, 1n));
    expect(names(before)).toEqual(['ASSERT_VIRTUAL_INTERRUPT']);
    expect(errno(dev.readEventfd(efd))).toBe('EAGAIN');
  });

  it('an event already counted at assign time is injected at once and stays counted (the poll does not read it)', () => {
    const { dev, pt, calls, names } = world();
    value(dev.setMsiRouting(pt, [{ gsi: 4, addressLo: 0xfee0_0000, addressHi: 0, data: 0x41 }]));
    const efd = dev.createEventfd();
    value(dev.writeEventfd(efd, 1n));
    const before = calls.length;
    value(dev.irqfd(pt, { fd: efd, resamplefd: 0, gsi: 4, flags: 0 }));
    expect([names(before), dev.eventfdCount(efd)]).toEqual([['ASSERT_VIRTUAL_INTERRUPT'], 1n]);
  });

  it('closing an eventfd deactivates the irqfds bound to it (POLLHUP): nothing left behind', () => {
    const { dev, pt } = world();
    const efd = dev.createEventfd();
    value(dev.irqfd(pt, { fd: efd, resamplefd: 0, gsi: 4, flags: 0 }));
    value(dev.close(efd));
    expect(dev.partitions()[0]!.irqfds).toEqual([]);
  });

  it('the resample eventfd is signalled when the guest EOIs a level-triggered gsi (§c.8 APIC EOI, §c.11)', () => {
    const { w, dev, pt, names, calls } = world();
    // gsi 1: level (data bit 15). The kernel compares the EOI's vector with the gsi (inventory §c.8).
    value(dev.setMsiRouting(pt, [{ gsi: 1, addressLo: 0xfee0_0000, addressHi: 0, data: 0x8031 }]));
    const [efd, resample] = [dev.createEventfd(), dev.createEventfd()];
    value(dev.irqfd(pt, { fd: efd, resamplefd: resample, gsi: 1, flags: RESAMPLE }));
    expect(errno(dev.readEventfd(resample))).toBe('EAGAIN');
    const before = calls.length;
    w.machine.guestEoi(dev.partitionIdOf(pt)!, 0, 1);
    expect(value(dev.readEventfd(resample))).toBe(1n);
    expect(names(before)).toEqual([]); // not ExtINT: no CLEAR_VIRTUAL_INTERRUPT
    expect(w.machine.host.sint0PendingCpus()).toEqual([]);
  });

  it('an ExtINT resampler clears the interrupt (CLEAR_VIRTUAL_INTERRUPT, fast8) before signalling', () => {
    const { w, dev, pt, names, calls } = world();
    value(dev.setMsiRouting(pt, [{ gsi: 8, addressLo: 0xfee0_0000, addressHi: 0, data: 0x8700 }]));
    const [efd, resample] = [dev.createEventfd(), dev.createEventfd()];
    value(dev.irqfd(pt, { fd: efd, resamplefd: resample, gsi: 8, flags: RESAMPLE }));
    const before = calls.length;
    w.machine.guestEoi(dev.partitionIdOf(pt)!, 0, 8);
    expect(value(dev.readEventfd(resample))).toBe(1n);
    expect(names(before)).toEqual(['CLEAR_VIRTUAL_INTERRUPT']);
  });
});

describe('doorbells end to end through SimWorld (inventory §c.11 doorbell delivery)', () => {
  it('a guest write of the datamatch value rings the doorbell in the guest; the next exit reaches the VMM; the eventfd counts 1', () => {
    const { dev, pt, run } = world();
    const [hit, miss] = [dev.createEventfd(), dev.createEventfd()];
    value(dev.ioeventfd(pt, { fd: hit, addr: DOORBELL_GPA, len: 4, datamatch: 2n, flags: DATAMATCH }));
    value(dev.ioeventfd(pt, { fd: miss, addr: DOORBELL_GPA, len: 4, datamatch: 1n, flags: DATAMATCH }));
    const msg = value(run(0, [ring(2n), outb]));
    expect(new DataView(msg.buffer).getUint32(0, true)).toBe(0x8001_0000); // HVMSG_X64_IO_PORT_INTERCEPT
    expect([value(dev.readEventfd(hit)), errno(dev.readEventfd(miss))]).toEqual([1n, 'EAGAIN']);
  });

  it('70 writes overflow the 63-slot ring: the ISR drains, sends NOTIFY_PORT_RING_EMPTY, drains the rest; every ring counts', () => {
    const { w, dev, pt, vps, run, names } = world();
    const efd = dev.createEventfd();
    value(dev.ioeventfd(pt, { fd: efd, addr: DOORBELL_GPA, len: 4, datamatch: 0n, flags: 0 }));
    expect(errno(run(0, [...Array.from({ length: 70 }, () => ring()), outb]))).toBe('ok');
    expect(value(dev.readEventfd(efd))).toBe(70n);
    expect(names().filter((n) => n === 'NOTIFY_PORT_RING_EMPTY')).toHaveLength(1);
    expect(dev.doorbellRingTails.get(0)).toBe(70 % 63);
    expect(w.machine.host.synic.ringBacklog(0)).toBe(0);
    // A second round wraps the ring again from slot 7.
    expect(errno(run(0, [...Array.from({ length: 60 }, () => ring()), outb]))).toBe('ok');
    expect(value(dev.readEventfd(efd))).toBe(60n);
    expect(dev.doorbellRingTails.get(0)).toBe((70 + 60) % 63);
    for (const fd of [...vps, pt]) value(dev.close(fd));
    expect(w.machine.audit().violations).toEqual([]);
    expect(portIdsOf(dev.env).inUse()).toEqual([]);
  });

  it('a doorbell rung by VP 1 arrives on its CPU: that CPU takes the interrupt and keeps its own tail', () => {
    const { w, dev, pt, run } = world();
    const cpu1 = w.machine.partition(dev.partitionIdOf(pt)!)!.vps.find((v) => v.index === 1)!.cpu;
    expect(cpu1).toBe(1); // at least 2 CPUs on every seed; VP i runs on CPU i mod count
    const efd = dev.createEventfd();
    value(dev.ioeventfd(pt, { fd: efd, addr: DOORBELL_GPA, len: 0, datamatch: 0n, flags: 0 }));
    expect(errno(run(1, [ring(), outb]))).toBe('ok');
    expect(value(dev.readEventfd(efd))).toBe(1n);
    expect([...dev.doorbellRingTails]).toEqual([[1, 1]]);
  });

  it('under the root scheduler a doorbell rung inside DISPATCH_VP is handled when the VMM next enters the kernel', () => {
    const { dev, pt, run } = world(5, 'root');
    const efd = dev.createEventfd();
    value(dev.ioeventfd(pt, { fd: efd, addr: DOORBELL_GPA, len: 4, datamatch: 0n, flags: 0 }));
    expect(errno(run(0, [ring(), outb]))).toBe('ok');
    expect(value(dev.readEventfd(efd))).toBe(1n);
  });

  it('a doorbell deassigned before the guest writes: the write exits to the VMM and nothing is counted', () => {
    const { dev, pt, run } = world();
    const efd = dev.createEventfd();
    const io = { fd: efd, addr: DOORBELL_GPA, len: 4, datamatch: 0n, flags: 0 };
    value(dev.ioeventfd(pt, io));
    value(dev.ioeventfd(pt, { ...io, flags: 1 << MSHV_IOEVENTFD_BIT.DEASSIGN }));
    const msg = value(run(0, [ring()]));
    expect(new DataView(msg.buffer).getUint32(0, true)).toBe(0x8000_0000); // HVMSG_UNMAPPED_GPA
    expect(errno(dev.readEventfd(efd))).toBe('EAGAIN');
  });
});

describe('scenario ops readEventfd / writeEventfd (scenario-format.md, Extensions)', () => {
  const scenario = (expectCount: number) =>
    loadScenario({
      format: 1,
      name: 'count',
      seed: 9,
      steps: [
        { op: 'createPartition', partition: 'vm0' },
        { op: 'initializePartition', partition: 'vm0' },
        { op: 'createVp', partition: 'vm0', vpIndex: 0 },
        { op: 'ioeventfd', partition: 'vm0', addr: '0xfe001000', len: 4, fd: 5 },
        {
          op: 'runVp',
          partition: 'vm0',
          vpIndex: 0,
          guest: [
            { exit: 'MMIO', gpa: '0xfe001000', write: true, size: 4, value: 1 },
            { exit: 'MMIO', gpa: '0xfe001000', write: true, size: 4, value: 7 },
            { exit: 'HALT' },
          ],
        },
        { op: 'readEventfd', partition: 'vm0', fd: 5, expectCount },
        { op: 'closePartition', partition: 'vm0' },
      ],
    });

  it('a read returning the expected count meets the step', () => {
    const s = scenario(2);
    const report = runScenario(s, new SimWorld(s, { wantsBytes: false, record: () => undefined }));
    expect(report.failed).toBeUndefined();
    expect(report.outcomes[5]).toMatchObject({ op: 'readEventfd', actual: 'ok', detail: 'count 2' });
  });

  it('another count fails the run at that step, naming both counts', () => {
    const s = scenario(3);
    const report = runScenario(s, new SimWorld(s, { wantsBytes: false, record: () => undefined }));
    expect(report.failed).toMatchObject({ index: 5, actual: 'ok', mismatch: 'count 2, expected 3' });
    expect(describeFailure(report.failed!)).toBe(
      'step 5 (readEventfd vm0) returned ok but count 2, expected 3',
    );
  });
});
