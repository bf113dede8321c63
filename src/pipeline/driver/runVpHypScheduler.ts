import { HV_REGISTER } from '../../hv/flags/HvRegisterName.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { type IoctlResult, fail, failCall, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { getVpRegisters, setVpRegisters } from './vpRegisters.js';
import { RUN_VP, waitForKick } from './waitForKick.js';

/** Bit 0 of HV_REGISTER_INTERCEPT_SUSPEND: `suspended`, i.e. an intercept message is in flight. */
const INTERCEPT_SUSPENDED = 1n;

/**
 * mshv_run_vp_with_hyp_scheduler (inventory §c.6; LP, LP_SMT, CORE_SMT): resume the VP with one
 * SET_VP_REGISTERS clearing INTERCEPT_SUSPEND then EXPLICIT_SUSPEND (that order: clearing explicit
 * first could lose an intercept suspend that just arrived); sleep until the ISR kicks it. A signal
 * during the sleep suspends it explicitly (SET EXPLICIT_SUSPEND=1) and reads INTERCEPT_SUSPEND: with
 * no intercept in flight the run ends with -EINTR, otherwise it waits, uninterruptibly, for that
 * message's kick. Clears `kicked_by_hv` before returning 0.
 *
 * @example
 * runVpHypScheduler(env, pt, vp); // { ok: true } once the VP's intercept page holds the exit
 */
export function runVpHypScheduler(env: DriverEnv, pt: KernelPartition, vp: KernelVp): IoctlResult<void> {
  const op = RUN_VP;
  const resume = setVpRegisters(
    env,
    pt.id,
    vp.index,
    [
      { name: HV_REGISTER.INTERCEPT_SUSPEND, value: 0n },
      { name: HV_REGISTER.EXPLICIT_SUSPEND, value: 0n },
    ],
    op,
  );
  if (resume.result !== HV_STATUS_SUCCESS) return failCall(op, resume, 'resuming the VP');
  const kicked = (): boolean => vp.kickedByHv;
  if (waitForKick(env, pt, vp, kicked, true) === 'signal') {
    // mshv_suspend_vp: suspend explicitly, then ask whether an intercept beat us to it.
    const suspend = setVpRegisters(
      env,
      pt.id,
      vp.index,
      [{ name: HV_REGISTER.EXPLICIT_SUSPEND, value: 1n }],
      op,
    );
    if (suspend.result !== HV_STATUS_SUCCESS) return failCall(op, suspend, 'explicit suspend');
    const read = getVpRegisters(env, pt.id, vp.index, [HV_REGISTER.INTERCEPT_SUSPEND], op);
    if (read.outcome.result !== HV_STATUS_SUCCESS)
      return failCall(op, read.outcome, 'reading INTERCEPT_SUSPEND');
    if (((read.values[0] ?? 0n) & INTERCEPT_SUSPENDED) === 0n)
      return fail(op, 'EINTR', `VP ${vp.index}: signal while running, no intercept message in flight`);
    waitForKick(env, pt, vp, kicked, false);
  }
  vp.kickedByHv = false;
  return ok(undefined);
}
