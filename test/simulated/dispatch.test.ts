import { describe, expect, it } from 'vitest';
import { encodeControl } from '../../src/hv/ControlWord.js';
import { HvStatus as S } from '../../src/hv/HvStatus.js';
import {
  CreatePartition,
  DepositMemory,
  GetSystemProperty,
  HYPERCALL_DEFS,
  InitializePartition,
  MapGpaPages,
  SetVpRegisters,
  UnmapGpaPages,
  WithdrawMemory,
} from '../../src/hv/hypercalls/index.js';
import { decodeStatus } from '../../src/hv/StatusWord.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';
import { SimulatedHypervisor } from '../../adapters/simulated/SimulatedHypervisor.js';
import { Caller, USER_4K, smallMachine } from './harness.js';

function raw(c: Caller, control: bigint): number {
  return decodeStatus(c.machine.hypervisor.hypercall(control, c.input, c.output)).result;
}

describe('dispatch table (inventory §b.4)', () => {
  it('has exactly one handler per hypercall definition the driver issues', () => {
    expect(HANDLERS.map((h) => h.def.code).sort((a, b) => a - b)).toEqual(
      HYPERCALL_DEFS.map((d) => d.code).sort((a, b) => a - b),
    );
  });

  it('answers INVALID_HYPERCALL_CODE for a code no handler knows', () => {
    const c = new Caller(smallMachine());
    expect(raw(c, encodeControl({ code: 0x0002 }))).toBe(S.INVALID_HYPERCALL_CODE);
  });
});

describe('control word checks → INVALID_HYPERCALL_INPUT (inventory §b.1)', () => {
  const c = new Caller(smallMachine());
  const gsp = encodeControl({ code: GetSystemProperty.code });

  it('accepts a clean control word', () => {
    c.input.zero();
    c.input.view.setUint32(0, 15, true);
    expect(raw(c, gsp)).toBe(S.SUCCESS);
  });

  it.each([
    ['reserved bit 27', 1n << 27n],
    ['reserved bit 45', 1n << 45n],
    ['reserved bit 62', 1n << 62n],
    ['NESTED', 1n << 31n],
    ['FAST on a memory call', 1n << 16n],
    ['a rep count on a simple call', 3n << 32n],
    ['a rep start on a simple call', 1n << 48n],
    ['a variable header on a call without one', 1n << 17n],
  ])('refuses %s', (_what, bits) => {
    c.input.zero();
    c.input.view.setUint32(0, 15, true);
    expect(raw(c, gsp | bits)).toBe(S.INVALID_HYPERCALL_INPUT);
  });

  it('refuses a fast call issued as a memory call and a memory call issued fast', () => {
    expect(raw(c, encodeControl({ code: InitializePartition.code }))).toBe(S.INVALID_HYPERCALL_INPUT);
    const w = c.machine.hypervisor.fastHypercall8(
      encodeControl({ code: GetSystemProperty.code, fast: true }),
      15n,
    );
    expect(decodeStatus(w).result).toBe(S.INVALID_HYPERCALL_INPUT);
  });

  it('refuses rep count 0, rep start beyond rep count, and a list that leaves the 4 KiB page', () => {
    expect(raw(c, encodeControl({ code: DepositMemory.code, repCount: 0 }))).toBe(S.INVALID_HYPERCALL_INPUT);
    expect(raw(c, encodeControl({ code: DepositMemory.code, repCount: 2, repStart: 3 }))).toBe(
      S.INVALID_HYPERCALL_INPUT,
    );
    // 512 PFNs after the 24-byte header is 4120 bytes: HV_MAP_GPA_BATCH_SIZE is 509 (inventory §b.5).
    expect(raw(c, encodeControl({ code: MapGpaPages.code, repCount: 510 }))).toBe(S.INVALID_HYPERCALL_INPUT);
  });

  it('refuses rep start equal to rep count: no rep is left, and WITHDRAW would report pages it never wrote (TLFS; inventory §b.1 rep start)', () => {
    const m = smallMachine();
    const w = new Caller(m);
    const id = w.readyPartition();
    w.deposit(id, 4);
    const before = m.partitionCounters(id);
    const pfns = m.host.allocPages(2);
    if (pfns === null) throw new Error('host out of memory');
    const list = (p: typeof w.input, at: number): void => {
      p.setU64Number(at, pfns[0]?.pfn ?? 0);
      p.setU64Number(at + 8, (pfns[0]?.pfn ?? 0) + 1);
    };
    const deposit = w.call(DepositMemory, { partitionId: id }, { repCount: 2, repStart: 2, list });
    expect(deposit).toMatchObject({ status: S.INVALID_HYPERCALL_INPUT, reps: 0 });
    const withdraw = w.call(
      WithdrawMemory,
      { partitionId: id, proximityDomainInfo: 0n },
      { repCount: 3, repStart: 3 },
    );
    expect(withdraw).toMatchObject({ status: S.INVALID_HYPERCALL_INPUT, reps: 0 });
    expect(m.partitionCounters(id)).toEqual(before);
  });

  it('refuses a memory call without an input page', () => {
    const w = c.machine.hypervisor.hypercall(encodeControl({ code: CreatePartition.code }), null, c.output);
    expect(decodeStatus(w).result).toBe(S.INVALID_HYPERCALL_INPUT);
  });
});

