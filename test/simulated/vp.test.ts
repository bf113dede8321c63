import { describe, expect, it } from 'vitest';
import { HV_VP_DISPATCH_EVENT, HV_VP_DISPATCH_STATE } from '../../src/hv/flags/HvDispatchVp.js';
import { HVMSG } from '../../src/hv/flags/HvMessageType.js';
import { HV_REGISTER } from '../../src/hv/flags/HvRegisterName.js';
import {
  HV_STATS_AREA,
  HV_STATS_OBJECT,
  VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER,
} from '../../src/hv/flags/HvStats.js';
import { HV_GET_SET_VP_STATE, HV_VP_STATE_PAGE } from '../../src/hv/flags/HvVpState.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import {
  AssertVirtualInterrupt,
  ClearVirtualInterrupt,
  CreateVp,
  DeleteVp,
  DispatchVp,
  GetVpRegisters,
  GetVpState,
  MapStatsPage,
  MapStatsPage2,
  MapVpStatePage,
  SetVpRegisters,
  SetVpState,
  UnmapStatsPage,
  UnmapVpStatePage,
} from '../../src/hv/hypercalls/index.js';
import { REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET } from '../../adapters/simulated/model/Guest.js';
import { ALL_CREATION_FLAGS, Caller, smallMachine } from './harness.js';

const createVpValues = (
  partitionId: bigint,
  vpIndex: number,
  over: Record<string, unknown> = {},
): Record<string, unknown> => ({
  partitionId,
  vpIndex,
  subnodeType: 0,
  subnodeId: 0n,
  proximityDomainInfo: 0n,
  flags: 0n,
  ...over,
});

function setRegs(
  c: Caller,
  partitionId: bigint,
  vpIndex: number,
  regs: readonly [number, bigint][],
): ReturnType<Caller['call']> {
  return c.call(
    SetVpRegisters,
    { partitionId, vpIndex, inputVtl: 0 },
    {
      repCount: regs.length,
      list: (p, at) => {
        regs.forEach(([name, value], i) => {
          p.view.setUint32(at + i * 32, name, true);
          p.view.setBigUint64(at + i * 32 + 16, value, true);
        });
      },
    },
  );
}

function getRegs(
  c: Caller,
  partitionId: bigint,
  vpIndex: number,
  names: readonly number[],
): { status: number; values: bigint[] } {
  const a = c.call(
    GetVpRegisters,
    { partitionId, vpIndex, inputVtl: 0 },
    {
      repCount: names.length,
      list: (p, at) => {
        names.forEach((n, i) => {
          p.view.setUint32(at + i * 4, n, true);
        });
      },
    },
  );
  return { status: a.status, values: names.map((_, i) => a.output.view.getBigUint64(i * 16, true)) };
}

function mapStatePage(
  c: Caller,
  partitionId: bigint,
  vpIndex: number,
  type: number,
): { status: number; pfn: number } {
  const a = c.call(MapVpStatePage, {
    partitionId,
    vpIndex,
    type,
    inputVtl: 0,
    flags: 0,
    requestedMapLocation: 0n,
  });
  return { status: a.status, pfn: a.output.getU64Number(0) };
}

function statsValues(partitionId: bigint, vpIndex: number, area: number): Record<string, unknown> {
  return {
    type: HV_STATS_OBJECT.VP,
    identityPartitionId: partitionId,
    identityVpIndex: vpIndex,
    identityFlags: 0,
    identityStatsAreaType: area,
  };
}

/** A ready partition with VP 0 and its intercept page mapped, as MSHV_CREATE_VP leaves it (inventory §c.5). */
function vpSetup(scheduler: 'core-smt' | 'root'): { c: Caller; id: bigint; interceptPfn: number } {
  const m = smallMachine({ scheduler });
  const c = new Caller(m);
  const id = c.readyPartition();
  expect(c.createVp(id, 0).status).toBe(S.SUCCESS);
  const { pfn } = mapStatePage(c, id, 0, HV_VP_STATE_PAGE.INTERCEPT_MESSAGE);
  return { c, id, interceptPfn: pfn };
}

