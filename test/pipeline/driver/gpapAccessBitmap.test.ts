import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeControl } from '../../../src/hv/ControlWord.js';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import { HypercallCode as C } from '../../../src/hv/HypercallCode.js';
import { partitionId } from '../../../src/hv/ids.js';
import { decodeStatus } from '../../../src/hv/StatusWord.js';
import { MSHV_GPAP_ACCESS_OP as OP, MSHV_GPAP_ACCESS_TYPE as TYPE } from '../../../src/hv/uapi/flags.js';
import { createDriverEnv } from '../../../src/pipeline/driver/createDriverEnv.js';
import {
  GPAP_PAGE_COUNT_MAX,
  accessStateFlags,
  getGpapAccessBitmap,
} from '../../../src/pipeline/driver/gpapAccessBitmap.js';
import type { HvShared } from '../../../src/pipeline/driver/HvShared.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import type { GpapAccessBitmapArgs } from '../../../src/ports/DevicePort.js';
import { HvPage } from '../../../src/ports/HvPage.js';
import { ScriptedPort } from '../ScriptedPort.js';
import { noDoorbellRing } from './noDoorbellRing.js';
import { NO_HOST_MEMORY } from './noHostMemory.js';

const facts = JSON.parse(readFileSync('test/fixtures/mshv-facts.json', 'utf8')) as {
  batch_sizes: { HV_GET_GPA_ACCESS_STATES_BATCH_SIZE: number };
};
const BATCH = facts.batch_sizes.HV_GET_GPA_ACCESS_STATES_BATCH_SIZE;
const unused = (): never => {
  throw new Error('not used by the access bitmap');
};

/** A hypervisor whose GET_GPA_PAGES_ACCESS_STATES writes `state(gfn)` for each completed rep. */
class StatesPort extends ScriptedPort {
  constructor(readonly state: (gfn: bigint) => number) {
    super();
  }

  override hypercall(control: bigint, input: HvPage | null, output: HvPage | null = null): bigint {
    const status = super.hypercall(control, input);
    const { code, repStart } = decodeControl(control);
    if (code === C.GET_GPA_PAGES_ACCESS_STATES && input !== null && output !== null) {
      const base = input.view.getBigUint64(16, true);
      const done = decodeStatus(status).repsCompleted;
      for (let i = repStart; i < done; i++) output.bytes[i] = this.state(base + BigInt(i));
    }
    return status;
  }
}

function rig(state: (gfn: bigint) => number = () => 0) {
  const port = new StatesPort(state);
  const pages = { input: new HvPage(), output: new HvPage() };
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
    pages,
    kernel: { allocPages: () => null, freePages: unused },
    host: NO_HOST_MEMORY,
    rootPartition: partitionId(1n),
    scheduler: 'core-smt',
    recorder: { wantsBytes: false, record: () => undefined },
    shared,
  });
  const pt = new KernelPartition(3, partitionId(7n), 0n);
  const call = (arg: Partial<GpapAccessBitmapArgs>) =>
    getGpapAccessBitmap(env, pt, {
      accessType: TYPE.DIRTY,
      accessOp: OP.CLEAR,
      pageCount: 8n,
      gpapBase: 0n,
      ...arg,
    });
  return { port, env, pages, call };
}

const header = (port: ScriptedPort, i: number) => {
  const v = new DataView(port.seen[i]?.input.buffer ?? new ArrayBuffer(24));
  return {
    partition: v.getBigUint64(0, true),
    flags: v.getBigUint64(8, true),
    gfn: v.getBigUint64(16, true),
  };
};
const bitsOf = (bitmap: Uint8Array, n: number) =>
  Array.from({ length: n }, (_, i) => ((bitmap[i >>> 3] ?? 0) >>> (i & 7)) & 1);

describe('MSHV_GET_GPAP_ACCESS_BITMAP validation (inventory §d): errno and no hypercall', () => {
  it.each([
    ['access_type >= 2', { accessType: TYPE.COUNT }, 'EINVAL'],
    ['access_op >= 3', { accessOp: OP.COUNT }, 'EINVAL'],
    ['rsvd != 0', { rsvd: 1n }, 'EINVAL'],
    ['page_count 0', { pageCount: 0n }, 'EINVAL'],
    [
      'a page_count the state buffer cannot hold (vzalloc)',
      { pageCount: BigInt(GPAP_PAGE_COUNT_MAX) + 1n },
      'ENOMEM',
    ],
  ] as const)('rejects %s', (_rule, arg, errno) => {
    const r = rig();
    const res = r.call(arg);
    expect(res.ok ? 'ok' : res.error.errnoName).toBe(errno);
    expect(r.port.seen).toEqual([]);
  });
});

