/**
 * Deliberately broken drivers and machines for the checker's self-test, each built only through the
 * project's extension points (driver hooks, the input filler, the executor composition, machine
 * guards through `provide`). The shipped code has no switch for any of them.
 */
import { vpMachine } from '../../machines/vp/vpMachine.js';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { encodeControl } from '../../src/hv/ControlWord.js';
import { HV_VP_STATE_PAGE } from '../../src/hv/flags/HvVpState.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import type { StructLayout } from '../../src/hv/Layout.js';
import { PAGES_PER_LARGE_PAGE } from '../../src/hv/Page.js';
import { type CallOutcome, HV_STATUS_SUCCESS } from '../../src/pipeline/CallPlan.js';
import { releaseVp } from '../../src/pipeline/driver/releaseVp.js';
import { unwindPartialMap } from '../../src/pipeline/driver/mapRegion.js';
import type { Executor } from '../../src/pipeline/Executor.js';
import type { InputFiller } from '../../src/pipeline/fillInputPage.js';
import { pageBytes } from '../../src/pipeline/HypercallRecorder.js';
import { issueWindowed, outputBytes } from '../../src/pipeline/issueWindowed.js';
import { routeByTraits } from '../../src/pipeline/routeByTraits.js';
import type { WindowedEnv } from '../../src/pipeline/windowedExecutor.js';
import { withDepositRetry } from '../../src/pipeline/withDepositRetry.js';
import { SHIPPED_MACHINES } from '../../src/runtime/Machines.js';

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

/**
 * Review points 3 and 11: a windowed executor whose failure path returns early, before the
 * interrupt window is closed (local_irq_restore skipped).
 */
function earlyReturnWindowed(env: WindowedEnv): Executor {
  return (plan) => {
    const listCount = plan.listCount ?? plan.repCount;
    const control = encodeControl({
      code: plan.def.code,
      repCount: plan.repCount,
      repStart: plan.repStart ?? 0,
      varHeadQwords: plan.varHeadQwords ?? 0,
    });
    const window = env.windows.open();
    const input = plan.def.input;
    if (input === undefined) throw new Error(`${plan.def.name}: no input layout`);
    input.encode(plan.header, env.pages.input.view, 0);
    if (plan.list !== undefined && listCount > 0)
      plan.list.write(env.pages.input, input.size, plan.listFrom ?? 0, listCount);
    const inputBytes = pageBytes(
      env.pages.input,
      plan.traits.headerSize + listCount * plan.traits.elementSize,
      env.recorder.wantsBytes,
    );
    // Every call is issued and recorded as the shipped executor does it: the bug is the window.
    const status = issueWindowed(env, plan, control, window, inputBytes);
    const result = Number(status & 0xffffn);
    const repsCompleted = Number((status >> 32n) & 0xfffn);
    const outcome: CallOutcome = { plan, result, repsCompleted, output: undefined, depositedPages: 0 };
    if (result !== HV_STATUS_SUCCESS) return outcome; // the early return: the window stays open
    env.windows.close(window);
    return { ...outcome, output: outputBytes(env, plan, repsCompleted, true) };
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
