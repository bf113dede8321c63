/**
 * Deliberately broken drivers and machines for the checker's self-test, each built only through the
 * project's extension points (driver hooks, the input filler, the executor composition, machine
 * guards through `provide`). The shipped code has no switch for any of them.
 */
import { assign } from 'xstate';
import { partitionMachine } from '../../machines/partition/partitionMachine.js';
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { CheckModel } from '../../src/check/CheckModel.js';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { HV_VP_STATE_PAGE } from '../../src/hv/flags/HvVpState.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { HV_UNMAP_GPA_LARGE_PAGE } from '../../src/hv/flags/HvMapGpaFlag.js';
import { traitsOf } from '../../src/hv/Hypercall.js';
import { MapGpaPages } from '../../src/hv/hypercalls/MapGpaPages.js';
import { UnmapGpaPages } from '../../src/hv/hypercalls/UnmapGpaPages.js';
import type { StructLayout } from '../../src/hv/Layout.js';
import { LARGE_PAGE_SHIFT_IN_PAGES, PAGES_PER_LARGE_PAGE } from '../../src/hv/Page.js';
import { type CallOutcome, type CallPlan, HV_STATUS_SUCCESS } from '../../src/pipeline/CallPlan.js';
import type { DriverHooks } from '../../src/pipeline/driver/DriverHooks.js';
import { releaseVp } from '../../src/pipeline/driver/releaseVp.js';
import { unwindPartialMap } from '../../src/pipeline/driver/mapRegion.js';
import type { Executor } from '../../src/pipeline/Executor.js';
import { type InputFiller, zeroThenFill } from '../../src/pipeline/fillInputPage.js';
import { pageBytes } from '../../src/pipeline/HypercallRecorder.js';
import { issueWindowed, outputBytes } from '../../src/pipeline/issueWindowed.js';
import { PfnRunList } from '../../src/pipeline/PfnRuns.js';
import { routeByTraits } from '../../src/pipeline/routeByTraits.js';
import { runBatches } from '../../src/pipeline/runBatches.js';
import { slowControlWord } from '../../src/pipeline/slowControlWord.js';
import type { WindowedEnv } from '../../src/pipeline/windowedExecutor.js';
import { withDepositRetry } from '../../src/pipeline/withDepositRetry.js';
import { type Machines, SHIPPED_MACHINES } from '../../src/runtime/Machines.js';

/** Write a layout's named fields where they are, leaving every other byte as the page holds it. */
function writeFieldsOnly(
  layout: StructLayout,
  values: Readonly<Record<string, unknown>>,
  view: DataView,
): void {
  for (const f of layout.fields) {
    const v = values[f.name];
    if (f.kind === 'reserved' || v === undefined) continue;
    switch (f.kind) {
      case 'u8':
        view.setUint8(f.offset, Number(v));
        break;
      case 'u16':
        view.setUint16(f.offset, Number(v), true);
        break;
      case 'u32':
        view.setUint32(f.offset, Number(v) >>> 0, true);
        break;
      case 'u64':
        view.setBigUint64(f.offset, BigInt(v as bigint | number), true);
        break;
      case 'bytes':
        new Uint8Array(view.buffer, view.byteOffset + f.offset, f.size).set(v as Uint8Array);
        break;
    }
  }
}

/** Review point 2: the per-CPU input page is filled field by field without the memset first. */
const noMemset: InputFiller = (plan, page, from, count) => {
  const layout = plan.def.input;
  if (layout === undefined) throw new Error(`${plan.def.name}: no input layout`);
  writeFieldsOnly(layout, plan.header, page.view);
  if (plan.list !== undefined && count > 0) plan.list.write(page, layout.size, from, count);
};

/** Open a window, fill the input page as the kernel does, issue: the part both broken executors share. */
function openAndIssue(
  env: WindowedEnv,
  plan: CallPlan,
): { readonly window: number; readonly status: bigint } {
  const listCount = plan.listCount ?? plan.repCount;
  const control = slowControlWord(plan);
  const window = env.windows.open();
  const input = env.pages.input;
  zeroThenFill(plan, input, plan.listFrom ?? 0, listCount);
  const inputBytes = pageBytes(
    input,
    plan.traits.headerSize + listCount * plan.traits.elementSize,
    env.recorder.wantsBytes,
  );
  // Every call is issued and recorded as the shipped executor does it: the bug is the window.
  return { window, status: issueWindowed(env, plan, control, window, inputBytes) };
}