describe('access-state batches (inventory §b.5, §d quirks)', () => {
  it.each([
    ['ACCESSED', 'CLEAR, which also clears dirty', TYPE.ACCESSED, OP.CLEAR, 0x5],
    ['ACCESSED', 'SET', TYPE.ACCESSED, OP.SET, 0x2],
    ['ACCESSED', 'NOOP, which behaves as SET', TYPE.ACCESSED, OP.NOOP, 0x2],
    ['DIRTY', 'CLEAR', TYPE.DIRTY, OP.CLEAR, 0x4],
    ['DIRTY', 'SET, which also sets accessed', TYPE.DIRTY, OP.SET, 0xa],
    ['DIRTY', 'NOOP, which behaves as SET', TYPE.DIRTY, OP.NOOP, 0xa],
  ])('%s + %s passes state flags 0x%s', (_t, _o, type, op, flags) => {
    const r = rig();
    expect(accessStateFlags(type, op)).toBe(flags);
    r.call({ accessType: type, accessOp: op });
    expect(header(r.port, 0).flags).toBe(BigInt(flags));
  });

  it('cuts page_count into 4095-page calls, each from gpap_base + pages done, one window each', () => {
    const r = rig();
    const res = r.call({ pageCount: 10_000n, gpapBase: 0x4_0000n });
    expect(res.ok && res.value.length).toBe(1250);
    expect(r.port.seen.map((c) => c.repCount)).toEqual([BATCH, BATCH, 10_000 - 2 * BATCH]);
    expect([0, 1, 2].map((i) => header(r.port, i))).toEqual([
      { partition: 7n, flags: 4n, gfn: 0x4_0000n },
      { partition: 7n, flags: 4n, gfn: 0x4_0000n + BigInt(BATCH) },
      { partition: 7n, flags: 4n, gfn: 0x4_0000n + BigInt(2 * BATCH) },
    ]);
    expect([r.env.windows.count, r.env.windows.largestReps, r.env.windows.current]).toEqual([3, BATCH, null]);
  });

  it('sets bit i from state byte i & 1 (ACCESSED) or & 2 (DIRTY), LSB first, unused bits zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9000 }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.constantFrom(TYPE.ACCESSED, TYPE.DIRTY),
        (count, base, type) => {
          const state = (gfn: bigint) => Number((gfn * 2654435761n) >> 7n) & 0xff;
          const r = rig(state);
          const res = r.call({ pageCount: BigInt(count), gpapBase: base, accessType: type });
          if (!res.ok) throw new Error(res.error.message);
          expect(res.value.length).toBe(Math.ceil(count / 8));
          const mask = type === TYPE.ACCESSED ? 1 : 2;
          const want = Array.from({ length: count }, (_, i) =>
            (state(base + BigInt(i)) & mask) === 0 ? 0 : 1,
          );
          expect(bitsOf(res.value, res.value.length * 8)).toEqual([
            ...want,
            ...Array<number>(res.value.length * 8 - count).fill(0),
          ]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps the states of a partially completed call resumed from rep start inside its window', () => {
    const r = rig((gfn) => (gfn % 3n === 0n ? 2 : 0));
    r.port.script(C.GET_GPA_PAGES_ACCESS_STATES, () => ({ result: 0, reps: 1000 }));
    const res = r.call({ pageCount: 4000n });
    expect(r.port.seen.map((c) => c.repStart)).toEqual([0, 1000]);
    expect(r.env.windows.count).toBe(1);
    expect(res.ok && bitsOf(res.value, 4000).every((b, i) => b === (i % 3 === 0 ? 1 : 0))).toBe(true);
  });

  it('fails the ioctl with hv_result_to_errno and no bitmap when a later batch fails', () => {
    const r = rig();
    r.port.script(
      C.GET_GPA_PAGES_ACCESS_STATES,
      () => ({ result: 0 }),
      () => ({ result: HvStatus.INVALID_PARAMETER, reps: 10 }),
    );
    const res = r.call({ pageCount: 5000n });
    expect(res.ok ? undefined : res.error).toMatchObject({
      errnoName: 'EINVAL',
      hvStatusName: 'INVALID_PARAMETER',
    });
    expect(r.port.seen).toHaveLength(2);
  });

  it('copies the states out before the window closes (seed review point 7)', () => {
    // Whatever touches the per-CPU output page once interrupts are back on must not reach the bitmap.
    const r = rig(() => 1);
    const close = r.env.windows.close.bind(r.env.windows);
    r.env.windows.close = (id) => {
      close(id);
      r.pages.output.bytes.fill(0);
    };
    const res = r.call({ pageCount: 5000n, accessType: TYPE.ACCESSED });
    expect(r.env.windows.count).toBe(2);
    expect(res.ok && bitsOf(res.value, 5000).every((b) => b === 1)).toBe(true);
  });
});
