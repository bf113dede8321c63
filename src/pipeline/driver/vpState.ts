import { HV_PARTITION_PROPERTY } from '../../hv/flags/HvPartitionProperty.js';
import { isPfnVpStateType } from '../../hv/flags/HvVpState.js';
import { GetPartitionProperty } from '../../hv/hypercalls/GetPartitionProperty.js';
import { HvSyntheticTimersState } from '../../hv/hypercalls/GetVpState.js';
import { HV_PAGE_SIZE } from '../../hv/Page.js';
import {
  MSHV_VP_STATE,
  MSHV_VP_STATE_TO_HV,
  type MshvVpStateName,
  vpStateRequiredBytes,
} from '../../hv/uapi/flags.js';
import type { VpStateArgs, VpStateResult } from '../../ports/DevicePort.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { type VpStateData, hvCallGetVpState, hvCallSetVpState } from './hvCallVpState.js';
import { type IoctlResult, fail, failCall, ok } from './IoctlResult.js';
import type { KernelPartition, KernelVp } from './KernelPartition.js';
import { plan } from './plan.js';
import { vpStatePfn } from './vpStatePfn.js';

/** XFEM legacy_x87 (bit 0) | legacy_sse (bit 1): always requested on top of XSAVE_STATES. */
const XSAVE_LEGACY_STATES = 0x3n;

const NAMES = Object.keys(MSHV_VP_STATE_TO_HV) as MshvVpStateName[];

/**
 * MSHV_GET_VP_STATE / MSHV_SET_VP_STATE (inventory §c.7): type below 5, rsvd zero, buf_sz non-zero
 * and page aligned (-EINVAL). The required size (LAPIC, SIMP, SIEFP 4096; SYNTHETIC_TIMERS 200;
 * XSAVE the partition's MAX_XSAVE_DATA_SIZE, after reading XSAVE_STATES for the component mask) is
 * written back into buf_sz *before* the size check; a smaller buffer gets -EINVAL naming the
 * required size (the caller retries with it). PFN types go through the pinned buffer's pages
 * (vpStatePfn); SYNTHETIC_TIMERS travels as 200 bytes on the hypercall pages. The result carries the
 * written-back buf_sz and, for GET, the state bytes (`required` of them); SET returns no bytes.
 * `data` longer than buf_sz is a caller error of the model's API (-EINVAL naming `data`).
 *
 * @example
 * vpState(env, pt, vp, { type: MSHV_VP_STATE.LAPIC, bufSz: 4096 }, false); // { bufSz: 4096, data }
 */
export function vpState(
  env: DriverEnv,
  pt: KernelPartition,
  vp: KernelVp,
  arg: VpStateArgs,
  set: boolean,
): IoctlResult<VpStateResult> {
  const op = set ? 'MSHV_SET_VP_STATE' : 'MSHV_GET_VP_STATE';
  const bad = argsViolation(arg, set);
  if (bad !== undefined) return fail(op, 'EINVAL', bad);
  const sized = stateSize(env, pt, arg.type, op);
  if (!sized.ok) return sized;
  const { data, required } = sized.value;
  // copy_to_user(&user_args->buf_sz, &data_sz): the caller sees `required` from here on.
  if (required > arg.bufSz)
    return fail(
      op,
      'EINVAL',
      `buf_sz ${arg.bufSz} < required ${required} (buf_sz written back: ${required})`,
    );
  if (isPfnVpStateType(data.type)) return vpStatePfn(env, pt, vp, data, arg, required, set, op);
  const stateBytes = HvSyntheticTimersState.size;
  if (required > stateBytes) return fail(op, 'EINVAL', `state of ${required} bytes exceeds ${stateBytes}`);
  if (set) {
    const bytes = new Uint8Array(stateBytes);
    bytes.set((arg.data ?? new Uint8Array(0)).subarray(0, required));
    const r = hvCallSetVpState(env, pt, vp.index, data, { bytes }, op);
    return r.ok ? ok({ bufSz: required, data: new Uint8Array(0) }) : r;
  }
  const r = hvCallGetVpState(env, pt, vp.index, data, null, op);
  return r.ok ? ok({ bufSz: required, data: r.value.slice(0, required) }) : r;
}

/** The ioctl's argument checks (one -EINVAL condition in the kernel), naming the field. */
function argsViolation(arg: VpStateArgs, set: boolean): string | undefined {
  if (!Number.isInteger(arg.type) || arg.type < 0 || arg.type >= MSHV_VP_STATE.COUNT)
    return `type ${arg.type}: must be below MSHV_VP_STATE_COUNT (${MSHV_VP_STATE.COUNT})`;
  if ((arg.rsvd ?? 0) !== 0) return `rsvd ${arg.rsvd ?? 0}: must be zero`;
  if (!Number.isInteger(arg.bufSz) || arg.bufSz < 0 || arg.bufSz > 0xffff_ffff)
    return `buf_sz ${arg.bufSz}: must be a u32`;
  if (arg.bufSz === 0) return 'buf_sz: must be non-zero';
  if (arg.bufSz % HV_PAGE_SIZE !== 0) return `buf_sz ${arg.bufSz}: must be page aligned (${HV_PAGE_SIZE})`;
  if (set && arg.data !== undefined && arg.data.length > arg.bufSz)
    return `data: ${arg.data.length} bytes do not fit buf_sz ${arg.bufSz}`;
  return undefined;
}

/** The hypervisor state type and required bytes; XSAVE reads two partition properties (no deposit). */
function stateSize(
  env: DriverEnv,
  pt: KernelPartition,
  type: number,
  op: string,
): IoctlResult<{ data: VpStateData; required: number }> {
  const name = NAMES[type];
  if (name === undefined) return fail(op, 'EINVAL', `type ${type}: unknown`);
  const hvType = MSHV_VP_STATE_TO_HV[name];
  if (type !== MSHV_VP_STATE.XSAVE) {
    return ok({
      data: { type: hvType, xsaveFlags: 0n, xsaveStates: 0n },
      required: vpStateRequiredBytes(type, 0),
    });
  }
  const states = partitionProperty(env, pt, HV_PARTITION_PROPERTY.XSAVE_STATES, op);
  if (!states.ok) return states;
  const size = partitionProperty(env, pt, HV_PARTITION_PROPERTY.MAX_XSAVE_DATA_SIZE, op);
  if (!size.ok) return size;
  return ok({
    data: { type: hvType, xsaveFlags: 0n, xsaveStates: states.value | XSAVE_LEGACY_STATES },
    // data_sz = (u32)data_sz_64
    required: vpStateRequiredBytes(type, Number(size.value & 0xffff_ffffn)),
  });
}

/** hv_call_get_partition_property: one GET_PARTITION_PROPERTY, no deposit retry. */
function partitionProperty(
  env: DriverEnv,
  pt: KernelPartition,
  code: number,
  op: string,
): IoctlResult<bigint> {
  const outcome = env.exec(plan(GetPartitionProperty, { partitionId: pt.id, propertyCode: code }, op));
  const out = outcome.output;
  if (outcome.result !== HV_STATUS_SUCCESS || out === undefined || out.length < 8)
    return failCall(op, outcome);
  return ok(new DataView(out.buffer, out.byteOffset, 8).getBigUint64(0, true));
}