describe('CREATE_VP / DELETE_VP (inventory §c.5)', () => {
  it('refuses CREATE_VP before INITIALIZE_PARTITION (INVALID_PARTITION_STATE)', () => {
    const c = new Caller(smallMachine());
    const id = c.createPartition();
    c.deposit(id, 200);
    expect(c.call(CreateVp, createVpValues(id, 0)).status).toBe(S.INVALID_PARTITION_STATE);
  });

  it('takes the VP cost from the pool: INSUFFICIENT_MEMORY without a deposit', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.withdrawAll(id);
    expect(c.call(CreateVp, createVpValues(id, 0)).status).toBe(S.INSUFFICIENT_MEMORY);
    c.deposit(id, m.knobs.costs.vpPages);
    expect(c.call(CreateVp, createVpValues(id, 0)).status).toBe(S.SUCCESS);
  });

  it('refuses a used or out-of-range index (INVALID_VP_INDEX) and non-zero flags (INVALID_PARAMETER)', () => {
    const c = new Caller(smallMachine());
    const id = c.readyPartition();
    expect(c.createVp(id, 3).status).toBe(S.SUCCESS);
    expect(c.createVp(id, 3).status).toBe(S.INVALID_VP_INDEX);
    expect(c.createVp(id, 1024).status).toBe(S.INVALID_VP_INDEX);
    expect(c.call(CreateVp, createVpValues(id, 4, { flags: 1n })).status).toBe(S.INVALID_PARAMETER);
    expect(c.call(CreateVp, createVpValues(id, 4, { subnodeType: 1 })).status).toBe(S.INVALID_PARAMETER);
  });

  it('DELETE_VP releases the VP and its mapped pages; an absent VP is INVALID_VP_INDEX', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 0);
    mapStatePage(c, id, 0, HV_VP_STATE_PAGE.REGISTERS);
    const used = m.partition(id)!.pool.usedPages;
    expect(c.fast(DeleteVp, { partitionId: id, vpIndex: 0 }).status).toBe(S.SUCCESS);
    expect(m.partition(id)!.pool.usedPages).toBe(used - m.knobs.costs.vpPages - 1);
    expect(c.fast(DeleteVp, { partitionId: id, vpIndex: 0 }).status).toBe(S.INVALID_VP_INDEX);
    expect(m.audit().violations).toEqual([]);
  });
});

describe('GET/SET_VP_REGISTERS', () => {
  it('stores general registers and reports the suspend registers and signal count', () => {
    const { c, id } = vpSetup('core-smt');
    expect(setRegs(c, id, 0, [[0x0002_0010, 0xfff0n]]).status).toBe(S.SUCCESS);
    const r = getRegs(c, id, 0, [
      0x0002_0010,
      HV_REGISTER.EXPLICIT_SUSPEND,
      HV_REGISTER.INTERCEPT_SUSPEND,
      HV_REGISTER.VP_ROOT_SIGNAL_COUNT,
    ]);
    expect(r).toEqual({ status: S.SUCCESS, values: [0xfff0n, 1n, 0n, 0n] });
  });

  it('refuses unknown names (INVALID_PARAMETER), bad suspend values (INVALID_REGISTER_VALUE), writing the signal count', () => {
    const { c, id } = vpSetup('core-smt');
    expect(getRegs(c, id, 0, [0x0002_0000, 0x00ff_0000]).status).toBe(S.INVALID_PARAMETER);
    expect(setRegs(c, id, 0, [[HV_REGISTER.EXPLICIT_SUSPEND, 2n]]).status).toBe(S.INVALID_REGISTER_VALUE);
    expect(setRegs(c, id, 0, [[HV_REGISTER.INTERCEPT_SUSPEND, 1n]]).status).toBe(S.INVALID_REGISTER_VALUE);
    expect(setRegs(c, id, 0, [[HV_REGISTER.VP_ROOT_SIGNAL_COUNT, 1n]]).status).toBe(S.INVALID_PARAMETER);
    expect(getRegs(c, id, 7, [0x0002_0000]).status).toBe(S.INVALID_VP_INDEX);
  });
});

