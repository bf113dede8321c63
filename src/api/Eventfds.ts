/**
 * An irqfd the host made (MSHV_IRQFD): signalling `fd` injects `gsi` through the MSI routing table;
 * `resamplefd` (when asked for) is signalled when the guest acknowledges a level-triggered interrupt.
 *
 * @example
 * const irq = partition.assignIrqfd({ gsi: 24 }); // { ok: true, value: { fd: 9, gsi: 24, resamplefd: null } }
 */
export interface Irqfd {
  readonly fd: number;
  readonly gsi: number;
  readonly resamplefd: number | null;
}

/**
 * An ioeventfd the host made (MSHV_IOEVENTFD, a doorbell): a guest write to `addr` of `len` bytes
 * that carries `datamatch` signals `fd` without an exit to the VMM.
 *
 * @example
 * const bell = partition.assignIoeventfd({ addr: 0x1_0000_0000n, len: 4, datamatch: 1n });
 */
export interface Ioeventfd {
  readonly fd: number;
  readonly addr: bigint;
  /** 0 (any length), 1, 2, 4 or 8. */
  readonly len: number;
  /** The value a write must carry; null for any value. */
  readonly datamatch: bigint | null;
}
