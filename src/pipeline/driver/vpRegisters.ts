import type { PartitionId } from '../../hv/ids.js';
import { GetVpRegisters } from '../../hv/hypercalls/GetVpRegisters.js';
import { HvRegisterAssoc } from '../../hv/hypercalls/HvRegisterAssoc.js';
import { SetVpRegisters } from '../../hv/hypercalls/SetVpRegisters.js';
import type { CallOutcome, ListWriter } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { plan } from './plan.js';

/** A register write: HV_REGISTER name and a u64 value (the low 8 bytes of hv_register_value). */
export interface RegisterWrite {
  readonly name: number;
  readonly value: bigint;
}

/**
 * hv_call_set_vp_registers: one SET_VP_REGISTERS rep call with the writes in order (the run loop
 * depends on INTERCEPT_SUSPEND being cleared before EXPLICIT_SUSPEND, inventory §c.6).
 *
 * @example
 * setVpRegisters(env, pid, 0, [{ name: HV_REGISTER.DISPATCH_SUSPEND, value: 1n }], 'MSHV_RELEASE');
 */
export function setVpRegisters(
  env: DriverEnv,
  partition: PartitionId,
  vpIndex: number,
  writes: readonly RegisterWrite[],
  op: string,
): CallOutcome {
  const list: ListWriter = {
    write(page, byteOffset, from, count) {
      for (let i = 0; i < count; i++) {
        const w = writes[from + i];
        if (w === undefined) throw new RangeError('register list overrun');
        const value = new Uint8Array(16);
        new DataView(value.buffer).setBigUint64(0, w.value, true);
        HvRegisterAssoc.encode({ name: w.name, value }, page.view, byteOffset + i * HvRegisterAssoc.size);
      }
    },
  };
  return env.exec(
    plan(SetVpRegisters, { partitionId: partition, vpIndex, inputVtl: 0 }, op, {
      repCount: writes.length,
      list,
    }),
  );
}

/**
 * hv_call_get_vp_registers: read registers; returns the outcome and the low u64 of each value read.
 *
 * @example
 * getVpRegisters(env, pid, 0, [HV_REGISTER.INTERCEPT_SUSPEND], 'MSHV_RUN_VP').values[0];
 */
export function getVpRegisters(
  env: DriverEnv,
  partition: PartitionId,
  vpIndex: number,
  names: readonly number[],
  op: string,
): { outcome: CallOutcome; values: bigint[] } {
  const list: ListWriter = {
    write(page, byteOffset, from, count) {
      for (let i = 0; i < count; i++) page.view.setUint32(byteOffset + i * 4, names[from + i] ?? 0, true);
    },
  };
  const outcome = env.exec(
    plan(GetVpRegisters, { partitionId: partition, vpIndex, inputVtl: 0 }, op, {
      repCount: names.length,
      list,
    }),
  );
  const values: bigint[] = [];
  const out = outcome.output;
  if (out !== undefined) {
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < outcome.repsCompleted; i++) values.push(view.getBigUint64(i * 16, true));
  }
  return { outcome, values };
}
