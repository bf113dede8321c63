import {
  SetPartitionProperty,
  SetPartitionPropertyInput,
} from '../../../src/hv/hypercalls/SetPartitionProperty.js';
import { asyncCompletionMessage } from '../model/Messages.js';
import { applySetProperty, checkSetProperty } from '../model/Properties.js';
import { S, partitionIn, simpleHandler } from './Handler.js';

/**
 * SET_PARTITION_PROPERTY, the one asynchronous call (inventory §c.9). Invalid requests fail at once
 * (UNKNOWN_PROPERTY, PROPERTY_VALUE_OUT_OF_RANGE, INVALID_PARAMETER for read-only properties,
 * INVALID_PARTITION_STATE for early properties after initialize and for the reference time while time
 * runs). A valid one completes at once or, with probability `asyncPropertyRate` from the seed, answers
 * CALL_PENDING: the change is made and HVMSG_ASYNC_CALL_COMPLETION (status SUCCESS) is posted to SINT0
 * of the calling CPU, where the driver's ISR picks it up. A planned late completion
 * (`completionDelayNs`) always answers CALL_PENDING and posts the message that much simulated time later.
 */
export const SetPartitionPropertyHandler = simpleHandler(
  SetPartitionProperty,
  [
    S.INVALID_PARTITION_ID,
    S.INVALID_PARTITION_STATE,
    S.UNKNOWN_PROPERTY,
    S.PROPERTY_VALUE_OUT_OF_RANGE,
    S.INVALID_PARAMETER,
    S.CALL_PENDING,
  ],
  (ctx) => {
    const v = SetPartitionPropertyInput.decode(ctx.input);
    const found = partitionIn(ctx, v.partitionId, ['created', 'initialized']);
    if (!found.ok) return found.status;
    const p = found.value;
    const status = checkSetProperty(p, v.propertyCode, v.propertyValue);
    if (status !== S.SUCCESS) return status;
    applySetProperty(ctx.m, p, v.propertyCode, v.propertyValue);
    const delay = ctx.completionDelayNs;
    if (delay === undefined && !ctx.m.rng.chance(ctx.m.knobs.asyncPropertyRate)) return S.SUCCESS;
    p.asyncCompletions += 1;
    const message = asyncCompletionMessage(p.id, S.SUCCESS, p.asyncCompletions);
    if (delay === undefined || delay === 0n) ctx.m.synic.post(ctx.cpu, message);
    else ctx.m.synic.postAt(ctx.cpu, message, ctx.m.clock.now() + delay);
    return S.CALL_PENDING;
  },
);
