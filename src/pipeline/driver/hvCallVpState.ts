import { GetVpState, HvSyntheticTimersState } from '../../hv/hypercalls/GetVpState.js';
import { VP_STATE_PAGES_MAX } from '../../hv/hypercalls/HvVpStateData.js';
import { SET_VP_STATE_BYTES_MAX, SetVpState } from '../../hv/hypercalls/SetVpState.js';
import { HV_STATUS_SUCCESS, type ListWriter } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { failOutcome } from './failOutcome.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';

/** struct hv_vp_state_data: the hypervisor state type and, for XSAVE, its flags and component mask. */
export interface VpStateData {
  readonly type: number;
  readonly xsaveFlags: bigint;
  readonly xsaveStates: bigint;
}

/** PFNs of the pinned buffer pages, as a lazy list of `count` entries. */
export interface VpStatePages {
  readonly list: ListWriter;
  readonly count: number;
}

/**
 * hv_call_get_vp_state (inventory §b.4, §d): more than HV_GET_VP_STATE_BATCH_SIZE (507) pages →
 * -EINVAL; GET_VP_STATE with the page PFNs as the variable header (page_count qwords) or, with no
 * pages, the 200-byte synthetic-timers output; 1-page deposit into the partition per retry.
 * Returns the output bytes (empty when pages were passed: the hypervisor wrote into them).
 *
 * @example
 * hvCallGetVpState(env, pt, 0, { type: 4, xsaveFlags: 0n, xsaveStates: 0n }, null, 'MSHV_GET_VP_STATE');
 */
export function hvCallGetVpState(
  env: DriverEnv,
  pt: KernelPartition,
  vpIndex: number,
  data: VpStateData,
  pages: VpStatePages | null,
  op: string,
): IoctlResult<Uint8Array> {
  const count = pages?.count ?? 0;
  if (count > VP_STATE_PAGES_MAX)
    return fail(op, 'EINVAL', `page_count ${count} > HV_GET_VP_STATE_BATCH_SIZE (${VP_STATE_PAGES_MAX})`);
  const outcome = env.exec(
    plan(GetVpState, header(pt, vpIndex, data), op, {
      varHeadQwords: count,
      listCount: count,
      ...(pages === null ? {} : { list: pages.list }),
      deposit: { target: pt.id, pagesPerRetry: 1 },
    }),
  );
  if (outcome.result !== HV_STATUS_SUCCESS) return failOutcome(op, outcome);
  if (count > 0) return ok(new Uint8Array(0));
  return ok((outcome.output ?? new Uint8Array(HvSyntheticTimersState.size)).slice());
}

/**
 * hv_call_set_vp_state (inventory §b.4, §d): more than 507 pages, or 40 + bytes > 4096, or neither
 * bytes nor pages → -EINVAL; SET_VP_STATE with the variable header holding ceil(bytes / 8) qwords of
 * raw state, else the page PFNs; 1-page deposit into the partition per retry.
 *
 * @example
 * hvCallSetVpState(env, pt, 0, timersData, { bytes: new Uint8Array(200) }, 'MSHV_SET_VP_STATE');
 */
export function hvCallSetVpState(
  env: DriverEnv,
  pt: KernelPartition,
  vpIndex: number,
  data: VpStateData,
  input: { readonly bytes: Uint8Array } | VpStatePages,
  op: string,
): IoctlResult<void> {
  let qwords: number;
  let list: ListWriter;
  if ('bytes' in input) {
    if (input.bytes.length > SET_VP_STATE_BYTES_MAX)
      return fail(op, 'EINVAL', `${input.bytes.length} state bytes: 40 + bytes must fit 4096`);
    qwords = Math.ceil(input.bytes.length / 8);
    list = rawBytes(input.bytes);
  } else {
    if (input.count > VP_STATE_PAGES_MAX)
      return fail(
        op,
        'EINVAL',
        `page_count ${input.count} > HV_SET_VP_STATE_BATCH_SIZE (${VP_STATE_PAGES_MAX})`,
      );
    qwords = input.count;
    list = input.list;
  }
  if (qwords === 0) return fail(op, 'EINVAL', 'neither state bytes nor pages given');
  const outcome = env.exec(
    plan(SetVpState, header(pt, vpIndex, data), op, {
      varHeadQwords: qwords,
      listCount: qwords,
      list,
      deposit: { target: pt.id, pagesPerRetry: 1 },
    }),
  );
  return outcome.result === HV_STATUS_SUCCESS ? ok(undefined) : failOutcome(op, outcome);
}

function header(pt: KernelPartition, vpIndex: number, data: VpStateData): Record<string, unknown> {
  return {
    partitionId: pt.id,
    vpIndex,
    inputVtl: 0,
    stateDataType: data.type,
    stateDataXsaveFlags: data.xsaveFlags,
    stateDataXsaveStates: data.xsaveStates,
  };
}

/** Raw state bytes as qwords of the variable header (element `from` at `byteOffset`); the last qword is zero-padded. */
function rawBytes(bytes: Uint8Array): ListWriter {
  return {
    write(page, byteOffset, from, count) {
      page.bytes.fill(0, byteOffset, byteOffset + count * 8);
      page.bytes.set(bytes.subarray(from * 8, (from + count) * 8), byteOffset);
    },
  };
}
