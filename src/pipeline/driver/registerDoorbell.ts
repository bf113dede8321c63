import { HV_PORT_TYPE } from '../../hv/flags/HvPortType.js';
import { HV_ANY_VP } from '../../hv/ids.js';
import { ConnectPort } from '../../hv/hypercalls/ConnectPort.js';
import { CreatePort } from '../../hv/hypercalls/CreatePort.js';
import { DeletePort } from '../../hv/hypercalls/DeletePort.js';
import { HV_STATUS_SUCCESS } from '../CallPlan.js';
import type { DriverEnv } from './DriverEnv.js';
import { failOutcome } from './failOutcome.js';
import { type IoctlResult, fail, ok } from './IoctlResult.js';
import type { KernelPartition } from './KernelPartition.js';
import { plan } from './plan.js';
import { portIdsOf } from './portIdAllocator.js';

/** HV_SYNIC_DOORBELL_SINT_INDEX: doorbell notifications arrive on SINT 5. */
export const DOORBELL_SINT = 5;

/** The doorbell a guest write triggers: GPA, trigger value and HV_DOORBELL_FLAG_* (inventory §c.11). */
export interface DoorbellSpec {
  readonly gpa: bigint;
  readonly triggerValue: bigint;
  readonly flags: number;
}

/**
 * mshv_register_doorbell (inventory §c.11): allocate a port id (lowest free in [1, INT_MAX)), then
 * CREATE_PORT (port partition = root, connection partition = guest, DOORBELL on SINT 5, any VP) with
 * 1-page deposit retries into the root, then CONNECT_PORT (connection id = port id) with 1-page
 * deposit retries into the guest. A failure unwinds what was done (DELETE_PORT, free the id) and
 * returns the wrapper's errno. Returns the port id, which doubles as the doorbell id.
 *
 * @example
 * registerDoorbell(env, pt, { gpa: 0xfe00_0000n, triggerValue: 0n, flags: 0x8000_0003 }, 'MSHV_IOEVENTFD');
 */
export function registerDoorbell(
  env: DriverEnv,
  pt: KernelPartition,
  spec: DoorbellSpec,
  op: string,
): IoctlResult<number> {
  const ids = portIdsOf(env);
  const portId = ids.alloc(pt, HV_PORT_TYPE.DOORBELL);
  if (portId === undefined) return fail(op, 'ENOSPC', 'port ids [1, INT_MAX) are exhausted');
  const created = env.exec(
    plan(
      CreatePort,
      {
        portPartitionId: env.rootPartition,
        portId,
        portVtl: 0,
        minConnectionVtl: 0,
        connectionPartitionId: pt.id,
        portInfoPortType: HV_PORT_TYPE.DOORBELL,
        portInfoDoorbellTargetSint: DOORBELL_SINT,
        portInfoDoorbellTargetVp: HV_ANY_VP,
        proximityDomainInfo: 0n,
      },
      op,
      { deposit: { target: env.rootPartition, pagesPerRetry: 1 } },
    ),
  );
  if (created.result !== HV_STATUS_SUCCESS) {
    ids.free(portId);
    return failOutcome(op, created);
  }
  const connected = env.exec(
    plan(
      ConnectPort,
      {
        connectionPartitionId: pt.id,
        connectionId: portId,
        connectionVtl: 0,
        portPartitionId: env.rootPartition,
        portId,
        connectionInfoPortType: HV_PORT_TYPE.DOORBELL,
        connectionInfoDoorbellGpa: spec.gpa,
        connectionInfoDoorbellTriggerValue: spec.triggerValue,
        connectionInfoDoorbellFlags: BigInt(spec.flags),
        proximityDomainInfo: 0n,
      },
      op,
      { deposit: { target: pt.id, pagesPerRetry: 1 } },
    ),
  );
  if (connected.result !== HV_STATUS_SUCCESS) {
    env.exec(plan(DeletePort, { portPartitionId: env.rootPartition, portId }, op));
    ids.free(portId);
    return failOutcome(op, connected);
  }
  return ok(portId);
}
