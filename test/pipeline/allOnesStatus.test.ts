import { describe, expect, it } from 'vitest';
import { Errno } from '../../src/hv/Errno.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { HypercallCode } from '../../src/hv/HypercallCode.js';
import { partitionId } from '../../src/hv/ids.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { FinalizePartition } from '../../src/hv/hypercalls/FinalizePartition.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import { STATUS_NO_HYPERCALL_PAGE } from '../../src/hv/StatusWord.js';
import { HvPage } from '../../src/ports/HvPage.js';
import type { HypervisorPort } from '../../src/ports/HypervisorPort.js';
import type { CallOutcome, CallPlan } from '../../src/pipeline/CallPlan.js';
import { DEPOSITED, depositPages } from '../../src/pipeline/depositPages.js';
import { failCall } from '../../src/pipeline/driver/IoctlResult.js';
import type { Executor } from '../../src/pipeline/Executor.js';
import { fastExecutor } from '../../src/pipeline/fastExecutor.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { PfnRunList } from '../../src/pipeline/PfnRuns.js';
import { routeByTraits } from '../../src/pipeline/routeByTraits.js';
import { runBatches } from '../../src/pipeline/runBatches.js';
import { windowedExecutor } from '../../src/pipeline/windowedExecutor.js';
import { WindowTracker } from '../../src/pipeline/WindowTracker.js';
import { ScriptedPort } from './ScriptedPort.js';

const pid = partitionId(7n);

/** A hypervisor with no hypercall page: every call answers all-ones (inventory §b.1). */
class NoHypercallPagePort implements HypervisorPort {
  calls = 0;
  hypercall(): bigint {
    this.calls += 1;
    return STATUS_NO_HYPERCALL_PAGE;
  }
  fastHypercall8(): bigint {
    return this.hypercall();
  }
  fastHypercall16(): bigint {
    return this.hypercall();
  }
}

function routedOver(port: HypervisorPort) {
  const windows = new WindowTracker();
  const recorder = new CountingRecorder();
  const pages = { input: new HvPage(), output: new HvPage() };
  return {
    windows,
    routed: routeByTraits(
      fastExecutor({ port, recorder }),
      windowedExecutor({ port, pages, windows, recorder }),
    ),
  };
}

const kernelPages = () => {
  const freed: number[] = [];
  return {
    freed,
    allocPages: (n: number) => [{ pfn: 0x1000, count: n }],
    freePages: (runs: readonly { pfn: number; count: number }[]) => {
      for (const r of runs) freed.push(r.count);
    },
  };
};

const mapRequest = (total: number) => ({
  def: MapGpaPages,
  traits: traitsOf(MapGpaPages),
  total,
  header: (d: number) => ({ targetPartitionId: pid, targetGpaBase: BigInt(d), mapFlags: 1 }),
  list: new PfnRunList([{ pfn: 0x100, count: total }]),
  op: 't',
});

// Inventory §b.1: a status of all-ones (U64_MAX) means "no hypercall page"; §b.2: it maps to
// -EOPNOTSUPP. Its rep bits (4095) are not reps completed.
describe('an all-ones status word on the pipeline path (inventory §b.1, §b.2)', () => {
  it('is a failure with no rep done: runBatches counts 0 and the errno is -EOPNOTSUPP', () => {
    const { routed, windows } = routedOver(new NoHypercallPagePort());
    const res = runBatches(routed, () => DEPOSITED, mapRequest(100));
    expect(res).toMatchObject({ done: 0, ok: false, batches: 1 });
    expect(res.last).toMatchObject({ result: 0xffff, repsCompleted: 0, noHypercallPage: true });
    expect(failCall('MSHV_SET_GUEST_MEMORY', res.last!)).toMatchObject({
      ok: false,
      error: { errnoName: 'EOPNOTSUPP', hvStatus: 0xffff, hypercall: 'MAP_GPA_PAGES' },
    });
    expect(windows.current).toBeNull();
  });

  it('makes depositPages answer -EOPNOTSUPP, credit nothing and free the page it allocated', () => {
    const { routed } = routedOver(new NoHypercallPagePort());
    const kernel = kernelPages();
    const credited: number[] = [];
    const d = depositPages(routed, kernel, { deposit: (_t, n) => credited.push(n) }, pid, 1, 'test');
    expect(d.errno).toBe(-Errno.EOPNOTSUPP);
    expect(d.call?.result).toBe(0xffff);
    expect(credited).toEqual([]);
    expect(kernel.freed).toEqual([1]);
  });

  it('is -EOPNOTSUPP on the fast path too', () => {
    const { routed, windows } = routedOver(new NoHypercallPagePort());
    const out = routed({
      def: FinalizePartition,
      traits: traitsOf(FinalizePartition),
      header: { partitionId: pid },
      repCount: 0,
      op: 't',
    });
    expect(out).toMatchObject({ result: 0xffff, repsCompleted: 0, noHypercallPage: true });
    expect(failCall('MSHV_RELEASE', out)).toMatchObject({ error: { errno: Errno.EOPNOTSUPP } });
    expect(windows.count).toBe(0);
  });

  it('leaves a 0xffff result that is not all-ones an unknown status: -EIO', () => {
    const port = new ScriptedPort();
    port.script(HypercallCode.MAP_GPA_PAGES, () => ({ result: 0xffff, reps: 0 }));
    const { routed } = routedOver(port);
    const res = runBatches(routed, () => DEPOSITED, mapRequest(10));
    expect(res.last).not.toHaveProperty('noHypercallPage');
    expect(failCall('MSHV_SET_GUEST_MEMORY', res.last!)).toMatchObject({ error: { errno: Errno.EIO } });
  });
});

// Inventory §b.1: reps completed is an absolute index, never above the rep count issued.
describe('reps completed above the rep count issued is a broken invariant (inventory §b.1)', () => {
  it('throws from the windowed executor naming the call, with the window closed', () => {
    const port = new ScriptedPort();
    port.script(HypercallCode.MAP_GPA_PAGES, () => ({ result: HvStatus.INVALID_PARAMETER, reps: 600 }));
    const { routed, windows } = routedOver(port);
    expect(() => runBatches(routed, () => DEPOSITED, mapRequest(509))).toThrow(
      'MAP_GPA_PAGES (t): hypervisor reported 600 reps completed of 509 issued',
    );
    expect(windows.current).toBeNull();
  });

  it('is never added to done by runBatches, whatever executor it is given', () => {
    const exec: Executor = (plan: CallPlan): CallOutcome => ({
      plan,
      result: HvStatus.INVALID_PARAMETER,
      repsCompleted: plan.repCount + 1,
      output: undefined,
      depositedPages: 0,
    });
    expect(() => runBatches(exec, () => DEPOSITED, mapRequest(100))).toThrow(
      'MAP_GPA_PAGES (t) at element 0 of 100: 101 reps completed reported for a batch of 100',
    );
  });

  it('is never credited to the deposit ledger by depositPages', () => {
    const exec: Executor = (plan) => ({
      plan,
      result: HvStatus.INSUFFICIENT_MEMORY,
      repsCompleted: 4095,
      output: undefined,
      depositedPages: 0,
    });
    const credited: number[] = [];
    expect(() =>
      depositPages(exec, kernelPages(), { deposit: (_t, n) => credited.push(n) }, pid, 1, 'test'),
    ).toThrow('DEPOSIT_MEMORY (test): 4095 reps completed reported for 1 pages deposited');
    expect(credited).toEqual([]);
  });
});
