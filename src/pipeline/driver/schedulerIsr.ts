import { HVMSG } from '../../hv/flags/HvMessageType.js';
import { type PartitionId, partitionId } from '../../hv/ids.js';
import { MSHV_MAX_VPS } from '../../hv/uapi/flags.js';
import { HV_MESSAGE_BYTES, HV_MESSAGE_PAYLOAD_OFFSET, type HvMessageView } from './hvMessage.js';
import type { KernelPartition } from './KernelPartition.js';
import { kickVp } from './kickVp.js';

/** The partition table the ISR searches (the kernel's RCU hash keyed by hypervisor partition id). */
export type PartitionLookup = (id: PartitionId) => KernelPartition | undefined;

/** HV_GENERIC_SET_SPARSE_4K: the only vpset format a BITSET message may use. */
const HV_GENERIC_SET_SPARSE_4K = 0n;

/** HV_MESSAGE_MAX_PARTITION_VP_PAIR_COUNT = 240 / (8 + 4) − 1 = 19 pairs per PAIR message. */
export const SCHEDULER_PAIRS_MAX = 19;

const P = HV_MESSAGE_PAYLOAD_OFFSET;

/**
 * mshv_scheduler_isr (inventory §c.8): the root scheduler's "VP may run again" messages. BITSET
 * (hv_vp_signal_bitset_scheduler_message: partition u64, overflow u32, vp_count u16, then a sparse
 * vpset: format, valid_bank_mask, one u64 per valid bank) kicks every listed VP of one partition;
 * PAIR (hv_vp_signal_pair_scheduler_message: overflow u32, vp_count u8, 19 partition ids, 19 VP
 * indexes) kicks (partition, VP) pairs. Both stop at the first unknown partition, index ≥ 256 or
 * missing VP, as the kernel does. Returns whether the message was a scheduler message (handled).
 *
 * @example
 * schedulerIsr(hvMessage(bytes), (id) => table.get(id)); // true for BITSET / PAIR
 */
export function schedulerIsr(msg: HvMessageView, lookup: PartitionLookup): boolean {
  if (msg.type === HVMSG.SCHEDULER_VP_SIGNAL_BITSET) {
    kickBitset(msg.view, lookup);
    return true;
  }
  if (msg.type === HVMSG.SCHEDULER_VP_SIGNAL_PAIR) {
    kickPairs(msg.view, lookup);
    return true;
  }
  return false;
}

function kickBitset(view: DataView, lookup: PartitionLookup): void {
  const vpCount = view.getUint16(P + 12, true);
  if (view.getBigUint64(P + 16, true) !== HV_GENERIC_SET_SPARSE_4K || vpCount === 0) return;
  const pt = lookup(partitionId(view.getBigUint64(P, true)));
  if (pt === undefined) return;
  const validBanks = view.getBigUint64(P + 24, true);
  let bankAt = P + 32;
  for (let bank = 0; bank < 64; bank++) {
    if (((validBanks >> BigInt(bank)) & 1n) === 0n) continue;
    // The kernel would read past the message here; the model stops at its end.
    if (bankAt + 8 > HV_MESSAGE_BYTES) return;
    const bits = view.getBigUint64(bankAt, true);
    for (let bit = 0; bit < 64; bit++) {
      if (((bits >> BigInt(bit)) & 1n) === 0n) continue;
      const vp = pt.vps.get(bank * 64 + bit);
      if (bank * 64 + bit >= MSHV_MAX_VPS || vp === undefined) return;
      kickVp(vp);
    }
    bankAt += 8;
  }
}

function kickPairs(view: DataView, lookup: PartitionLookup): void {
  const count = Math.min(view.getUint8(P + 4), SCHEDULER_PAIRS_MAX);
  let pt: KernelPartition | undefined;
  for (let i = 0; i < count; i++) {
    const id = partitionId(view.getBigUint64(P + 8 + i * 8, true));
    if (pt?.id !== id) pt = lookup(id);
    if (pt === undefined) return;
    const vp = pt.vps.get(view.getUint32(P + 160 + i * 4, true));
    if (vp === undefined) return;
    kickVp(vp);
  }
}