/**
 * Review points 3 and 11: a windowed executor whose failure path returns early, before the
 * interrupt window is closed (local_irq_restore skipped).
 */
function earlyReturnWindowed(env: WindowedEnv): Executor {
  return (plan) => {
    const { window, status } = openAndIssue(env, plan);
    const result = Number(status & 0xffffn);
    const repsCompleted = Number((status >> 32n) & 0xfffn);
    const outcome: CallOutcome = { plan, result, repsCompleted, output: undefined, depositedPages: 0 };
    if (result !== HV_STATUS_SUCCESS) return outcome; // the early return: the window stays open
    const output = outputBytes(env, plan, repsCompleted, true);
    env.windows.close(window);
    return { ...outcome, output };
  };
}

/**
 * Review point 7 taken one step too far: local_irq_restore moved before the copy of the per-CPU
 * output (the merged code restores right after the copy, before the progress accounting).
 */
function restoreBeforeCopy(env: WindowedEnv): Executor {
  return (plan) => {
    const { window, status } = openAndIssue(env, plan);
    env.windows.close(window);
    const repsCompleted = Number((status >> 32n) & 0xfffn);
    const output = outputBytes(env, plan, repsCompleted, true);
    return { plan, result: Number(status & 0xffffn), repsCompleted, output, depositedPages: 0 };
  };
}

/**
 * Review point 4 reversed: in large-page mode the PFN list walks the 4 KiB page array entry by
 * entry, instead of taking every 512th entry (the 2 MiB head page the hypervisor needs).
 */
const everyPfnInLargeMode: InputFiller = (plan, page, from, count) => {
  const list = plan.list;
  const walked =
    list instanceof PfnRunList && list.stride > 1 ? new PfnRunList(list.runs, 1, list.firstPage) : list;
  zeroThenFill(walked === undefined ? plan : { ...plan, list: walked }, page, from, count);
};

/**
 * Review point 6 answered the other way: unmap carries no list, so the range goes out in one call,
 * with interrupts off for all of it (the merged code batches HV_UMAP_GPA_PAGES = 512 reps).
 */
const unbatchedUnmap: DriverHooks['unmapGpaPages'] = (env, partition, gfn, pages, large, op) => {
  const shift = large ? LARGE_PAGE_SHIFT_IN_PAGES : 0;
  const total = Math.floor(pages / (1 << shift));
  return runBatches(env.execOnce, env.deposit, {
    def: UnmapGpaPages,
    traits: { ...traitsOf(UnmapGpaPages), batchRepsMax: Math.max(1, total) },
    total,
    header: (done) => ({
      targetPartitionId: partition,
      targetGpaBase: BigInt(gfn + done * (1 << shift)),
      unmapFlags: large ? HV_UNMAP_GPA_LARGE_PAGE : 0,
    }),
    op,
  });
};

/**
 * Review point 6 as the v5 code had it: the unmap loop batched, but with the map list's constant
 * (`rep_count = min(remain, HV_MAP_GPA_BATCH_SIZE)`, 509 reps, a page bound) instead of
 * HV_UMAP_GPA_PAGES (512, the interrupt-latency bound the merged code uses). A 1,024-page range goes
 * out as 509 + 509 + 6 reps: no batch over capacity, so only the fill of each batch tells.
 */
const unmapInMapBatches: DriverHooks['unmapGpaPages'] = (env, partition, gfn, pages, large, op) => {
  const shift = large ? LARGE_PAGE_SHIFT_IN_PAGES : 0;
  return runBatches(env.execOnce, env.deposit, {
    def: UnmapGpaPages,
    traits: { ...traitsOf(UnmapGpaPages), batchRepsMax: traitsOf(MapGpaPages).batchRepsMax },
    total: Math.floor(pages / (1 << shift)),
    header: (done) => ({
      targetPartitionId: partition,
      targetGpaBase: BigInt(gfn + done * (1 << shift)),
      unmapFlags: large ? HV_UNMAP_GPA_LARGE_PAGE : 0,
    }),
    op,
  });
};

