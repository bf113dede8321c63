import { HVMSG } from '../../hv/flags/HvMessageType.js';
import { DRIVER_CPU } from '../../runner/SimWorld.js';
import type { CheckWorld } from '../CheckWorld.js';
import type { Invariant } from './Invariant.js';

/** hv_message: the header is 16 bytes; the async-completion payload starts with the partition id. */
const PAYLOAD_OFFSET = 16;
/** HV_STATUS_CALL_PENDING. */
const CALL_PENDING = 0x79n;

/** Whether a message is an async completion for partition `id`. */
function completionFor(message: Uint8Array, id: bigint): boolean {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return (
    view.getUint32(0, true) === HVMSG.ASYNC_CALL_COMPLETION && view.getBigUint64(PAYLOAD_OFFSET, true) === id
  );
}

/** Whether the driver CPU's SINT0 slot holds an async completion for partition `id`. */
function completionWaiting(world: CheckWorld, id: bigint): boolean {
  return completionFor(world.sim.machine.host.sint0Slot(DRIVER_CPU), id);
}

/** Whether the hypervisor still holds an async completion for `id`: queued behind a slot or late. */
function completionUndelivered(world: CheckWorld, id: bigint): boolean {
  for (const m of world.sim.machine.model.synic.undelivered()) if (completionFor(m, id)) return true;
  return false;
}

/**
 * At most one asynchronous hypercall in flight per partition (inventory §c.9; the seed review's
 * "MSHV does not support more than one async hypercall in flight for a single partition"). When the
 * driver issues an asynchronous call (SET_PARTITION_PROPERTY) for a partition, the previous one's
 * completion must be consumed: no HVMSG_ASYNC_CALL_COMPLETION for that partition may still wait in
 * the driver CPU's SINT0 slot nor be still undelivered (queued, or a late completion not yet posted),
 * and the driver's completion for it must not hold an unconsumed status.
 * And the ioctl that got CALL_PENDING waits for its completion (§c.9: the thread blocks until the ISR
 * stores it): when the step ends, the completion of every call that answered CALL_PENDING in it has
 * been taken and consumed. A driver that returns early leaves the completion behind, and the next
 * call's re-arm would silently drop its status.
 *
 * @example
 * asyncInFlight.beforeCall?.(call, world); // 'SET_PARTITION_PROPERTY for partition 0x2a issued while ...'
 */
export const asyncInFlight: Invariant = {
  name: 'asyncInFlight',
  summary:
    'an asynchronous call is issued for a partition only when its previous one has completed and been consumed',
  beforeCall(call, world) {
    if (call.def?.async !== true || call.input === null) return null;
    const id = call.input.getBigUint64(0, true);
    if (completionWaiting(world, id))
      return `${call.name} for partition 0x${id.toString(16)} issued while the previous asynchronous call is in flight (its completion message was never consumed)`;
    if (completionUndelivered(world, id))
      return `${call.name} for partition 0x${id.toString(16)} issued while the previous asynchronous call is in flight (its completion is not delivered yet)`;
    if (world.kernelPartitionById(id)?.asyncCompletionDone === true)
      return `${call.name} for partition 0x${id.toString(16)} issued while a completed asynchronous status waits unconsumed`;
    return undefined;
  },
  afterCall(call, status, world) {
    if (call.def?.async !== true || call.input === null) return null;
    if ((status & 0xffffn) === CALL_PENDING) world.scratch.pendingAsync.add(call.input.getBigUint64(0, true));
    return undefined;
  },
  afterStep(_step, world) {
    if (world.scratch.pendingAsync.size === 0) return null;
    for (const id of world.scratch.pendingAsync) {
      if (
        completionWaiting(world, id) ||
        completionUndelivered(world, id) ||
        world.kernelPartitionById(id)?.asyncCompletionDone === true
      )
        return `an asynchronous call for partition 0x${id.toString(16)} answered CALL_PENDING and its ioctl returned before consuming the completion (it is still in flight)`;
    }
    return undefined;
  },
};
