import { describe, expect, it } from 'vitest';
import { AssertVirtualInterrupt } from '../../../src/hv/hypercalls/AssertVirtualInterrupt.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import { partitionId } from '../../../src/hv/ids.js';
import { MSHV_IRQFD_BIT } from '../../../src/hv/uapi/flags.js';
import { ackIrqfdResample } from '../../../src/pipeline/driver/ackIrqfdResample.js';
import { createDriverEnv } from '../../../src/pipeline/driver/createDriverEnv.js';
import type { HvShared } from '../../../src/pipeline/driver/HvShared.js';
import { irqfd } from '../../../src/pipeline/driver/irqfd.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { setMsiRouting } from '../../../src/pipeline/driver/msiRouting.js';
import { signalIrqfd } from '../../../src/pipeline/driver/signalIrqfd.js';
import { HvPage } from '../../../src/ports/HvPage.js';
import type { UserIrqfd } from '../../../src/ports/DevicePort.js';
import { ScriptedPort } from '../ScriptedPort.js';
import { noDoorbellRing } from './noDoorbellRing.js';
import { NO_HOST_MEMORY } from './noHostMemory.js';

const DEASSIGN = 1 << MSHV_IRQFD_BIT.DEASSIGN;
const RESAMPLE = 1 << MSHV_IRQFD_BIT.RESAMPLE;
const EVENTFDS = new Set([10, 11, 12, 13]);
const unused = (): never => {
  throw new Error('not used by irqfd');
};

function rig() {
  const port = new ScriptedPort();
  const shared: HvShared = {
    ...noDoorbellRing,
    readPage: unused,
    writePage: unused,
    sint0Message: () => null,
    ackSint0Message: unused,
    setInterruptHandler: unused,
    runHypervisor: unused,
    takeSignal: () => false,
  };
  const env = createDriverEnv({
    hypervisor: port,
    pages: { input: new HvPage(), output: new HvPage() },
    kernel: { allocPages: () => null, freePages: unused },
    host: NO_HOST_MEMORY,
    rootPartition: partitionId(1n),
    scheduler: 'core-smt',
    recorder: { wantsBytes: false, record: () => undefined },
    shared,
  });
  const pt = new KernelPartition(3, partitionId(7n), 0n);
  // gsi 5: edge, vector 0x31 → APIC 2; gsi 6: level (data bit 15), logical, vector 0x41 → APIC 3;
  // gsi 8: level ExtINT (type 7 in data[10:8]).
  const routes = [
    { gsi: 5, addressLo: 0xfee0_2000, addressHi: 0, data: 0x0031 },
    { gsi: 6, addressLo: 0xfee0_3004, addressHi: 0, data: 0x8041 },
    { gsi: 8, addressLo: 0xfee0_0000, addressHi: 0, data: 0x8700 },
  ];
  expect(setMsiRouting(env, pt, routes, 0).ok).toBe(true);
  const call = (arg: Partial<UserIrqfd>) =>
    irqfd(env, pt, { fd: 10, resamplefd: 0, gsi: 5, flags: 0, ...arg }, EVENTFDS);
  return { port, env, pt, call };
}

const errnoOf = (r: { ok: boolean; error?: { errnoName: string } }) => (r.ok ? 'ok' : r.error?.errnoName);

describe('MSHV_IRQFD validation (inventory §c.11, §d): errno and no state left behind', () => {
  it.each([
    ['unknown flag bits', { flags: 0x4 }, 'EINVAL'],
    ['an fd that is not open', { fd: 99 }, 'EBADF'],
    ['DEASSIGN on an fd that is not open', { fd: 99, flags: DEASSIGN }, 'EBADF'],
    ['RESAMPLE with a resamplefd that is not open', { gsi: 6, flags: RESAMPLE, resamplefd: 99 }, 'EBADF'],
    ['RESAMPLE on an edge-triggered route', { gsi: 5, flags: RESAMPLE, resamplefd: 11 }, 'EINVAL'],
    ['RESAMPLE on a gsi with no route', { gsi: 7, flags: RESAMPLE, resamplefd: 11 }, 'EINVAL'],
  ] as const)('rejects %s', (_rule, arg, errno) => {
    const r = rig();
    expect(errnoOf(r.call(arg))).toBe(errno);
    expect(r.pt.irqfds).toEqual([]);
    expect(r.port.seen).toEqual([]);
  });

  it('refuses an eventfd already bound on this partition (EBUSY), even for another gsi', () => {
    const r = rig();
    expect(errnoOf(r.call({ gsi: 5 }))).toBe('ok');
    expect(errnoOf(r.call({ gsi: 6 }))).toBe('EBUSY');
    expect(r.pt.irqfds).toEqual([{ eventfd: 10, gsi: 5, resamplefd: undefined }]);
  });

  it('records a resampling irqfd on a level-triggered route', () => {
    const r = rig();
    expect(errnoOf(r.call({ gsi: 6, flags: RESAMPLE, resamplefd: 11 }))).toBe('ok');
    expect(r.pt.irqfds).toEqual([{ eventfd: 10, gsi: 6, resamplefd: 11 }]);
  });

  it('DEASSIGN drops only the (eventfd, gsi) binding and succeeds when nothing matches', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 5 });
    r.call({ fd: 12, gsi: 6 });
    expect(errnoOf(r.call({ fd: 10, gsi: 6, flags: DEASSIGN }))).toBe('ok');
    expect(r.pt.irqfds).toHaveLength(2);
    expect(errnoOf(r.call({ fd: 10, gsi: 5, flags: DEASSIGN }))).toBe('ok');
    expect(r.pt.irqfds).toEqual([{ eventfd: 12, gsi: 6, resamplefd: undefined }]);
    expect(errnoOf(r.call({ fd: 10, gsi: 5 }))).toBe('ok');
  });
});