describe('reserved and padding bytes → INVALID_PARAMETER ("MSHV checks reserved bits are zero")', () => {
  it('catches a stale byte in MAP_GPA_PAGES padding left on the persistent per-CPU page (review point e.2)', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    const pin = m.host.pinUserRange(USER_4K, 4);
    if (pin.kind !== 'ram') throw new Error('pin');
    // An earlier call leaves a non-zero byte at offset 20 of CPU 0's input page...
    c.input.bytes[20] = 0xaa;
    // ...and the wrapper writes every named field but never the padding: the hypervisor sees the byte.
    const a = c.call(
      MapGpaPages,
      { targetPartitionId: id, targetGpaBase: 0n, mapFlags: 3 },
      {
        repCount: 1,
        keepStale: true,
        list: (p, at) => {
          p.setU64Number(at, pin.runs[0]!.pfn);
        },
      },
    );
    expect(a.status).toBe(S.SUCCESS); // Layout.encode zeroes the whole header span first
    c.input.bytes[20] = 0xaa;
    const w = m.hypervisor.hypercall(
      encodeControl({ code: MapGpaPages.code, repCount: 1 }),
      c.input,
      c.output,
    );
    expect(decodeStatus(w)).toEqual({ result: S.INVALID_PARAMETER, repsCompleted: 0 });
  });

  it('fails the rep whose hv_register_assoc carries reserved bytes, keeping the reps before it', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.createVp(id, 0);
    const a = c.call(
      SetVpRegisters,
      { partitionId: id, vpIndex: 0, inputVtl: 0 },
      {
        repCount: 3,
        list: (p, at) => {
          for (let i = 0; i < 3; i++) {
            p.view.setUint32(at + i * 32, 0x0002_0000 + i, true); // RAX, RCX, RDX
            p.view.setBigUint64(at + i * 32 + 16, BigInt(100 + i), true);
          }
          p.view.setUint32(at + 2 * 32 + 4, 1, true); // reserved1 of element 2
        },
      },
    );
    expect(a).toMatchObject({ status: S.INVALID_PARAMETER, reps: 2 });
  });
});

describe('rep calls: absolute indexes and partial completion (inventory §b.1, lifecycle rule 5)', () => {
  it('returns SUCCESS with fewer reps than asked under a rep time slice, resumable from reps completed', () => {
    const m = smallMachine({ repTimeSlice: 100 });
    const c = new Caller(m);
    const id = c.readyPartition();
    const pin = m.host.pinUserRange(USER_4K, 300);
    if (pin.kind !== 'ram') throw new Error('pin');
    const pfns = pin.runs.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.pfn + i));
    const list = (p: typeof c.input, at: number): void => {
      pfns.forEach((x, i) => {
        p.setU64Number(at + i * 8, x);
      });
    };
    const values = { targetPartitionId: id, targetGpaBase: 0n, mapFlags: 3 };
    let a = c.call(MapGpaPages, values, { repCount: 300, list });
    for (let i = 0; a.status === S.INSUFFICIENT_MEMORY && i < 4; i++) {
      c.deposit(id, 256);
      a = c.call(MapGpaPages, values, { repCount: 300, list });
    }
    expect(a).toMatchObject({ status: S.SUCCESS, reps: 100 });
    a = c.call(MapGpaPages, values, { repCount: 300, repStart: 100, list });
    expect(a).toMatchObject({ status: S.SUCCESS, reps: 200 });
    a = c.call(MapGpaPages, values, { repCount: 300, repStart: 200, list });
    expect(a).toMatchObject({ status: S.SUCCESS, reps: 300 });
    expect(m.partition(id)?.mappedPages).toBe(300);
  });

  it('carries the reps completed so far when a rep fails mid-list', () => {
    const m = smallMachine();
    const c = new Caller(m);
    const id = c.readyPartition();
    c.deposit(id, 64);
    const pin = m.host.pinUserRange(USER_4K, 4);
    if (pin.kind !== 'ram') throw new Error('pin');
    const good = pin.runs[0]!.pfn;
    const freePage = [...m.hostExtents()].find((e) => e.kind === 'free')!.start;
    const a = c.call(
      MapGpaPages,
      { targetPartitionId: id, targetGpaBase: 0x1000n, mapFlags: 3 },
      {
        repCount: 3,
        list: (p, at) => {
          p.setU64Number(at, good);
          p.setU64Number(at + 8, good + 1);
          p.setU64Number(at + 16, freePage);
        },
      },
    );
    expect(a).toMatchObject({ status: S.ACCESS_DENIED, reps: 2 });
    expect(m.partition(id)?.mappedPages).toBe(2);
  });
});

