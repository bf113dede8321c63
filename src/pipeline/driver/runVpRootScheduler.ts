import {
  HV_DISPATCH_VP_FLAG,
  HV_VP_DISPATCH_EVENT,
  HV_VP_DISPATCH_STATE,
} from '../../hv/flags/HvDispatchVp.js';
import { HV_REGISTER } from '../../hv/flags/HvRegisterName.js';
import { DispatchVp } from '../../hv/hypercalls/DispatchVp.js';
import { type CallOutcome, HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail, failCall, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { plan } from './plan.js';
import { vpDispatchThreadBlocked } from './vpDispatchThreadBlocked.js';
import { vpInterruptPending } from './vpInterruptPending.js';
import { setVpRegisters } from './vpRegisters.js';
import { RUN_VP, waitForKick } from './waitForKick.js';

/**
 * Most DISPATCH_VP calls one MSHV_RUN_VP makes before the model declares a livelock (the kernel
 * loops until an intercept or a signal). Exceeding it is a broken invariant and throws.
 */
export const ROOT_DISPATCH_ROUNDS_MAX = 1024;

/**
 * mshv_run_vp_with_root_scheduler (inventory §c.6, ROOT): wait first if the VP is blocked; then
 * loop: a pending signal ends the run with -EINTR; DISPATCH_VP (time slice 0, spec_ctrl 0) with
 * CLEAR_INTERCEPT_SUSPEND after an intercept exit and SCAN_INTERRUPT_INJECTION when the register
 * page holds pending vectors, `root_sched_dispatched` set around the call; clear
 * `intercept_suspend`; BLOCKED+SUSPEND → clear EXPLICIT_SUSPEND and wait for a kick; BLOCKED+other →
 * mark blocked and wait; READY+INTERCEPT → mark intercept_suspend and return (the message is in the
 * intercept page). Bounded by ROOT_DISPATCH_ROUNDS_MAX dispatches.
 *
 * Not modelled: the WARN_ONCE on BLOCKED+SUSPEND when signals were counted (a log line only).
 *
 * @example
 * runVpRootScheduler(env, pt, vp); // { ok: true } after READY + INTERCEPT
 */
export function runVpRootScheduler(env: DriverEnv, pt: KernelPartition, vp: KernelVp): IoctlResult<void> {
  const op = RUN_VP;
  if (vp.rootSchedBlocked) {
    const woken = waitForRootKick(env, pt, vp);
    if (!woken.ok) return woken;
  }
  for (let round = 0; round < ROOT_DISPATCH_ROUNDS_MAX; round++) {
    // mshv_pre_guest_mode_work / xfer_to_guest_mode_handle_work: a pending signal ends the run.
    if (env.shared.takeSignal(vp.index, pt.id))
      return fail(op, 'EINTR', `VP ${vp.index}: signal pending before DISPATCH_VP`);
    const outcome = dispatch(env, pt, vp);
    if (outcome.result !== HV_STATUS_SUCCESS) return failCall(op, outcome);
    vp.interceptSuspend = false;
    const { state, event } = dispatchOutput(outcome);
    if (state === HV_VP_DISPATCH_STATE.BLOCKED) {
      if (event === HV_VP_DISPATCH_EVENT.SUSPEND) {
        // Explicit suspend is set after the first dispatch; clear it before dispatching again.
        const clear = setVpRegisters(
          env,
          pt.id,
          vp.index,
          [{ name: HV_REGISTER.EXPLICIT_SUSPEND, value: 0n }],
          op,
        );
        if (clear.result !== HV_STATUS_SUCCESS) return failCall(op, clear, 'clearing EXPLICIT_SUSPEND');
      } else {
        vp.rootSchedBlocked = true;
      }
      const woken = waitForRootKick(env, pt, vp);
      if (!woken.ok) return woken;
    } else if (state === HV_VP_DISPATCH_STATE.READY && event === HV_VP_DISPATCH_EVENT.INTERCEPT) {
      vp.interceptSuspend = true;
      return ok(undefined);
    }
  }
  throw new Error(
    `${op}: VP ${vp.index} of partition ${pt.id} made ${ROOT_DISPATCH_ROUNDS_MAX} dispatches without an intercept`,
  );
}

/** mshv_vp_dispatch: one DISPATCH_VP with the flags the VP's state calls for. */
function dispatch(env: DriverEnv, pt: KernelPartition, vp: KernelVp): CallOutcome {
  let flags = 0;
  if (vp.interceptSuspend) flags |= HV_DISPATCH_VP_FLAG.CLEAR_INTERCEPT_SUSPEND;
  if (vpInterruptPending(env, vp)) flags |= HV_DISPATCH_VP_FLAG.SCAN_INTERRUPT_INJECTION;
  vp.rootSchedDispatched = true;
  try {
    return env.exec(
      plan(DispatchVp, { partitionId: pt.id, vpIndex: vp.index, flags, timeSlice: 0n, specCtrl: 0n }, RUN_VP),
    );
  } finally {
    vp.rootSchedDispatched = false;
  }
}

function dispatchOutput(outcome: CallOutcome): { state: number; event: number } {
  const out = outcome.output;
  if (out === undefined || out.length < 8) throw new Error('DISPATCH_VP: no hv_output_dispatch_vp');
  const view = new DataView(out.buffer, out.byteOffset, 8);
  return { state: view.getUint32(0, true), event: view.getUint32(4, true) };
}

/**
 * mshv_vp_wait_for_hv_kick: sleep until (kicked and RootDispatchThreadBlocked is 0 in both stats
 * pages) or vectors are pending; -EINTR on a signal; then clear blocked and kicked.
 */
function waitForRootKick(env: DriverEnv, pt: KernelPartition, vp: KernelVp): IoctlResult<void> {
  const ready = (): boolean =>
    (vp.kickedByHv && !vpDispatchThreadBlocked(env, vp)) || vpInterruptPending(env, vp);
  if (waitForKick(env, pt, vp, ready, true) === 'signal')
    return fail(RUN_VP, 'EINTR', `VP ${vp.index}: signal while waiting for the hypervisor's kick`);
  vp.rootSchedBlocked = false;
  vp.kickedByHv = false;
  return ok(undefined);
}