describe('hypervisor scheduler run loop (inventory §c.6, §c.8)', () => {
  it('delivers an IO_PORT intercept in the VP page and kicks SINT0 with OPAQUE_INTERCEPT naming the VP', () => {
    const { c, id, interceptPfn } = vpSetup('core-smt');
    const m = c.machine;
    setRegs(c, id, 0, [[0x0002_0010, 0x1000n]]);
    m.pushExits(id, 0, [{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 72 }, { exit: 'HALT' }]);
    expect(m.host.sint0PendingCpus()).toEqual([]); // still explicitly suspended
    setRegs(c, id, 0, [
      [HV_REGISTER.INTERCEPT_SUSPEND, 0n],
      [HV_REGISTER.EXPLICIT_SUSPEND, 0n],
    ]);
    const kick = m.takeSint0Message(0)!;
    const kv = new DataView(kick.buffer);
    expect(kv.getUint32(0, true)).toBe(HVMSG.OPAQUE_INTERCEPT);
    expect(kv.getBigUint64(8, true)).toBe(id);
    expect(kv.getUint32(16, true)).toBe(0);
    const page = m.host.physPage(interceptPfn).view;
    expect(page.getUint32(0, true)).toBe(HVMSG.X64_IO_PORT_INTERCEPT);
    expect(page.getBigUint64(16 + 24, true)).toBe(0x1000n); // rip from the register file
    expect(page.getUint16(16 + 40, true)).toBe(0x3f8);
    expect(Number(page.getBigUint64(16 + 48, true) & 0xffn)).toBe(72);
    expect(getRegs(c, id, 0, [HV_REGISTER.INTERCEPT_SUSPEND]).values).toEqual([1n]);
    // Resume: the next exit (HALT) arrives the same way.
    setRegs(c, id, 0, [
      [HV_REGISTER.INTERCEPT_SUSPEND, 0n],
      [HV_REGISTER.EXPLICIT_SUSPEND, 0n],
    ]);
    expect(m.takeSint0Message(0)).toBeDefined();
    expect(m.host.physPage(interceptPfn).view.getUint32(0, true)).toBe(HVMSG.X64_HALT);
  });

  it('loses an intercept when EXPLICIT_SUSPEND is cleared before INTERCEPT_SUSPEND (why the order matters)', () => {
    const { c, id, interceptPfn } = vpSetup('core-smt');
    const m = c.machine;
    m.pushExits(id, 0, [
      { exit: 'CPUID', leaf: 1, subleaf: 0 },
      { exit: 'CPUID', leaf: 2, subleaf: 0 },
    ]);
    setRegs(c, id, 0, [
      [HV_REGISTER.EXPLICIT_SUSPEND, 0n],
      [HV_REGISTER.INTERCEPT_SUSPEND, 0n],
    ]);
    // The first CPUID intercept arrived between the two reps and was cleared by the second.
    expect(m.partition(id)!.vps[0]!.exits).toBe(2);
    expect(m.takeSint0Message(0)).toBeDefined();
    expect(m.takeSint0Message(0)).toBeDefined();
    // Lost: the intercept page holds the second CPUID (leaf 2) before the root read the first, and
    // the VP waits on the second.
    const page = m.host.physPage(interceptPfn).view;
    expect(page.getUint32(0, true)).toBe(HVMSG.X64_CPUID_INTERCEPT);
    expect(page.getBigUint64(16 + 40, true)).toBe(2n); // rax: the leaf
    expect(getRegs(c, id, 0, [HV_REGISTER.INTERCEPT_SUSPEND]).values).toEqual([1n]);
  });

  it('completes RAM accesses in the guest (setting accessed/dirty) and exits on unmapped GPAs', () => {
    const { c, id, interceptPfn } = vpSetup('core-smt');
    const m = c.machine;
    m.pushExits(id, 0, [{ exit: 'MMIO', gpa: 0xfee0_0000n, write: true, size: 4, value: 1n }]);
    setRegs(c, id, 0, [
      [HV_REGISTER.INTERCEPT_SUSPEND, 0n],
      [HV_REGISTER.EXPLICIT_SUSPEND, 0n],
    ]);
    expect(m.host.physPage(interceptPfn).view.getUint32(0, true)).toBe(HVMSG.UNMAPPED_GPA);
    expect(m.host.physPage(interceptPfn).view.getBigUint64(16 + 56, true)).toBe(0xfee0_0000n);
  });
});