describe('fault plan (scenario hypervisor.faults)', () => {
  it('answers the planned status for the nth call of that hypercall without running it', () => {
    const m = smallMachine({
      faults: [{ call: 'UNMAP_GPA_PAGES', nth: 2, status: S.TIME_OUT, statusName: 'TIME_OUT' }],
    });
    const c = new Caller(m);
    const id = c.readyPartition();
    const values = { targetPartitionId: id, targetGpaBase: 0n, unmapFlags: 0 };
    expect(c.call(UnmapGpaPages, values, { repCount: 8 }).status).toBe(S.SUCCESS);
    expect(c.call(UnmapGpaPages, values, { repCount: 8, repStart: 3 })).toMatchObject({
      status: S.TIME_OUT,
      reps: 3,
    });
    expect(c.call(UnmapGpaPages, values, { repCount: 8 }).status).toBe(S.SUCCESS);
  });

  it('injects seeded random faults only among the statuses a handler declares', () => {
    const m = smallMachine({ randomFaults: { INSUFFICIENT_MEMORY: 1, NO_RESOURCES: 1 } });
    const c = new Caller(m);
    c.input.zero();
    c.input.view.setUint32(0, 15, true);
    // GET_SYSTEM_PROPERTY declares neither status: it never fails at random.
    expect(raw(c, encodeControl({ code: GetSystemProperty.code }))).toBe(S.SUCCESS);
    expect(m.hypervisor.faults.injected).toHaveLength(0);
  });

  it('rejects a random-fault status that cannot be injected, naming it', () => {
    expect(() => smallMachine({ randomFaults: { CALL_PENDING: 0.1 } })).toThrow(/CALL_PENDING/);
    expect(() => smallMachine({ randomFaults: { NOT_A_STATUS: 0.1 } })).toThrow(/NOT_A_STATUS/);
  });
});

describe('per-CPU pages (design principle 7)', () => {
  it('are persistent per CPU: bytes left by one call are still there for the next', () => {
    const m = smallMachine({ cpuCount: 2 });
    m.cpuPages(1).input.bytes[100] = 7;
    expect(m.cpuPages(1).input.bytes[100]).toBe(7);
    expect(m.cpuPages(0).input.bytes[100]).toBe(0);
    expect(() => m.cpuPages(2)).toThrow(/cpu 2/);
  });
});

describe('call log (recentCalls, for checkers)', () => {
  it('keeps the answers in order, faults marked, and only the last callLogMax of them', () => {
    const m = smallMachine({
      faults: [{ call: 'GET_SYSTEM_PROPERTY', nth: 2, status: S.TIME_OUT, statusName: 'TIME_OUT' }],
    });
    const c = new Caller(m);
    c.input.zero();
    c.input.view.setUint32(0, 15, true);
    const control = encodeControl({ code: 0x7b });
    for (let i = 0; i < 3; i++) raw(c, control);
    raw(c, 0xffffn); // no handler: INVALID_HYPERCALL_CODE
    expect(m.hypervisor.recentCalls().slice(-4)).toEqual([
      { code: 0x7b, result: 0, repsCompleted: 0, fault: false },
      { code: 0x7b, result: S.TIME_OUT, repsCompleted: 0, fault: true },
      { code: 0x7b, result: 0, repsCompleted: 0, fault: false },
      { code: 0xffff, result: S.INVALID_HYPERCALL_CODE, repsCompleted: 0, fault: false },
    ]);
    const max = m.hypervisor.callLogMax;
    for (let i = 0; i < max + 5; i++) raw(c, control);
    const log = m.hypervisor.recentCalls();
    expect(log).toHaveLength(max);
    expect(log.every((r) => r.code === 0x7b && r.result === 0)).toBe(true);
  });
});

describe('call log growth (it starts small and doubles up to callLogMax)', () => {
  it.each([1, 63, 64, 65, 100, 129, 1000])(
    'with callLogMax 100 and %i calls keeps the last ones in order',
    (calls) => {
      const m = smallMachine();
      const hv = new SimulatedHypervisor(m.model, m.hypervisor.faults, 100);
      const codes = Array.from({ length: calls }, (_, i) => 0x8000 + i);
      for (const code of codes) hv.fastHypercall8(encodeControl({ code, fast: true }), 0n);
      expect(hv.recentCalls().map((r) => r.code)).toEqual(codes.slice(-100));
    },
  );
});
