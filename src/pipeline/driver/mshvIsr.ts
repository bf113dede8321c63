import { HVMSG } from '../../hv/flags/HvMessageType.js';
import { partitionId } from '../../hv/ids.js';
import { HV_MESSAGE_PAYLOAD_OFFSET, type HvMessageView, hvMessage } from './hvMessage.js';
import type { HvShared } from './HvShared.js';
import type { KernelPartition } from './KernelPartition.js';
import { kickVp } from './kickVp.js';
import { type PartitionLookup, schedulerIsr } from './schedulerIsr.js';

/** Handlers other driver parts plug into the ISR; both default to "not mine". */
export interface IsrHandlers {
  /** mshv_doorbell_isr: an SINT5 doorbell notification (SYNIC_SINT_INTERCEPT); true when handled. */
  readonly doorbell?: (msg: HvMessageView) => boolean;
  /** mshv_notify_acked_gsi: offer an APIC EOI's vector to the resampler ack notifiers; true if consumed. */
  readonly ackedGsi?: (pt: KernelPartition, vector: number) => boolean;
}

/** What one ISR run did: no message, handled (slot released), or an unknown message left in the slot. */
export type IsrResult = 'none' | 'handled' | 'unhandled';

const P = HV_MESSAGE_PAYLOAD_OFFSET;

/**
 * mshv_isr (inventory §c.8): look at SINT0's slot only; offer the message to the doorbell,
 * scheduler, async-completion and intercept handlers in that order; when one handled it, release the
 * slot (HVMSG_NONE, barrier, EOM if msg_pending). An unknown message is left in the slot, as the
 * kernel does after its one-time warning, so no further SINT0 message arrives on this CPU.
 *
 * @example
 * mshvIsr(shared, (id) => table.get(id)); // 'handled'
 */
export function mshvIsr(shared: HvShared, lookup: PartitionLookup, handlers: IsrHandlers = {}): IsrResult {
  const bytes = shared.sint0Message();
  if (bytes === null) return 'none';
  const msg = hvMessage(bytes);
  if (msg.type === HVMSG.NONE) return 'none';
  const handled =
    (handlers.doorbell?.(msg) ?? false) ||
    schedulerIsr(msg, lookup) ||
    asyncCompletionIsr(msg, lookup) ||
    interceptIsr(msg, lookup, handlers);
  if (!handled) return 'unhandled';
  shared.ackSint0Message();
  return 'handled';
}

/**
 * Module init's half of the ISR (§c.10): install `mshvIsr` as the SINT0 callback over the device's
 * partition table. The device (or the machine that composes it) calls this once.
 *
 * @example
 * installMshvIsr(env.shared, (id) => device.partitions().find((p) => p.id === id));
 */
export function installMshvIsr(shared: HvShared, lookup: PartitionLookup, handlers: IsrHandlers = {}): void {
  shared.setInterruptHandler(() => {
    mshvIsr(shared, lookup, handlers);
  });
}

/**
 * mshv_async_call_completion_isr (§c.9): store the 32-bit status of
 * hv_async_completion_message_payload {partition_id u64, status u32, …} and complete the
 * partition's completion. An unknown partition is not handled.
 */
function asyncCompletionIsr(msg: HvMessageView, lookup: PartitionLookup): boolean {
  if (msg.type !== HVMSG.ASYNC_CALL_COMPLETION) return false;
  const pt = lookup(partitionId(msg.view.getBigUint64(P, true)));
  if (pt === undefined) return false;
  pt.asyncCompletionStatus = msg.view.getUint32(P + 8, true);
  pt.asyncCompletionDone = true;
  return true;
}

/**
 * mshv_intercept_isr (§c.8): the sender is the partition; an APIC EOI consumed by a resampler needs
 * no kick; otherwise only OPAQUE_INTERCEPT is expected (the real intercept is in the VP's mapped
 * page) and its payload's first u32 names the VP to kick.
 */
function interceptIsr(msg: HvMessageView, lookup: PartitionLookup, handlers: IsrHandlers): boolean {
  const pt = lookup(msg.sender);
  if (pt === undefined) return false;
  // hv_x64_apic_eoi_message: {vp_index u32, interrupt_vector u32}.
  if (msg.type === HVMSG.X64_APIC_EOI && (handlers.ackedGsi?.(pt, msg.view.getUint32(P + 4, true)) ?? false))
    return true;
  if (msg.type !== HVMSG.OPAQUE_INTERCEPT) return false;
  const vp = pt.vps.get(msg.view.getUint32(P, true));
  if (vp === undefined) return false;
  kickVp(vp);
  return true;
}
