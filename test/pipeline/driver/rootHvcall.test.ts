import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeControl } from '../../../src/hv/ControlWord.js';
import { HvStatus, HvStatusPatchOnly } from '../../../src/hv/HvStatus.js';
import { STATUS_NO_HYPERCALL_PAGE } from '../../../src/hv/StatusWord.js';
import { HypercallCode as C } from '../../../src/hv/HypercallCode.js';
import { HYPERCALL_DEFS } from '../../../src/hv/hypercalls/index.js';
import { partitionId } from '../../../src/hv/ids.js';
import { createDriverEnv } from '../../../src/pipeline/driver/createDriverEnv.js';
import type { HvShared } from '../../../src/pipeline/driver/HvShared.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { newKernelVp } from '../../../src/pipeline/driver/KernelVpState.js';
import { passthroughExecutor } from '../../../src/pipeline/driver/passthroughExecutor.js';
import { type RootHvcallError, rootHvcall } from '../../../src/pipeline/driver/rootHvcall.js';
import type { HypercallEvent } from '../../../src/pipeline/HypercallRecorder.js';
import type { RootHvcallArgs } from '../../../src/ports/DevicePort.js';
import { HvPage } from '../../../src/ports/HvPage.js';
import { ScriptedPort } from '../ScriptedPort.js';
import { noDoorbellRing } from './noDoorbellRing.js';
import { NO_HOST_MEMORY } from './noHostMemory.js';

const facts = JSON.parse(readFileSync('test/fixtures/mshv-facts.json', 'utf8')) as {
  passthrough_allowlist: { NEW: number[]; NEW_self_devmshv: number[]; async: number[] };
  limits: { passthrough_max_in_sz: number; passthrough_max_out_sz: number; passthrough_min_in_sz: number };
  deposit_counts: { DEFAULT_RETRY: number; HV_MAX_CONTIGUOUS_ALLOCATION_PAGES_patch: number };
};
const SELF = 0xffff_ffff_ffff_ffffn;
const GUEST = 7n;
const PROPERTY_VALUE = 0x1122_3344_5566_7788n;
const unused = (): never => {
  throw new Error('not used by the passthrough');
};

/** Writes a recognisable u64 at the start of the output page of every passthrough call. */
class OutputPort extends ScriptedPort {
  override hypercall(control: bigint, input: HvPage | null, output: HvPage | null = null): bigint {
    output?.view.setBigUint64(0, PROPERTY_VALUE, true);
    return super.hypercall(control, input);
  }
}

/** Answers every call with the all-ones status word (no hypercall page). */
class NoHypercallPagePort extends OutputPort {
  override hypercall(): bigint {
    return STATUS_NO_HYPERCALL_PAGE;
  }
}

function rig(port: OutputPort = new OutputPort()) {
  const events: HypercallEvent[] = [];
  const recorder = { wantsBytes: true, record: (e: HypercallEvent) => void events.push(e) };
  let memory = true;
  let completeOnRun: number | undefined;
  const pt = new KernelPartition(3, partitionId(GUEST), 0n);
  const shared: HvShared = {
    ...noDoorbellRing,
    readPage: unused,
    writePage: unused,
    sint0Message: () => null,
    ackSint0Message: unused,
    setInterruptHandler: unused,
    // The hypervisor delivers HVMSG_ASYNC_CALL_COMPLETION; the ISR stores it (mshvIsr does this).
    runHypervisor: () => {
      if (completeOnRun === undefined) return;
      pt.asyncCompletionStatus = completeOnRun;
      pt.asyncCompletionDone = true;
      completeOnRun = undefined;
    },
    takeSignal: () => false,
  };
  let nextPfn = 0x1000;
  const base = createDriverEnv({
    hypervisor: port,
    pages: { input: new HvPage(), output: new HvPage() },
    kernel: {
      allocPages: (n) => (memory ? [{ pfn: (nextPfn += n) - n, count: n }] : null),
      freePages: () => undefined,
    },
    host: NO_HOST_MEMORY,
    rootPartition: partitionId(1n),
    scheduler: 'core-smt',
    recorder,
    shared,
  });
  const env = { ...base, passthrough: passthroughExecutor({ port, recorder }) };
  const vp = newKernelVp(0, 9);
  const input = (bytes = 16) => {
    const b = new Uint8Array(bytes).fill(0xee);
    return b;
  };
  const onPt = (arg: Partial<RootHvcallArgs>) =>
    rootHvcall(env, pt, undefined, {
      code: C.GET_PARTITION_PROPERTY,
      reps: 0,
      input: input(),
      outSz: 8,
      ...arg,
    });
  const onVp = (arg: Partial<RootHvcallArgs>) =>
    rootHvcall(env, pt, vp, { code: C.GET_PARTITION_PROPERTY, reps: 0, input: input(), outSz: 8, ...arg });
  const onDev = (arg: Partial<RootHvcallArgs>) =>
    rootHvcall(env, undefined, undefined, {
      code: C.GET_PARTITION_PROPERTY,
      reps: 0,
      input: input(),
      outSz: 8,
      ...arg,
    });
  return {
    port,
    base,
    env,
    pt,
    events,
    onPt,
    onVp,
    onDev,
    noMemory: () => (memory = false),
    completeWith: (status: number) => (completeOnRun = status),
  };
}

