import { HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import {
  CreatePort,
  CreatePortInput,
  PORT_ID_MAX,
  PORT_ID_MIN,
} from '../../../src/hv/hypercalls/CreatePort.js';
import { HV_ANY_VP } from '../../../src/hv/ids.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * CREATE_PORT: a port in the port partition (the root for doorbells), connectable from the connection
 * partition. Port ids are the caller's choice in [1, 2^31): out of range or already used in that
 * partition is INVALID_PORT_ID. VTLs must be 0 and the type MESSAGE..DOORBELL; a doorbell targets a
 * SINT below 16 and ANY VP or an index below the VP limit (INVALID_PARAMETER). Takes `portPages` from
 * the port partition's pool (the driver deposits 1 page into the root per retry).
 */
export const CreatePortHandler = simpleHandler(
  CreatePort,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_PORT_ID,
    S.INVALID_PARAMETER,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx) => {
    const v = CreatePortInput.decode(ctx.input);
    const owner = partitionIn(ctx, v.portPartitionId, ['created', 'initialized']);
    if (!owner.ok) return owner.status;
    const peer = partitionIn(ctx, v.connectionPartitionId, ['created', 'initialized']);
    if (!peer.ok) return peer.status;
    const p = owner.value;
    if (v.portId < PORT_ID_MIN || v.portId > PORT_ID_MAX || p.ports.has(v.portId)) return S.INVALID_PORT_ID;
    if (v.portVtl !== 0 || v.minConnectionVtl !== 0) return S.INVALID_PARAMETER;
    const type = v.portInfoPortType;
    if (type < HV_PORT_TYPE.MESSAGE || type > HV_PORT_TYPE.DOORBELL) return S.INVALID_PARAMETER;
    const doorbell = type === HV_PORT_TYPE.DOORBELL;
    if (doorbell && v.portInfoDoorbellTargetSint >= 16) return S.INVALID_PARAMETER;
    const vp = v.portInfoDoorbellTargetVp;
    if (doorbell && vp !== HV_ANY_VP && vp >= ctx.m.knobs.vpIndexLimit) return S.INVALID_PARAMETER;
    const cost = ctx.m.knobs.costs.portPages;
    if (!p.pool.consume(cost)) return S.INSUFFICIENT_MEMORY;
    p.held.ports += cost;
    p.ports.set(v.portId, {
      id: v.portId,
      type,
      connectionPartition: peer.value.id,
      targetSint: v.portInfoDoorbellTargetSint,
      targetVp: vp,
      connections: new Set(),
    });
    return S.SUCCESS;
  },
);
