import { HV_COMPATIBILITY_21_H2 } from '../../hv/flags/HvPartitionCreationFlag.js';
import { type PartitionId, partitionId } from '../../hv/ids.js';
import { CreatePartition } from '../../hv/hypercalls/CreatePartition.js';
import { DeletePartition } from '../../hv/hypercalls/DeletePartition.js';
import {
  MSHV_NUM_CPU_FEATURES_BANKS,
  MSHV_PT_BIT,
  MSHV_PT_FLAGS_MASK,
  MSHV_PT_ISOLATION,
  ptFlagsToCreationFlags,
} from '../../hv/uapi/flags.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { failOutcome } from './failOutcome.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import { plan } from './plan.js';

export const CREATE_PARTITION = 'MSHV_CREATE_PARTITION';

/** struct mshv_create_partition, plus the v2 tail read when CPU_AND_XSAVE_FEATURES is set (NEW). */
export interface CreatePartitionArgs {
  readonly ptFlags: bigint;
  readonly ptIsolation: bigint;
  readonly v2?: {
    readonly numCpuFbanks: number;
    readonly cpuFbanks: readonly [bigint, bigint];
    readonly disabledXsave: bigint;
    /** pt_rsvd (6 bytes) and pt_rsvd1 (2 × u64) as values; both must be zero. */
    readonly rsvd?: bigint;
    readonly rsvd1?: bigint;
  };
}

/**
 * MSHV_CREATE_PARTITION (inventory §c.2): validate pt_flags and pt_isolation, read the v2 struct when
 * CPU_AND_XSAVE_FEATURES is set (its banks become the *disabled* feature masks; otherwise all zero),
 * build the creation flags, and issue CREATE_PARTITION with 1-page deposit retries into the root.
 * Returns the new partition's hypervisor id; the device wraps it in an fd.
 *
 * @example
 * createPartition(env, { ptFlags: 0b111n, ptIsolation: 0n }); // { ok: true, value: <id> }
 */
export function createPartition(env: DriverEnv, arg: CreatePartitionArgs): IoctlResult<PartitionId> {
  const op = CREATE_PARTITION;
  if ((arg.ptFlags & ~BigInt(MSHV_PT_FLAGS_MASK)) !== 0n) {
    return fail(
      op,
      'EINVAL',
      `pt_flags 0x${arg.ptFlags.toString(16)}: unknown bits (mask 0x${MSHV_PT_FLAGS_MASK.toString(16)})`,
    );
  }
  if (arg.ptIsolation >= BigInt(MSHV_PT_ISOLATION.COUNT))
    return fail(op, 'EINVAL', `pt_isolation ${arg.ptIsolation} >= MSHV_PT_ISOLATION_COUNT`);
  let banks: readonly [bigint, bigint] = [0n, 0n];
  let xsave = 0n;
  if ((arg.ptFlags & (1n << BigInt(MSHV_PT_BIT.CPU_AND_XSAVE_FEATURES))) !== 0n) {
    const v2 = arg.v2;
    if (v2 === undefined) return fail(op, 'EFAULT', 'CPU_AND_XSAVE_FEATURES set but no v2 struct to copy');
    if (v2.numCpuFbanks !== MSHV_NUM_CPU_FEATURES_BANKS) {
      return fail(op, 'EINVAL', `pt_num_cpu_fbanks ${v2.numCpuFbanks} != MSHV_NUM_CPU_FEATURES_BANKS (2)`);
    }
    if ((v2.rsvd ?? 0n) !== 0n || (v2.rsvd1 ?? 0n) !== 0n)
      return fail(op, 'EINVAL', 'pt_rsvd / pt_rsvd1 are not zero');
    banks = v2.cpuFbanks;
    xsave = v2.disabledXsave;
  }
  const outcome = env.exec(
    plan(
      CreatePartition,
      {
        flags: ptFlagsToCreationFlags(arg.ptFlags),
        proximityDomainInfo: 0n,
        compatibilityVersion: HV_COMPATIBILITY_21_H2,
        disabledProcessorFeatures0: banks[0],
        disabledProcessorFeatures1: banks[1],
        disabledProcessorXsaveFeatures: xsave,
        isolationProperties: 0n,
      },
      op,
      { deposit: { target: env.rootPartition, pagesPerRetry: 1 } },
    ),
  );
  // A deposit for a retry that fails ends the loop with its own errno (inventory §b.3).
  if (outcome.result !== HV_STATUS_SUCCESS || outcome.output === undefined) return failOutcome(op, outcome);
  const id = new DataView(outcome.output.buffer, outcome.output.byteOffset, 8).getBigUint64(0, true);
  return ok(partitionId(id));
}

/**
 * The creation error path and the last teardown step: DELETE_PARTITION (fast8).
 *
 * @example
 * deletePartition(env, pt.id, 'MSHV_RELEASE'); // the raw status: 0 (HV_STATUS_SUCCESS) once deleted
 */
export function deletePartition(env: DriverEnv, id: PartitionId, op: string): number {
  return env.exec(plan(DeletePartition, { partitionId: id }, op)).result;
}