const errnoOf = (r: { ok: boolean; error?: { errnoName: string } }) => (r.ok ? 'ok' : r.error?.errnoName);
const firstU64 = (b: Uint8Array | undefined) =>
  new DataView((b ?? new Uint8Array(8)).buffer).getBigUint64(0, true);
const setProperty = { code: C.SET_PARTITION_PROPERTY, input: new Uint8Array(24), outSz: 0 };

describe('MSHV_ROOT_HVCALL argument checks (inventory §d): EINVAL and no hypercall', () => {
  const {
    passthrough_max_in_sz: inMax,
    passthrough_max_out_sz: outMax,
    passthrough_min_in_sz: inMin,
  } = facts.limits;
  it.each([
    ['status != 0 on input', { status: 1 }],
    ['in_sz < 8', { input: new Uint8Array(inMin - 1) }],
    ['rsvd != 0', { rsvd: 1n }],
    ['in_sz > 4096', { input: new Uint8Array(inMax + 1) }],
    ['out_sz > 4096', { outSz: outMax + 1 }],
    ['a code off the allow-list (MAP_GPA_PAGES)', { code: C.MAP_GPA_PAGES }],
    ['reps that do not fit __u16', { reps: 0x1_0000 }],
  ] as const)('rejects %s', (_rule, arg) => {
    const r = rig();
    expect(errnoOf(r.onPt(arg))).toBe('EINVAL');
    expect(r.port.seen).toEqual([]);
  });

  it('accepts in_sz 8 and in_sz, out_sz 4096', () => {
    const r = rig();
    expect(errnoOf(r.onPt({ input: new Uint8Array(inMin) }))).toBe('ok');
    expect(errnoOf(r.onPt({ input: new Uint8Array(inMax), outSz: outMax }))).toBe('ok');
  });
});

describe('allow-lists per fd kind (inventory §b.4)', () => {
  const others = HYPERCALL_DEFS.map((d) => d.code).filter(
    (c) => !facts.passthrough_allowlist.NEW.includes(c),
  );

  it('passes the 15 NEW codes on a partition fd and rejects every other code the driver knows', () => {
    const r = rig();
    for (const code of facts.passthrough_allowlist.NEW.filter(
      (c) => !facts.passthrough_allowlist.async.includes(c),
    ))
      expect([code, errnoOf(r.onPt({ code }))]).toEqual([code, 'ok']);
    for (const code of others) expect([code, errnoOf(r.onPt({ code }))]).toEqual([code, 'EINVAL']);
  });

  it('passes the same codes on a VP fd except the async one, which needs the partition fd', () => {
    const r = rig();
    for (const code of facts.passthrough_allowlist.NEW) {
      const want = facts.passthrough_allowlist.async.includes(code) ? 'EINVAL' : 'ok';
      expect([code, errnoOf(r.onVp({ code }))]).toEqual([code, want]);
    }
  });

  it('passes only the 2 self-targeted codes on /dev/mshv', () => {
    const r = rig();
    for (const code of facts.passthrough_allowlist.NEW) {
      const want = facts.passthrough_allowlist.NEW_self_devmshv.includes(code) ? 'ok' : 'EINVAL';
      expect([code, errnoOf(r.onDev({ code }))]).toEqual([code, want]);
    }
  });
});

