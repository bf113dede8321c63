import { HV_DOORBELL_FLAG, HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import { ConnectPort, ConnectPortInput } from '../../../src/hv/hypercalls/ConnectPort.js';
import { PORT_ID_MAX, PORT_ID_MIN } from '../../../src/hv/hypercalls/CreatePort.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

const DOORBELL_FLAGS_KNOWN =
  BigInt(HV_DOORBELL_FLAG.TRIGGER_SIZE_MASK) | BigInt(HV_DOORBELL_FLAG.TRIGGER_ANY_VALUE);

/**
 * CONNECT_PORT: connection `connection_id` of the connection partition to a port. The port must exist
 * (INVALID_PORT_ID) and name this partition as its connection partition (ACCESS_DENIED); the id must
 * be in [1, 2^31) and unused in the partition (INVALID_CONNECTION_ID); the connection type must match
 * the port and a doorbell's flags be a size code 0–4 plus TRIGGER_ANY_VALUE (INVALID_PARAMETER).
 * Takes `connectionPages` from the connection partition's pool. A guest write of the trigger to the
 * doorbell GPA then signals the port on the writer's CPU without an intercept.
 */
export const ConnectPortHandler = simpleHandler(
  ConnectPort,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.INVALID_PORT_ID,
    S.INVALID_CONNECTION_ID,
    S.ACCESS_DENIED,
    S.INVALID_PARAMETER,
    S.INSUFFICIENT_MEMORY,
  ],
  (ctx) => {
    const v = ConnectPortInput.decode(ctx.input);
    const conn = partitionIn(ctx, v.connectionPartitionId, ['created', 'initialized']);
    if (!conn.ok) return conn.status;
    const owner = partitionIn(ctx, v.portPartitionId, ['created', 'initialized']);
    if (!owner.ok) return owner.status;
    const port = owner.value.ports.get(v.portId);
    if (port === undefined) return S.INVALID_PORT_ID;
    const p = conn.value;
    if (port.connectionPartition !== p.id) return S.ACCESS_DENIED;
    if (v.connectionId < PORT_ID_MIN || v.connectionId > PORT_ID_MAX || p.connections.has(v.connectionId))
      return S.INVALID_CONNECTION_ID;
    if (v.connectionVtl !== 0 || v.connectionInfoPortType !== port.type) return S.INVALID_PARAMETER;
    const flags = v.connectionInfoDoorbellFlags;
    if (port.type === HV_PORT_TYPE.DOORBELL) {
      if ((flags & ~DOORBELL_FLAGS_KNOWN) !== 0n) return S.INVALID_PARAMETER;
      if ((flags & BigInt(HV_DOORBELL_FLAG.TRIGGER_SIZE_MASK)) > 4n) return S.INVALID_PARAMETER;
    }
    const cost = ctx.m.knobs.costs.connectionPages;
    if (!p.pool.consume(cost)) return S.INSUFFICIENT_MEMORY;
    p.held.connections += cost;
    p.connections.set(v.connectionId, {
      id: v.connectionId,
      portPartition: owner.value.id,
      portId: v.portId,
      type: port.type,
      gpa: v.connectionInfoDoorbellGpa,
      triggerValue: v.connectionInfoDoorbellTriggerValue,
      flags,
    });
    port.connections.add(v.connectionId);
    return S.SUCCESS;
  },
);