describe('root scheduler: DISPATCH_VP (inventory §c.6, §c.12)', () => {
  const dispatch = (c: Caller, id: bigint, flags = 0): { status: number; state: number; event: number } => {
    const a = c.call(DispatchVp, { partitionId: id, vpIndex: 0, flags, timeSlice: 0n, specCtrl: 0n });
    return {
      status: a.status,
      state: a.output.view.getUint32(0, true),
      event: a.output.view.getUint32(4, true),
    };
  };

  it('returns READY + INTERCEPT with the message in the page, then BLOCKED on HALT', () => {
    const { c, id, interceptPfn } = vpSetup('root');
    const m = c.machine;
    m.pushExits(id, 0, [{ exit: 'MSR', msr: 0x1b, write: false, value: 0n }, { exit: 'HALT' }]);
    expect(dispatch(c, id)).toEqual({
      status: S.SUCCESS,
      state: HV_VP_DISPATCH_STATE.READY,
      event: HV_VP_DISPATCH_EVENT.INTERCEPT,
    });
    expect(m.host.physPage(interceptPfn).view.getUint32(0, true)).toBe(HVMSG.X64_MSR_INTERCEPT);
    // Without CLEAR_INTERCEPT_SUSPEND the same intercept is reported again.
    expect(dispatch(c, id).event).toBe(HV_VP_DISPATCH_EVENT.INTERCEPT);
    expect(dispatch(c, id, 0x1).state).toBe(HV_VP_DISPATCH_STATE.BLOCKED);
  });

  it('signals a blocked VP on an interrupt: signal count, SCHEDULER_VP_SIGNAL_PAIR, blocked counter cleared', () => {
    const { c, id } = vpSetup('root');
    const m = c.machine;
    c.createVp(id, 1);
    const stats = c.call(MapStatsPage, statsValues(id, 0, HV_STATS_AREA.SELF));
    expect(stats.status).toBe(S.SUCCESS);
    const statsPfn = stats.output.getU64Number(0);
    expect(dispatch(c, id).state).toBe(HV_VP_DISPATCH_STATE.BLOCKED);
    const counter = VP_ROOT_DISPATCH_THREAD_BLOCKED_COUNTER.x86_64 * 8;
    expect(m.host.physPage(statsPfn).view.getBigUint64(counter, true)).toBe(1n);
    const a = c.call(AssertVirtualInterrupt, {
      partitionId: id,
      control: 0n,
      destAddr: 0n,
      vector: 0x30,
      targetVtl: 0,
    });
    expect(a.status).toBe(S.SUCCESS);
    const msg = new DataView(m.takeSint0Message(0)!.buffer);
    expect(msg.getUint32(0, true)).toBe(HVMSG.SCHEDULER_VP_SIGNAL_PAIR);
    expect(msg.getUint8(16 + 4)).toBe(1);
    expect(msg.getBigUint64(16 + 8, true)).toBe(id);
    expect(msg.getUint32(16 + 160, true)).toBe(0);
    expect(m.host.physPage(statsPfn).view.getBigUint64(counter, true)).toBe(0n);
    expect(getRegs(c, id, 0, [HV_REGISTER.VP_ROOT_SIGNAL_COUNT]).values).toEqual([1n]);
  });

  it('blocks with SUSPEND while DISPATCH_SUSPEND is set, and signals the blocked thread when it is set (teardown wait)', () => {
    const { c, id } = vpSetup('root');
    expect(dispatch(c, id).state).toBe(HV_VP_DISPATCH_STATE.BLOCKED);
    setRegs(c, id, 0, [[HV_REGISTER.DISPATCH_SUSPEND, 1n]]);
    expect(getRegs(c, id, 0, [HV_REGISTER.VP_ROOT_SIGNAL_COUNT]).values).toEqual([1n]);
    expect(dispatch(c, id)).toMatchObject({
      state: HV_VP_DISPATCH_STATE.BLOCKED,
      event: HV_VP_DISPATCH_EVENT.SUSPEND,
    });
  });

  it('takes vectors the irqfd fast path left in the register page when asked to scan (inventory §c.11)', () => {
    const { c, id } = vpSetup('root');
    const m = c.machine;
    const regs = mapStatePage(c, id, 0, HV_VP_STATE_PAGE.REGISTERS).pfn;
    m.pushExits(id, 0, [{ exit: 'HALT' }, { exit: 'CPUID', leaf: 0, subleaf: 0 }]);
    expect(dispatch(c, id).state).toBe(HV_VP_DISPATCH_STATE.BLOCKED);
    const page = m.host.physPage(regs).bytes;
    page[REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET] = 1;
    page[REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET + 1] = 0x41;
    expect(dispatch(c, id, 0x40).event).toBe(HV_VP_DISPATCH_EVENT.INTERCEPT);
    expect(page[REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET]).toBe(0);
  });

  it('is ACCESS_DENIED under a hypervisor scheduler and INVALID_PARAMETER with unknown flags', () => {
    const { c, id } = vpSetup('core-smt');
    expect(dispatch(c, id).status).toBe(S.ACCESS_DENIED);
    const root = vpSetup('root');
    expect(dispatch(root.c, root.id, 0x80).status).toBe(S.INVALID_PARAMETER);
  });
});