/** HV_HYPERCALL_RESULT_MASK (GENMASK_ULL(15, 0)): the result field of the status word. */
const HV_HYPERCALL_RESULT_MASK = 0xffffn;

/**
 * Review point 9 as the thread's code had it: `status = hv_do_…hypercall(…) & HV_HYPERCALL_RESULT_MASK`,
 * then the reps completed read from the masked word (hv_repcomp), which is always 0. On the six
 * non-rep calls the thread names the mask loses nothing; on a rep call the driver never sees the
 * reps the hypervisor completed (a successful batch reads as SUCCESS without progress).
 */
function maskBeforeRepcomp(routed: Executor): Executor {
  return (plan) => {
    const o = routed(plan);
    const status = ((BigInt(o.repsCompleted) << 32n) | BigInt(o.result)) & HV_HYPERCALL_RESULT_MASK;
    return { ...o, result: Number(status & 0xffffn), repsCompleted: Number((status >> 32n) & 0xfffn) };
  };
}

/**
 * Review point 9: the status word tested whole against HV_STATUS_SUCCESS instead of through
 * hv_result(): a rep call that succeeded carries its reps completed in bits 32-43, so it reads as
 * a failure with a status no table knows.
 */
function unmaskedStatus(routed: Executor): Executor {
  return (plan) => {
    const o = routed(plan);
    const word = (BigInt(o.repsCompleted) << 32n) | BigInt(o.result);
    return word === BigInt(HV_STATUS_SUCCESS) ? o : { ...o, result: Number(word) };
  };
}

/** Every planted variant, by the bug class it stands for. */
export const PLANTED: readonly CheckVariant[] = [
  { name: 'inputNotZeroed', world: { fill: noMemset } },
  {
    name: 'earlyReturnInWindow',
    world: {
      wrapExecutor: (_routed, deposit, stages) =>
        withDepositRetry(routeByTraits(stages.fast, earlyReturnWindowed(stages.windowedEnv)), deposit),
    },
  },
  {
    // Review point 10 reversed: IRQ save/restore around a fast call.
    name: 'fastCallInWindow',
    world: {
      wrapExecutor: (routed, deposit, { windows }) =>
        withDepositRetry((plan) => {
          if (!plan.traits.fast) return routed(plan);
          const id = windows.open();
          try {
            return routed(plan);
          } finally {
            windows.close(id);
          }
        }, deposit),
    },
  },
  // Inventory §b.3: INSUFFICIENT_MEMORY handed to the caller instead of deposit-and-retry.
  { name: 'noDepositRetry', world: { wrapExecutor: (routed) => routed } },
  {
    // Review point 4: a large-page list whose every entry is the first 2 MiB head (the list read at
    // pages[done] instead of pages[(done + i) << shift]): aligned heads, the wrong host memory.
    name: 'sameHeadInLargeMode',
    world: {
      fill: (plan, page, from, count) => {
        const list = plan.list;
        const walked =
          list instanceof PfnRunList && list.stride > 1 ? new PfnRunList(list.runs, 0, list.firstPage) : list;
        zeroThenFill(walked === undefined ? plan : { ...plan, list: walked }, page, from, count);
      },
    },
  },
  {
    // Inventory §b.3: the deposit is made, but the call is not issued again: the caller gets
    // INSUFFICIENT_MEMORY with the memory sitting in the pool.
    name: 'depositWithoutRetry',
    world: {
      wrapExecutor:
        (routed, deposit): Executor =>
        (plan) => {
          const outcome = routed(plan);
          if (outcome.result === HvStatus.INSUFFICIENT_MEMORY && plan.deposit !== undefined)
            deposit(plan.deposit.target, plan.deposit.pagesPerRetry);
          return outcome;
        },
    },
  },
  {
    // Inventory §d: ORIG passed the mapped count in 2 MiB units to the 4 KiB-count unmap.
    name: 'unmapIn2MUnits',
    world: {
      hooks: {
        unwindPartialMap: (env, pt, region, done, chunk, mappedPages) => {
          unwindPartialMap(
            env,
            pt,
            region,
            done,
            chunk,
            chunk.large ? mappedPages / PAGES_PER_LARGE_PAGE : mappedPages,
          );
        },
      },
    },
  },
  {
    name: 'runAfterFinalize',
    machines: {
      ...SHIPPED_MACHINES,
      vp: vpMachine.provide({ guards: { partitionAcceptsRun: () => true } }),
    },
  },
  {
    // §c.9: the driver returns before the completion arrives and lets the next async call start.
    name: 'secondAsyncInFlight',
    world: { hooks: { asyncGateOpen: () => true, awaitAsyncCompletion: () => 0 } },
  },
  {
    // §c.9: a driver that bounds its wait (one round, as wait_for_completion_timeout would) and fails
    // the call when the completion is late: only a late completion (a fault choice) exposes it.
    name: 'impatientAsyncWait',
    world: {
      hooks: {
        awaitAsyncCompletion: (env, pt) => {
          env.shared.runHypervisor();
          if (!pt.asyncCompletionDone) return HvStatus.TIME_OUT;
          pt.asyncCompletionDone = false;
          return pt.asyncCompletionStatus >>> 0;
        },
      },
    },
  },
  {
    // rust-vmm/mshv issue 194: the register page is forgotten, never unmapped, at teardown.
    name: 'leakedVpStatePage',
    world: {
      hooks: {
        releaseVp: (env, pt, vp) => {
          vp.statePages.delete(HV_VP_STATE_PAGE.REGISTERS);
          releaseVp(env, pt, vp);
        },
      },
    },
  },
];

