import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { HypercallCode } from '../../src/hv/HypercallCode.js';
import { partitionId } from '../../src/hv/ids.js';
import { FinalizePartition } from '../../src/hv/hypercalls/FinalizePartition.js';
import { GetGpaPagesAccessStates } from '../../src/hv/hypercalls/GetGpaPagesAccessStates.js';
import { GetPartitionProperty } from '../../src/hv/hypercalls/GetPartitionProperty.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { HvPage } from '../../src/ports/HvPage.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { depositPages } from '../../src/pipeline/depositPages.js';
import { fastExecutor } from '../../src/pipeline/fastExecutor.js';
import { PfnRunList } from '../../src/pipeline/PfnRuns.js';
import { guardCpuPages } from '../../src/pipeline/guardCpuPages.js';
import { routeByTraits } from '../../src/pipeline/routeByTraits.js';
import { runBatches } from '../../src/pipeline/runBatches.js';
import { windowedExecutor } from '../../src/pipeline/windowedExecutor.js';
import { WindowTracker } from '../../src/pipeline/WindowTracker.js';
import { withDepositRetry } from '../../src/pipeline/withDepositRetry.js';
import { ScriptedPort } from './ScriptedPort.js';

function rig() {
  const port = new ScriptedPort();
  const windows = new WindowTracker();
  const recorder = new CountingRecorder();
  const pages = { input: new HvPage(), output: new HvPage() };
  const windowed = windowedExecutor({ port, pages, windows, recorder });
  const fast = fastExecutor({ port, recorder });
  const routed = routeByTraits(fast, windowed);
  let nextPfn = 0x1000;
  const freed: number[] = [];
  const kernel = {
    allocPages: (n: number) => {
      const r = [{ pfn: nextPfn, count: n }];
      nextPfn += n;
      return r;
    },
    freePages: (runs: readonly { pfn: number; count: number }[]) => {
      for (const r of runs) freed.push(r.count);
    },
  };
  const deposited: [bigint, number][] = [];
  const ledger = { deposit: (t: bigint, n: number) => deposited.push([t, n]) };
  const deposit = (t: ReturnType<typeof partitionId>, n: number) =>
    depositPages(routed, kernel, ledger, t, n, 'test');
  return {
    port,
    windows,
    recorder,
    pages,
    routed,
    deposit,
    deposited,
    freed,
    exec: withDepositRetry(routed, deposit),
  };
}

const mapTraits = traitsOf(MapGpaPages);
const pid = partitionId(7n);