describe('the passthrough call (inventory §c.9, §d)', () => {
  it('overwrites the first u64 with the partition id (SELF on /dev/mshv) and keeps the rest', () => {
    const r = rig();
    r.onPt({ input: new Uint8Array(12).fill(0xee) });
    r.onDev({});
    expect([firstU64(r.port.seen[0]?.input), firstU64(r.port.seen[1]?.input)]).toEqual([GUEST, SELF]);
    expect([...(r.port.seen[0]?.input.slice(8, 16) ?? [])]).toEqual([0xee, 0xee, 0xee, 0xee, 0, 0, 0, 0]);
  });

  it('copies out_sz bytes of output on success, on its own pages, without an interrupt window', () => {
    const r = rig();
    const res = r.onPt({ outSz: 8 });
    expect(res.ok && { status: res.value.status, out: firstU64(res.value.output) }).toEqual({
      status: 0,
      out: PROPERTY_VALUE,
    });
    expect(r.env.windows.count).toBe(0);
    expect(r.events.map((e) => [e.name, e.window, e.fast])).toEqual([
      ['GET_PARTITION_PROPERTY', null, false],
    ]);
  });

  it('returns hv_result_to_errno with status and reps but no output on a hypervisor error', () => {
    const r = rig();
    r.port.script(C.GET_VP_REGISTERS, () => ({ result: HvStatus.INVALID_VP_INDEX, reps: 3 }));
    const res = r.onVp({ code: C.GET_VP_REGISTERS, reps: 5 });
    expect(res.ok ? undefined : res.error).toMatchObject({
      errnoName: 'EINVAL',
      status: HvStatus.INVALID_VP_INDEX,
      reps: 3,
    } satisfies Partial<RootHvcallError>);
  });

  it('answers EOPNOTSUPP with no rep done for the all-ones status word, no hypercall page (inventory §b.1, §b.2)', () => {
    const r = rig(new NoHypercallPagePort());
    const res = r.onVp({ code: C.GET_VP_REGISTERS, reps: 5 });
    expect(res.ok ? undefined : res.error).toMatchObject({ errnoName: 'EOPNOTSUPP', reps: 0 });
  });

  it('deposits 1 page into the partition on INSUFFICIENT_MEMORY and resumes a rep call at reps completed', () => {
    const r = rig();
    r.port.script(
      C.GET_VP_REGISTERS,
      () => ({ result: 0, reps: 4 }),
      () => ({ result: HvStatus.INSUFFICIENT_MEMORY, reps: 6 }),
    );
    const res = r.onVp({ code: C.GET_VP_REGISTERS, reps: 10 });
    expect(res.ok && res.value.reps).toBe(10);
    expect(r.port.seen.map((c) => [c.code, c.repStart, c.repCount])).toEqual([
      [C.GET_VP_REGISTERS, 0, 10],
      [C.GET_VP_REGISTERS, 4, 10],
      [C.DEPOSIT_MEMORY, 0, facts.deposit_counts.DEFAULT_RETRY],
      [C.GET_VP_REGISTERS, 6, 10],
    ]);
    expect(firstU64(r.port.seen[2]?.input)).toBe(GUEST);
    expect(r.env.windows.count).toBe(1);
  });

  it('deposits into SELF for /dev/mshv, and 8 pages for INSUFFICIENT_CONTIGUOUS_MEMORY (patch-only)', () => {
    const r = rig();
    r.port.script(C.GET_PARTITION_PROPERTY_EX, () => ({
      result: HvStatusPatchOnly.INSUFFICIENT_CONTIGUOUS_MEMORY,
    }));
    expect(errnoOf(r.onDev({ code: C.GET_PARTITION_PROPERTY_EX, input: new Uint8Array(24) }))).toBe('ok');
    const deposit = r.port.seen[1];
    expect([deposit?.code, firstU64(deposit?.input), deposit?.repCount]).toEqual([
      C.DEPOSIT_MEMORY,
      SELF,
      facts.deposit_counts.HV_MAX_CONTIGUOUS_ALLOCATION_PAGES_patch,
    ]);
  });

  it('returns the deposit errno, with the INSUFFICIENT_MEMORY status, when the deposit fails', () => {
    const r = rig();
    r.noMemory();
    r.port.script(C.GET_PARTITION_PROPERTY, () => ({ result: HvStatus.INSUFFICIENT_MEMORY }));
    const res = r.onPt({});
    expect(res.ok ? undefined : res.error).toMatchObject({
      errnoName: 'ENOMEM',
      status: HvStatus.INSUFFICIENT_MEMORY,
    });
    expect(r.port.seen).toHaveLength(1);
  });

  it('issues reps above 4095 unmasked, spilling into reserved control bits 44-47 (kernel behaviour)', () => {
    const r = rig();
    r.port.script(C.GET_VP_REGISTERS, () => ({ result: HvStatus.INVALID_HYPERCALL_INPUT }));
    expect(errnoOf(r.onPt({ code: C.GET_VP_REGISTERS, reps: 4096 }))).toBe('EINVAL');
    expect(decodeControl(r.port.seen[0]?.control ?? 0n)).toMatchObject({
      repCount: 0,
      reservedBits: 1n << 44n,
    });
  });
});