/**
 * The seed review's points (inventory §e) that are bug classes of a driver, each planted as the
 * mistake the point was about; `test/check/reviewPoints.test.ts` says which invariant finds each.
 */
export const REVIEW_POINT_VARIANTS: readonly CheckVariant[] = [
  { name: 'everyPfnInLargeMode', world: { fill: everyPfnInLargeMode } },
  { name: 'unbatchedUnmap', world: { hooks: { unmapGpaPages: unbatchedUnmap } } },
  { name: 'unmapInMapBatches', world: { hooks: { unmapGpaPages: unmapInMapBatches } } },
  {
    name: 'restoreBeforeCopy',
    world: {
      wrapExecutor: (_routed, deposit, stages) =>
        withDepositRetry(routeByTraits(stages.fast, restoreBeforeCopy(stages.windowedEnv)), deposit),
      wrapListExecutor: (_routed, stages) =>
        routeByTraits(stages.fast, restoreBeforeCopy(stages.windowedEnv)),
    },
  },
  {
    name: 'unmaskedStatus',
    world: {
      wrapExecutor: (routed, deposit) => withDepositRetry(unmaskedStatus(routed), deposit),
      wrapListExecutor: unmaskedStatus,
    },
  },
  {
    name: 'maskBeforeRepcomp',
    world: {
      wrapExecutor: (routed, deposit) => withDepositRetry(maskBeforeRepcomp(routed), deposit),
      wrapListExecutor: maskBeforeRepcomp,
    },
  },
];

/**
 * The default model with its 4 KiB region grown to 4 MiB (1,024 pages: two HV_UMAP_GPA_PAGES
 * batches, three of the map list's 509) and an UNMAP_MEMORY of it, within a budget of `states`: the
 * model the unmap batch variants of review point 6 show on. The default model's 8-page region is one
 * batch, and it unmaps that region only at CLOSE, after FINALIZE_PARTITION, where the hypervisor
 * refuses the first batch.
 */
export function big4kModel(states: number): CheckModel {
  const d = DEFAULT_MODEL_JSON;
  const [ram2m, ram4k] = d.world.hostMemory;
  return loadCheckModel({
    ...d,
    world: { ...d.world, hostMemory: [ram2m, { ...ram4k, size: '4MiB' }] },
    bounds: { ...d.bounds, states },
    intents: d.intents.flatMap((i): unknown[] => {
      if (i.intent !== 'partition') return [i];
      if ('detail' in i.request && i.request.region === 'ram4k')
        return [{ ...i, request: { ...i.request, detail: { ...i.request.detail, size: '0x400000' } } }];
      if (i.request.type === 'UNMAP_MEMORY')
        return [i, { intent: 'partition', request: { type: 'UNMAP_MEMORY', region: 'ram4k' } }];
      return [i];
    }),
  });
}

