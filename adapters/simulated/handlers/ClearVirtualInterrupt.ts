import {
  ClearVirtualInterrupt,
  ClearVirtualInterruptInput,
} from '../../../src/hv/hypercalls/ClearVirtualInterrupt.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/** CLEAR_VIRTUAL_INTERRUPT (fast8): acknowledge a pending ExtINT of an initialized partition (counted). */
export const ClearVirtualInterruptHandler = simpleHandler(
  ClearVirtualInterrupt,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE],
  (ctx) => {
    const { partitionId } = ClearVirtualInterruptInput.decode(ctx.input);
    const found = partitionIn(ctx, partitionId, ['initialized']);
    if (!found.ok) return found.status;
    found.value.interruptsCleared += 1;
    for (const vp of found.value.vps.values()) vp.extIntPending = false;
    return S.SUCCESS;
  },
);
