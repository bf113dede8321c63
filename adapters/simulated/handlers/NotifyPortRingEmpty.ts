import { SINT } from '../../../src/hv/flags/HvMessageType.js';
import {
  NotifyPortRingEmpty,
  NotifyPortRingEmptyInput,
} from '../../../src/hv/hypercalls/NotifyPortRingEmpty.js';
import { S, simpleHandler } from './Handler.js';

/**
 * NOTIFY_PORT_RING_EMPTY (fast8): the calling CPU drained its SINT `sint_index` event ring; signals
 * that waited for room go in now. SINT ≥ 16 is INVALID_PARAMETER; only the doorbell SINT has a ring in
 * the model, other SINTs are accepted and do nothing.
 */
export const NotifyPortRingEmptyHandler = simpleHandler(NotifyPortRingEmpty, [S.INVALID_PARAMETER], (ctx) => {
  const v = NotifyPortRingEmptyInput.decode(ctx.input);
  if (v.sintIndex >= 16) return S.INVALID_PARAMETER;
  if (v.sintIndex === SINT.DOORBELL) ctx.m.synic.ringEmptied(ctx.cpu);
  return S.SUCCESS;
});