/**
 * A VMM of the vmm-lifecycle-rules leak history: rust-vmm/mshv before PR 251 (issue 194) closed a
 * VP's fd at teardown but never unmapped the register page it had mapped at VP creation, so the
 * mapping kept every partition it closed alive in the kernel. Needs a world whose VMM maps them
 * (`vmm.mapVpRegisterPages`).
 */
export const VMM_KEEPS_REGISTER_PAGES: CheckVariant = {
  name: 'vmmKeepsRegisterPages',
  vmm: {
    releaseVp: (device, vp) => {
      device.close(vp.fd);
    },
  },
};

/** The shipped machines with one partition rule guard answering "go ahead" always. */
function partitionWithout(
  rule:
    | 'timeThawedBeforeVpsRun'
    | 'restoredClockWrittenBeforeStart'
    | 'timeFreezeOnlyWithVpsParked'
    | 'snapshotOnlyWhileQuiesced'
    | 'allPagesMarkedDirtyBeforeDisable',
): Machines {
  return { ...SHIPPED_MACHINES, partition: partitionMachine.provide({ guards: { [rule]: () => true } }) };
}

/**
 * A VMM breaking one of the vmm-lifecycle-rules the machines enforce, each planted by taking away
 * the guard (or the action) that enforces it, through `provide`; the invariant that finds each
 * judges what the driver and the hypervisor did, never the guard. BFS on the lifecycle-rules model
 * (docs/check/lifecycle-rules.json) finds each: test/check/plantedVariants.test.ts.
 */
export const LIFECYCLE_RULE_VARIANTS: readonly CheckVariant[] = [
  // Rule 3: START accepted with time frozen, so a VP runs before the clock is restored and thawed.
  { name: 'runWithTimeFrozen', machines: partitionWithout('timeThawedBeforeVpsRun') },
  // Rules 3, 8: START accepted for a partition restored from a snapshot before its clock is written.
  { name: 'startBeforeClockRestored', machines: partitionWithout('restoredClockWrittenBeforeStart') },
  // Rule 3: FREEZE_TIME accepted while the partition runs: VPs run (or sleep in a run) frozen.
  { name: 'freezeWhileRunning', machines: partitionWithout('timeFreezeOnlyWithVpsParked') },
  // Rule 9: RUN accepted after an IO_PORT exit without the REGISTERS write that skips the OUT.
  {
    name: 'runWithoutSkippingPortIo',
    machines: { ...SHIPPED_MACHINES, vp: vpMachine.provide({ guards: { portIoRipAdvanced: () => true } }) },
  },
  // Rule 8: a restore writes VP state parts in any order (REGISTERS, then MSRS, before READY).
  {
    name: 'restoreInAnyOrder',
    machines: {
      ...SHIPPED_MACHINES,
      vp: vpMachine.provide({ guards: { vpStateRestoreInOrder: () => true } }),
    },
  },
  // Rule 11: SNAPSHOT accepted while the partition runs (VPs not parked, devices not quiesced).
  { name: 'snapshotNotQuiesced', machines: partitionWithout('snapshotOnlyWhileQuiesced') },
  // Rule 7: tracking disabled without marking every page dirty again after the last read.
  { name: 'disableWithoutMarkAll', machines: partitionWithout('allPagesMarkedDirtyBeforeDisable') },
  {
    // Rule 4 (openvmm PR 3917): the kick is lost for good: PARK during a run sets the sticky stop
    // but never signals the VP thread, so pause and close wait on a run that never returns.
    name: 'kickNeverSent',
    machines: {
      ...SHIPPED_MACHINES,
      vp: vpMachine.provide({ actions: { kick: assign({ stopRequested: true }) } }),
    },
  },
];