describe('virtual interrupts', () => {
  it('ASSERT checks control and vector; CLEAR acknowledges an ExtINT', () => {
    const { c, id } = vpSetup('core-smt');
    const assert = (over: Record<string, unknown>): number =>
      c.call(AssertVirtualInterrupt, {
        partitionId: id,
        control: 0n,
        destAddr: 0n,
        vector: 0x30,
        targetVtl: 0,
        ...over,
      }).status;
    expect(assert({})).toBe(S.SUCCESS);
    expect(assert({ vector: 3 })).toBe(S.INVALID_PARAMETER);
    expect(assert({ control: 1n << 40n })).toBe(S.INVALID_PARAMETER);
    expect(assert({ control: 9n })).toBe(S.INVALID_PARAMETER);
    expect(assert({ targetVtl: 1 })).toBe(S.INVALID_PARAMETER);
    expect(assert({ destAddr: 99n })).toBe(S.SUCCESS); // no such APIC id: dropped
    expect(assert({ control: 7n, vector: 0 })).toBe(S.SUCCESS);
    expect(c.fast(ClearVirtualInterrupt, { partitionId: id }).status).toBe(S.SUCCESS);
    expect(c.fast(ClearVirtualInterrupt, { partitionId: 5n }).status).toBe(S.INVALID_PARTITION_ID);
  });
});

describe('VP state pages and stats pages (inventory §c.5, §c.7)', () => {
  it('maps hypervisor pages from the pool, readable by the root, once per type; unmap gives them back', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 0);
    const a = mapStatePage(c, id, 0, HV_VP_STATE_PAGE.REGISTERS);
    expect(a.status).toBe(S.SUCCESS);
    expect(m.host.physPage(a.pfn).view.getUint16(0, true)).toBe(1); // register page version 1
    expect(mapStatePage(c, id, 0, HV_VP_STATE_PAGE.REGISTERS).pfn).toBe(a.pfn);
    expect(mapStatePage(c, id, 0, HV_VP_STATE_PAGE.GHCB).status).toBe(S.INVALID_PARAMETER); // not SNP
    expect(mapStatePage(c, id, 0, 3).status).toBe(S.INVALID_PARAMETER);
    const unmap = (type: number): number =>
      c.call(UnmapVpStatePage, { partitionId: id, vpIndex: 0, type, inputVtl: 0 }).status;
    expect(unmap(HV_VP_STATE_PAGE.REGISTERS)).toBe(S.SUCCESS);
    expect(unmap(HV_VP_STATE_PAGE.REGISTERS)).toBe(S.INVALID_PARAMETER);
    expect(() => m.host.physPage(a.pfn)).toThrow(/not the root's/);
    expect(m.audit().violations).toEqual([]);
  });

  it('needs INTERCEPT_MESSAGE_PAGE_ENABLED for the intercept page, and a pool page (INSUFFICIENT_MEMORY)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const plain = c.readyPartition(ALL_CREATION_FLAGS & ~(1n << 19n));
    c.createVp(plain, 0);
    expect(mapStatePage(c, plain, 0, HV_VP_STATE_PAGE.INTERCEPT_MESSAGE).status).toBe(S.INVALID_PARAMETER);
    c.withdrawAll(plain);
    expect(mapStatePage(c, plain, 0, HV_VP_STATE_PAGE.REGISTERS).status).toBe(S.INSUFFICIENT_MEMORY);
  });

  it('maps a root-provided page when map_location_provided is set; a page it does not own is ACCESS_DENIED', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 0);
    const page = m.host.allocPages(1)![0]!.pfn;
    const map = (loc: number): number =>
      c.call(MapVpStatePage, {
        partitionId: id,
        vpIndex: 0,
        type: 0,
        inputVtl: 0,
        flags: 1,
        requestedMapLocation: BigInt(loc),
      }).status;
    const free = [...m.hostExtents()].find((e) => e.kind === 'free')!.start;
    expect(map(free)).toBe(S.ACCESS_DENIED);
    expect(map(page)).toBe(S.SUCCESS);
    expect(() => {
      m.host.freePages([{ pfn: page, count: 1 }]);
    }).toThrow(/still mapped or shared/);
  });

  it('maps SELF and PARENT stats pages from the root pool; MAP_STATS_PAGE2 overlays a root page', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 0);
    c.deposit(0xffff_ffff_ffff_ffffn, 4);
    const rootUsed = m.partitions()[0]!.pool.usedPages;
    expect(c.call(MapStatsPage, statsValues(id, 0, HV_STATS_AREA.SELF)).status).toBe(S.SUCCESS);
    expect(m.partitions()[0]!.pool.usedPages).toBe(rootUsed + 1);
    expect(c.call(MapStatsPage, statsValues(id, 0, HV_STATS_AREA.INTERNAL)).status).toBe(S.INVALID_PARAMETER);
    expect(c.call(MapStatsPage, { ...statsValues(id, 0, 0), type: HV_STATS_OBJECT.PARTITION }).status).toBe(
      S.INVALID_PARAMETER,
    );
    const overlay = m.host.allocPages(1)![0]!.pfn;
    expect(
      c.call(MapStatsPage2, { ...statsValues(id, 0, HV_STATS_AREA.PARENT), mapLocation: BigInt(overlay) })
        .status,
    ).toBe(S.SUCCESS);
    expect(
      c.call(MapStatsPage2, { ...statsValues(id, 0, HV_STATS_AREA.PARENT), mapLocation: BigInt(overlay) })
        .status,
    ).toBe(S.INVALID_PARAMETER);
    expect(c.call(UnmapStatsPage, statsValues(id, 0, HV_STATS_AREA.SELF)).status).toBe(S.SUCCESS);
    expect(c.call(UnmapStatsPage, statsValues(id, 0, HV_STATS_AREA.SELF)).status).toBe(S.INVALID_PARAMETER);
    expect(c.call(UnmapStatsPage, statsValues(id, 0, HV_STATS_AREA.PARENT)).status).toBe(S.SUCCESS);
    m.host.freePages([{ pfn: overlay, count: 1 }]);
    expect(m.audit().violations).toEqual([]);
  });
});