describe('irqfd injection, slow path (inventory §c.11)', () => {
  it('asserts the routed interrupt: vector, APIC id as dest_addr, level and logical bits in control', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 6 });
    expect(signalIrqfd(r.env, r.pt, 10)?.result).toBe(0);
    expect(r.port.seen.map((c) => c.code)).toEqual([HypercallCode.ASSERT_VIRTUAL_INTERRUPT]);
    const input = r.port.seen[0]?.input ?? new Uint8Array();
    expect(AssertVirtualInterrupt.input.decode(new DataView(input.buffer))).toEqual({
      partitionId: 7n,
      control: (1n << 32n) | (1n << 33n),
      destAddr: 3n,
      vector: 0x41,
      targetVtl: 0,
    });
  });

  it('follows a routing replacement: the next signal uses the new route', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 5 });
    setMsiRouting(r.env, r.pt, [{ gsi: 5, addressLo: 0xfee0_9000, addressHi: 0, data: 0x0052 }], 0);
    signalIrqfd(r.env, r.pt, 10);
    const view = new DataView(r.port.seen[0]?.input.buffer ?? new ArrayBuffer(32));
    expect([view.getBigUint64(16, true), view.getUint32(24, true)]).toEqual([9n, 0x52]);
  });

  it('injects nothing for a gsi past the table, or for an eventfd with no irqfd', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 9 });
    expect(signalIrqfd(r.env, r.pt, 10)).toBeUndefined();
    expect(signalIrqfd(r.env, r.pt, 13)).toBeUndefined();
    expect(r.port.seen).toEqual([]);
  });

  it('quirk: an unrouted slot inside the table (guest_irq_num 0) asserts an all-zero interrupt', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 7 });
    signalIrqfd(r.env, r.pt, 10);
    const v = AssertVirtualInterrupt.input.decode(
      new DataView(r.port.seen[0]?.input.buffer ?? new ArrayBuffer(32)),
    );
    expect(v).toMatchObject({ control: 0n, destAddr: 0n, vector: 0 });
  });
});

describe('irqfd resampler ack (inventory §c.11)', () => {
  it('clears an ExtINT with CLEAR_VIRTUAL_INTERRUPT per resampling irqfd, then signals each, newest first', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 8, flags: RESAMPLE, resamplefd: 11 });
    r.call({ fd: 12, gsi: 8, flags: RESAMPLE, resamplefd: 13 });
    expect(ackIrqfdResample(r.env, r.pt, 8)).toEqual([13, 11]);
    expect(r.port.seen.map((c) => [c.code, c.fast])).toEqual([
      [HypercallCode.CLEAR_VIRTUAL_INTERRUPT, true],
      [HypercallCode.CLEAR_VIRTUAL_INTERRUPT, true],
    ]);
    expect(r.env.windows.count).toBe(0);
  });

  it('signals without a hypercall for a fixed-type level route, and does nothing for other gsis', () => {
    const r = rig();
    r.call({ fd: 10, gsi: 6, flags: RESAMPLE, resamplefd: 11 });
    expect(ackIrqfdResample(r.env, r.pt, 6)).toEqual([11]);
    expect(ackIrqfdResample(r.env, r.pt, 5)).toEqual([]);
    expect(r.port.seen).toEqual([]);
  });
});