describe('call engine (inventory §b.1, design principle 7)', () => {
  it('resumes a partially completed rep call from reps completed, inside the same window', () => {
    const r = rig();
    r.port.script(
      HypercallCode.MAP_GPA_PAGES,
      () => ({ result: 0, reps: 200 }),
      () => ({ result: 0, reps: 450 }),
    );
    const list = new PfnRunList([{ pfn: 0x5000, count: 509 }]);
    const out = r.routed({
      def: MapGpaPages,
      traits: mapTraits,
      header: { targetPartitionId: pid, targetGpaBase: 0n, mapFlags: 1 },
      repCount: 509,
      list,
      op: 't',
    });
    expect(out.result).toBe(0);
    expect(out.repsCompleted).toBe(509);
    expect(r.port.seen.map((c) => c.repStart)).toEqual([0, 200, 450]);
    expect(r.windows.count).toBe(1);
    expect(r.windows.current).toBeNull();
    expect(r.windows.largestReps).toBe(509);
  });

  it('closes the window when the hypervisor call throws (every path)', () => {
    const r = rig();
    r.port.onCall = () => {
      throw new Error('boom');
    };
    expect(() =>
      r.routed({
        def: GetPartitionProperty,
        traits: traitsOf(GetPartitionProperty),
        header: { partitionId: pid, propertyCode: 1 },
        repCount: 0,
        op: 't',
      }),
    ).toThrow('boom');
    expect(r.windows.current).toBeNull();
  });

  it('notes a per-CPU page taken with interrupts on, once, until read (review point 7)', () => {
    const windows = new WindowTracker();
    const pages = guardCpuPages({ input: new HvPage(), output: new HvPage() }, windows);
    const id = windows.open();
    expect(pages.input).toBeInstanceOf(HvPage);
    expect(pages.output).toBeInstanceOf(HvPage);
    windows.close(id);
    expect(windows.takeStrayUse()).toBeNull();
    expect(pages.output).toBeInstanceOf(HvPage);
    expect(pages.input).toBeInstanceOf(HvPage);
    expect(windows.takeStrayUse()).toBe(
      'the per-CPU output page was used with interrupts on (after window 1 closed)',
    );
    expect(windows.takeStrayUse()).toBeNull();
  });

  it('never opens a window for a fast call', () => {
    const r = rig();
    r.routed({
      def: FinalizePartition,
      traits: traitsOf(FinalizePartition),
      header: { partitionId: pid },
      repCount: 0,
      op: 't',
    });
    expect(r.windows.count).toBe(0);
    expect(r.port.seen[0]?.fast).toBe(true);
  });

  it('zeroes reserved and padding bytes a previous call left on the per-CPU page (review point 2)', () => {
    const r = rig();
    r.pages.input.bytes.fill(0xff);
    r.routed({
      def: MapGpaPages,
      traits: mapTraits,
      header: { targetPartitionId: pid, targetGpaBase: 0n, mapFlags: 1 },
      repCount: 1,
      list: new PfnRunList([{ pfn: 9, count: 1 }]),
      op: 't',
    });
    const seen = r.port.seen[0]!.input;
    expect([...seen.slice(20, 24)]).toEqual([0, 0, 0, 0]);
    expect(MapGpaPages.input.reservedViolations(new DataView(seen.buffer))).toEqual([]);
  });

  it('deposits one page into the plan target on INSUFFICIENT_MEMORY and retries (inventory §b.3)', () => {
    const r = rig();
    r.port.script(
      HypercallCode.GET_PARTITION_PROPERTY,
      () => ({ result: HvStatus.INSUFFICIENT_MEMORY }),
      () => ({ result: 0 }),
    );
    const out = r.exec({
      def: GetPartitionProperty,
      traits: traitsOf(GetPartitionProperty),
      header: { partitionId: pid, propertyCode: 1 },
      repCount: 0,
      deposit: { target: pid, pagesPerRetry: 1 },
      op: 't',
    });
    expect(out.result).toBe(0);
    expect(out.depositedPages).toBe(1);
    expect(r.port.seen.map((c) => c.code)).toEqual([
      HypercallCode.GET_PARTITION_PROPERTY,
      HypercallCode.DEPOSIT_MEMORY,
      HypercallCode.GET_PARTITION_PROPERTY,
    ]);
    expect(r.deposited).toEqual([[7n, 1]]);
  });

  it('gives back only the deposit pages the hypervisor did not accept', () => {
    const r = rig();
    r.port.script(HypercallCode.DEPOSIT_MEMORY, () => ({ result: HvStatus.INSUFFICIENT_MEMORY, reps: 3 }));
    const d = r.deposit(pid, 10);
    expect(d.errno).toBe(-12);
    // The call that failed comes with it: its status and name go into the error (failDeposit).
    expect([d.call?.plan.def.name, d.call?.result]).toEqual(['DEPOSIT_MEMORY', HvStatus.INSUFFICIENT_MEMORY]);
    expect(r.deposited).toEqual([[7n, 3]]);
    expect(r.freed).toEqual([7]);
  });

  it('rejects a deposit above HV_DEPOSIT_MAX (511) with -E2BIG before allocating', () => {
    const r = rig();
    expect(r.deposit(pid, 512)).toEqual({ errno: -7, call: null });
    expect(r.port.seen).toEqual([]);
  });

  it('cuts a list into 509-entry MAP_GPA_PAGES batches and advances the GPA base per batch', () => {
    const r = rig();
    const res = runBatches(r.routed, r.deposit, {
      def: MapGpaPages,
      traits: mapTraits,
      total: 1200,
      header: (done) => ({ targetPartitionId: pid, targetGpaBase: BigInt(done), mapFlags: 1 }),
      list: new PfnRunList([{ pfn: 0x100, count: 1200 }]),
      op: 't',
    });
    expect(res).toMatchObject({ done: 1200, ok: true, batches: 3 });
    expect(r.port.seen.map((c) => c.repCount)).toEqual([509, 509, 182]);
    const thirdBase = new DataView(r.port.seen[2]!.input.buffer).getBigUint64(8, true);
    expect(thirdBase).toBe(1018n);
    const firstPfnOfThird = new DataView(r.port.seen[2]!.input.buffer).getBigUint64(24, true);
    expect(firstPfnOfThird).toBe(0x100n + 1018n);
  });

  it('stops at the first failure and reports exactly the prefix that took effect', () => {
    const r = rig();
    r.port.script(
      HypercallCode.MAP_GPA_PAGES,
      () => ({ result: 0 }),
      () => ({ result: HvStatus.INVALID_PARAMETER, reps: 100 }),
    );
    const res = runBatches(r.routed, r.deposit, {
      def: MapGpaPages,
      traits: mapTraits,
      total: 1200,
      header: () => ({ targetPartitionId: pid, targetGpaBase: 0n, mapFlags: 1 }),
      list: new PfnRunList([{ pfn: 1, count: 1200 }]),
      op: 't',
    });
    expect(res.ok).toBe(false);
    expect(res.done).toBe(609);
  });

  it('copies out only the output the call produced, header and completed reps, never what an earlier call left (review point 8)', () => {
    const r = rig();
    const traits = traitsOf(GetGpaPagesAccessStates);
    r.pages.output.bytes.fill(0xaa);
    r.port.script(HypercallCode.GET_GPA_PAGES_ACCESS_STATES, () => ({
      result: HvStatus.INVALID_PARAMETER,
      reps: 100,
    }));
    const o = r.routed({
      def: GetGpaPagesAccessStates,
      traits,
      header: { partitionId: pid, flags: 0, hvGpaPageNumber: 0n },
      repCount: 200,
      op: 't',
    });
    expect(o).toMatchObject({ result: HvStatus.INVALID_PARAMETER, repsCompleted: 100 });
    expect(o.output?.length).toBe(traits.outputHeaderSize + 100 * traits.outputElementSize);
  });

  it('on INSUFFICIENT_MEMORY mid-list deposits and continues from the reps completed', () => {
    const r = rig();
    r.port.script(HypercallCode.MAP_GPA_PAGES, () => ({ result: HvStatus.INSUFFICIENT_MEMORY, reps: 300 }));
    const res = runBatches(r.routed, r.deposit, {
      def: MapGpaPages,
      traits: mapTraits,
      total: 509,
      header: (d) => ({ targetPartitionId: pid, targetGpaBase: BigInt(d), mapFlags: 1 }),
      list: new PfnRunList([{ pfn: 1, count: 509 }]),
      deposit: { target: pid, pagesPerRetry: 256 },
      op: 't',
    });
    expect(res).toMatchObject({ ok: true, done: 509, depositedPages: 256 });
    const maps = r.port.seen.filter((c) => c.code === HypercallCode.MAP_GPA_PAGES);
    expect(maps.map((c) => c.repCount)).toEqual([509, 209]);
  });
});

describe('PfnRunList (review point 4: head PFNs only in 2 MiB mode)', () => {
  it('matches a materialised page array for any runs, stride and window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ pfn: fc.integer({ min: 0, max: 2 ** 40 }), count: fc.integer({ min: 1, max: 600 }) }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.constantFrom(1, 512),
        fc.nat(),
        (runs, stride, seed) => {
          const flat = runs.flatMap((r) => Array.from({ length: r.count }, (_, i) => r.pfn + i));
          const elements = Math.floor(flat.length / stride);
          fc.pre(elements > 0);
          const from = seed % elements;
          const count = Math.min(elements - from, 1 + (seed % 7));
          const list = new PfnRunList(runs, stride);
          const page = new HvPage();
          list.write(page, 24, from, count);
          for (let i = 0; i < count; i++) {
            expect(page.getU64Number(24 + i * 8)).toBe(flat[(from + i) * stride]);
            expect(list.at(from + i)).toBe(flat[(from + i) * stride]);
          }
        },
      ),
    );
  });
});