describe('GET/SET_VP_STATE (inventory §c.7)', () => {
  const stateValues = (id: bigint, type: number): Record<string, unknown> => ({
    partitionId: id,
    vpIndex: 0,
    inputVtl: 0,
    stateDataType: type,
    stateDataXsaveFlags: 0n,
    stateDataXsaveStates: 0n,
  });

  it('round-trips the LAPIC page through host pages listed as the variable header', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 5 - 5);
    const buf = m.host.allocPages(1)![0]!.pfn;
    const withPfn = {
      varHeadQwords: 1,
      list: (p: typeof c.input, at: number) => {
        p.setU64Number(at, buf);
      },
    };
    expect(c.call(GetVpState, stateValues(id, HV_GET_SET_VP_STATE.LAPIC_STATE), withPfn).status).toBe(
      S.SUCCESS,
    );
    expect(m.host.physPage(buf).view.getUint32(0x30, true)).toBe(0x0005_0014);
    m.host.physPage(buf).view.setUint32(0x80, 0xab, true);
    expect(c.call(SetVpState, stateValues(id, HV_GET_SET_VP_STATE.LAPIC_STATE), withPfn).status).toBe(
      S.SUCCESS,
    );
    m.host.physPage(buf).zero();
    c.call(GetVpState, stateValues(id, HV_GET_SET_VP_STATE.LAPIC_STATE), withPfn);
    expect(m.host.physPage(buf).view.getUint32(0x80, true)).toBe(0xab);
  });

  it('moves the 200-byte synthetic timers as bytes; too few pages or a foreign page is refused', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 0);
    const timers = new Uint8Array(200).map((_, i) => i);
    expect(
      c.call(SetVpState, stateValues(id, HV_GET_SET_VP_STATE.SYNTHETIC_TIMERS), {
        varHeadQwords: 25,
        list: (p, at) => {
          p.bytes.set(timers, at);
        },
      }).status,
    ).toBe(S.SUCCESS);
    const got = c.call(GetVpState, stateValues(id, HV_GET_SET_VP_STATE.SYNTHETIC_TIMERS));
    expect([...got.output.bytes.subarray(0, 200)]).toEqual([...timers]);
    expect(c.call(GetVpState, stateValues(id, HV_GET_SET_VP_STATE.XSAVE)).status).toBe(S.INVALID_PARAMETER);
    const free = [...m.hostExtents()].find((e) => e.kind === 'free')!.start;
    expect(
      c.call(GetVpState, stateValues(id, HV_GET_SET_VP_STATE.XSAVE), {
        varHeadQwords: 1,
        list: (p, at) => {
          p.setU64Number(at, free);
        },
      }).status,
    ).toBe(S.ACCESS_DENIED);
    expect(c.call(GetVpState, stateValues(id, 7)).status).toBe(S.INVALID_PARAMETER);
  });
});
