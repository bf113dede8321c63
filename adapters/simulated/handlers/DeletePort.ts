import { DeletePort, DeletePortInput } from '../../../src/hv/hypercalls/DeletePort.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * DELETE_PORT (fast16): remove a port of the port partition (INVALID_PORT_ID when absent). Connections
 * still attached are disconnected with it (the driver disconnects first).
 */
export const DeletePortHandler = simpleHandler(
  DeletePort,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_PORT_ID, S.INVALID_PARAMETER],
  (ctx) => {
    const v = DeletePortInput.decode(ctx.input);
    const found = partitionIn(ctx, v.portPartitionId, ['created', 'initialized']);
    if (!found.ok) return found.status;
    if (!found.value.ports.has(v.portId)) return S.INVALID_PORT_ID;
    ctx.m.deletePort(found.value, v.portId);
    return S.SUCCESS;
  },
);
