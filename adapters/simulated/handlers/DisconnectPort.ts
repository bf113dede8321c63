import { HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import {
  DISCONNECT_IS_DOORBELL,
  DisconnectPort,
  DisconnectPortInput,
} from '../../../src/hv/hypercalls/DisconnectPort.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * DISCONNECT_PORT (fast16): drop a connection of the connection partition (INVALID_CONNECTION_ID when
 * absent); is_doorbell must say whether it is a doorbell connection (INVALID_PARAMETER otherwise).
 */
export const DisconnectPortHandler = simpleHandler(
  DisconnectPort,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_CONNECTION_ID, S.INVALID_PARAMETER],
  (ctx) => {
    const v = DisconnectPortInput.decode(ctx.input);
    const found = partitionIn(ctx, v.connectionPartitionId, ['created', 'initialized']);
    if (!found.ok) return found.status;
    const c = found.value.connections.get(v.connectionId);
    if (c === undefined) return S.INVALID_CONNECTION_ID;
    const isDoorbell = (v.isDoorbell & DISCONNECT_IS_DOORBELL) !== 0;
    if (isDoorbell !== (c.type === HV_PORT_TYPE.DOORBELL)) return S.INVALID_PARAMETER;
    ctx.m.disconnect(found.value, v.connectionId);
    return S.SUCCESS;
  },
);