describe('async SET_PARTITION_PROPERTY (inventory §c.9)', () => {
  it('waits on CALL_PENDING for the completion the ISR stores and takes its status', () => {
    const r = rig();
    r.port.script(C.SET_PARTITION_PROPERTY, () => ({ result: HvStatus.CALL_PENDING }));
    r.completeWith(0);
    const res = r.onPt(setProperty);
    expect(res.ok && res.value.status).toBe(0);
    expect(r.pt.asyncCompletionDone).toBe(false);
    r.port.script(C.SET_PARTITION_PROPERTY, () => ({ result: HvStatus.CALL_PENDING }));
    r.completeWith(HvStatus.INVALID_PARTITION_STATE);
    const failed = r.onPt(setProperty);
    expect(failed.ok ? undefined : failed.error).toMatchObject({ errnoName: 'EIO', status: 0x07 });
  });

  it('refuses a second async call with EPERM while a completion is unconsumed', () => {
    const r = rig();
    // The hypervisor answered SUCCESS yet also posted a completion: nobody consumes it.
    r.port.onCall = (c) => {
      if (c.code === C.SET_PARTITION_PROPERTY) r.pt.asyncCompletionDone = true;
    };
    expect(errnoOf(r.onPt(setProperty))).toBe('ok');
    expect(errnoOf(r.onPt(setProperty))).toBe('EPERM');
    expect(r.port.seen).toHaveLength(1);
    expect(errnoOf(r.onPt({}))).toBe('ok');
  });

  it('answers EBADFD, copying nothing back, when a non-async code returns CALL_PENDING', () => {
    const r = rig();
    r.port.script(C.GET_PARTITION_PROPERTY, () => ({ result: HvStatus.CALL_PENDING }));
    const res = r.onPt({});
    expect(res.ok ? undefined : res.error.errnoName).toBe('EBADFD');
    expect(res.ok ? undefined : 'status' in res.error).toBe(false);
  });

  it('throws when no completion ever arrives: the kernel thread would hang in wait_for_completion', () => {
    const r = rig();
    r.port.script(C.SET_PARTITION_PROPERTY, () => ({ result: HvStatus.CALL_PENDING }));
    expect(() => r.onPt(setProperty)).toThrow(/wait forever/);
  });
});
