import { describe, expect, it } from 'vitest';
import { HV_DISPATCH_VP_FLAG } from '../../../src/hv/flags/HvDispatchVp.js';
import { HV_VP_STATE_PAGE } from '../../../src/hv/flags/HvVpState.js';
import { DispatchVpInput } from '../../../src/hv/hypercalls/DispatchVp.js';
import { HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT } from '../../../src/hv/KernelConstants.js';
import type { IoctlResult } from '../../../src/pipeline/driver/IoctlResult.js';
import { tryAssertIrqFast } from '../../../src/pipeline/driver/tryAssertIrqFast.js';
import { VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET } from '../../../src/pipeline/driver/vpInterruptPending.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import { Host } from '../../../src/api/Host.js';
import { SimWorld } from '../../../src/runner/SimWorld.js';
import { loadScenario } from '../../../src/scenario/loadScenario.js';

function value<T>(r: IoctlResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.op}: ${r.error.errnoName} ${r.error.message}`);
  return r.value;
}

/** MSI data: edge, fixed, vector `v`; address: physical (bit 2 clear) or logical destination, APIC `apic`. */
const route = (gsi: number, v: number, apic: number, logical = false) => ({
  gsi,
  addressLo: (0xfee0_0000 | (apic << 12) | (logical ? 4 : 0)) >>> 0,
  addressHi: 0,
  data: v,
});

/**
 * A partition with VPs 0 and 1 and an irqfd on gsi 5 (vector 0x31 to APIC 1), every hypercall kept.
 * `injection`: the hypervisor's CPUID 0x40000003 ECX bit 9.
 */
function world(scheduler: 'root' | 'core-smt', injection: boolean | undefined, logical = false) {
  const calls: HypercallEvent[] = [];
  const w = new SimWorld(
    loadScenario({
      format: 1,
      name: 'irqfd-fast',
      seed: 8,
      hypervisor: {
        scheduler,
        ...(injection === undefined ? {} : { dispatchInterruptInjection: injection }),
      },
      steps: [],
    }),
    { wantsBytes: true, record: (e) => calls.push(e) },
  );
  const dev = w.device;
  const pt = value(dev.createPartition({ ptFlags: 0b11n, ptIsolation: 0n }));
  value(dev.initializePartition(pt));
  const vps = [value(dev.createVp(pt, 0)), value(dev.createVp(pt, 1))];
  value(dev.setMsiRouting(pt, [route(5, 0x31, 1, logical)]));
  const efd = dev.createEventfd();
  value(dev.irqfd(pt, { fd: efd, resamplefd: 0, gsi: 5, flags: 0 }));
  const kernelVp = (i: number) => dev.vpOf(vps[i]!)!.vp;
  /** The register page's interrupt_vectors word of VP `i`: [count, vectors...]. */
  const queued = (i: number): number[] => {
    const pfn = kernelVp(i).statePages.get(HV_VP_STATE_PAGE.REGISTERS)!;
    const page = w.shared.readPage(pfn);
    const at = VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET;
    return [...page.subarray(at, at + 1 + (page[at] ?? 0))];
  };
  const names = () => calls.map((c) => c.name);
  return { w, dev, pt, vps, efd, calls, names, queued };
}

describe('the irqfd fast path (inventory §c.11): root scheduler, CPUID 0x40000003 ECX bit 9, physical destination', () => {
  it('queues the vector in the target VP’s register page without a hypercall; the next DISPATCH_VP scans it and the hypervisor takes it', () => {
    const { w, dev, pt, vps, efd, calls, names, queued } = world('root', true);
    const before = calls.length;
    value(dev.writeEventfd(efd, 1n));
    expect(names().slice(before)).toEqual([]);
    expect(queued(1)).toEqual([1, 0x31]);
    expect(queued(0)).toEqual([0]);
    w.setGuestScript(pt, 1, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x41 }]);
    value(dev.runVp(vps[1]!));
    const dispatch = calls.find((c, i) => i >= before && c.name === 'DISPATCH_VP');
    expect(dispatch).toBeDefined();
    const flags = DispatchVpInput.decode(
      new DataView(dispatch!.input.buffer, dispatch!.input.byteOffset),
    ).flags;
    expect(flags & HV_DISPATCH_VP_FLAG.SCAN_INTERRUPT_INJECTION).toBe(
      HV_DISPATCH_VP_FLAG.SCAN_INTERRUPT_INJECTION,
    );
    expect(queued(1)).toEqual([0]);
  });

  it('seven vectors fill the list; the eighth injection takes the slow path (ASSERT_VIRTUAL_INTERRUPT)', () => {
    const { dev, efd, calls, names, queued } = world('root', true);
    const before = calls.length;
    for (let i = 0; i < HV_VP_REGISTER_PAGE_MAX_VECTOR_COUNT; i++) value(dev.writeEventfd(efd, 1n));
    expect(names().slice(before)).toEqual([]);
    expect(queued(1)).toEqual([7, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31, 0x31]);
    value(dev.writeEventfd(efd, 1n));
    expect(names().slice(before)).toEqual(['ASSERT_VIRTUAL_INTERRUPT']);
  });

  it.each([
    ['a hypervisor without bit 9 (the default)', 'root', undefined, false],
    ['a hypervisor scheduler', 'core-smt', true, false],
    ['a logical destination', 'root', true, true],
  ] as const)(
    '%s: every injection is ASSERT_VIRTUAL_INTERRUPT, nothing queued',
    (_what, scheduler, injection, logical) => {
      const { dev, efd, calls, names, queued } = world(scheduler, injection, logical);
      const before = calls.length;
      value(dev.writeEventfd(efd, 1n));
      expect(names().slice(before)).toEqual(['ASSERT_VIRTUAL_INTERRUPT']);
      expect(queued(1)).toEqual([0]);
    },
  );

  it('a VP inside DISPATCH_VP with vectors queued: the vector stays queued and the slow path asserts it too', () => {
    const { dev, vps, w } = world('root', true);
    const kpt = dev.vpOf(vps[0]!)!.pt;
    const vp = dev.vpOf(vps[1]!)!.vp;
    vp.rootSchedDispatched = true;
    const env = dev.env;
    const irq = { vector: 0x44, apicId: 1, interruptType: 0, levelTriggered: false, logicalDestMode: false };
    expect(tryAssertIrqFast(env, kpt, irq)).toBe('dispatched');
    const pfn = vp.statePages.get(HV_VP_STATE_PAGE.REGISTERS)!;
    expect(w.shared.readPage(pfn)[VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET]).toBe(1);
    expect(tryAssertIrqFast(env, kpt, { ...irq, apicId: 9 })).toBe('unavailable'); // no VP 9
  });

  it('the knob is kept in machine snapshots and shown by describe()', () => {
    const { w } = world('root', true);
    expect(w.machine.describe()).toContain('dispatchInterruptInjection (CPUID 0x40000003 ECX bit 9)');
    const restored = SimWorld.fromSnapshot(JSON.parse(JSON.stringify(w.snapshot())), {
      wantsBytes: false,
      record: () => undefined,
    });
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.value.machine.knobs.dispatchInterruptInjection).toBe(true);
    expect(world('root', undefined).w.machine.describe().join('\n')).not.toContain(
      'dispatchInterruptInjection',
    );
  });
});

describe('MSHV_SET_MSI_ROUTING entries carry __u32 fields', () => {
  it('a negative or fractional address_lo or data is EINVAL naming the entry and field (found: a signed 0xfee… was accepted)', () => {
    const w = new SimWorld(loadScenario({ format: 1, name: 'msi', seed: 1, hypervisor: {}, steps: [] }), {
      wantsBytes: false,
      record: () => undefined,
    });
    const pt = value(w.device.createPartition({ ptFlags: 0b11n, ptIsolation: 0n }));
    const r = w.device.setMsiRouting(pt, [{ gsi: 5, addressLo: 0xfee0_1000 | 0, addressHi: 0, data: 0x31 }]);
    expect(r.ok ? 'ok' : r.error.message).toBe(
      'entries[0].address_lo -18870272 does not fit u32 (mshv_user_irq_entry)',
    );
    const d = w.device.setMsiRouting(pt, [{ gsi: 5, addressLo: 0xfee0_1000, addressHi: 0, data: 1.5 }]);
    expect(d.ok ? 'ok' : d.error.message).toBe('entries[0].data 1.5 does not fit u32 (mshv_user_irq_entry)');
  });
});

describe('hypervisor.dispatchInterruptInjection in a scenario and through the Host API', () => {
  it('a scenario must give a boolean, named by its path', () => {
    expect(() =>
      loadScenario({
        format: 1,
        name: 'x',
        seed: 1,
        hypervisor: { dispatchInterruptInjection: 1 },
        steps: [],
      }),
    ).toThrow(/\$\.hypervisor\.dispatchInterruptInjection/);
  });

  it('Host.open passes it to the machine', () => {
    const host = Host.open({ scheduler: 'root', dispatchInterruptInjection: true });
    if (!host.ok) throw new Error(host.error.message);
    expect(host.value.describe()).toContain('dispatchInterruptInjection (CPUID 0x40000003 ECX bit 9)');
  });
});
