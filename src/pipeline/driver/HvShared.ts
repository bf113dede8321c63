import type { PartitionId } from '../../hv/ids.js';

/**
 * What the root kernel sees of the hypervisor outside hypercalls: memory the two share, the SINT0
 * message slot with its interrupt, the SINT5 doorbell event ring, time passing, and signals arriving
 * at the VMM thread. The
 * simulated hypervisor implements it (adapters/simulated); on a real host each method is a memory
 * access, an MSR write or simply waiting. Every method names the kernel code it stands for.
 *
 * Delivery model: when the hypervisor puts a message into this CPU's SINT0 slot it raises the
 * callback vector, i.e. calls the handler installed with `setInterruptHandler` (the driver's
 * `mshvIsr`). The handler reads the slot with `sint0Message` and, when it handled the message,
 * releases it with `ackSint0Message`; an unhandled message stays in the slot (the kernel only warns).
 * Each CPU has its own slot and ring: inside the handler, "this CPU" is the CPU that took the
 * interrupt (`cpu()`); outside it, the CPU the driver's thread runs on.
 */
export interface HvShared {
  /**
   * The 4 KiB host page `pfn` as the root sees it: a VP's register or intercept-message page
   * (mapped with MAP_VP_STATE_PAGE), a stats page (MAP_STATS_PAGE), or a pinned user buffer page
   * (GET_VP_STATE writes into those). Stands for the kernel dereferencing `page_address(pfn)`.
   * Returns a snapshot; the driver never writes through it.
   */
  readPage(pfn: bigint): Uint8Array;
  /**
   * Write `bytes` (at most 4096) at the start of host page `pfn`: the VMM filling its pinned buffer
   * before SET_VP_STATE (copy_from_user into the pages the hypervisor then reads).
   */
  writePage(pfn: bigint, bytes: Uint8Array): void;
  /**
   * The 256-byte hv_message in SINT0's slot of the CPU the driver runs on
   * (`hyp_synic_message_page->sint_message[HV_SYNIC_INTERCEPTION_SINT_INDEX]`), or null when its
   * type is HVMSG_NONE. A snapshot: reading does not consume it.
   */
  sint0Message(): Uint8Array | null;
  /**
   * Release the slot after handling: `message_type = HVMSG_NONE; mb();` then, when the message's
   * msg_pending flag was set, `wrmsr(HV_MSR_EOM)` so the hypervisor delivers the next one (which
   * raises the interrupt again).
   */
  ackSint0Message(): void;
  /** smp_processor_id(): the CPU whose SynIC the slot and ring methods reach now. */
  cpu(): number;
  /**
   * This CPU's SINT5 (doorbell) event ring, struct hv_synic_event_ring (256 bytes, src/hv/
   * HvSynicEventRing.ts): a snapshot of `sint_event_ring[HV_SYNIC_DOORBELL_SINT_INDEX]` in the
   * hypervisor's event-ring page. Reading does not consume anything.
   */
  doorbellRing(): Uint8Array;
  /** `ring->signal_masked = masked`: while set the hypervisor adds entries without notifying. */
  setDoorbellRingSignalMasked(masked: boolean): void;
  /** `ring->ring_full = 0`, written before NOTIFY_PORT_RING_EMPTY. */
  clearDoorbellRingFull(): void;
  /** `ring->data[slot] = 0`: the root took the entry at `slot` (0..62). */
  clearDoorbellRingSlot(slot: number): void;
  /**
   * mb() after unmasking the ring: the hypervisor sees the unmask before the root's last look, so an
   * entry it added without notifying (the ring was still masked) is visible to the next read.
   */
  memoryBarrier(): void;
  /**
   * Interrupts are enabled again (on entry to a syscall, after a hypercall that ran the guest): every
   * CPU with a message waiting in its SINT0 slot takes the callback vector now.
   */
  takePendingInterrupts(): void;
  /**
   * Install the SINT0 callback (hv_setup_mshv_handler at module init, §c.10): the hypervisor calls
   * `handler` each time it delivers a message into the SINT0 slot.
   */
  setInterruptHandler(handler: () => void): void;
  /**
   * Let the hypervisor make progress while the driver sleeps (`wait_event*` in the run loops): run
   * every runnable guest VP until it exits, expire timers, deliver pending messages. On hardware this
   * is time passing. It may call the interrupt handler any number of times.
   */
  runHypervisor(): void;
  /**
   * Whether a signal arrived for the thread running VP `vpIndex` of `partition` while it waited
   * (`signal_pending(current)` in wait_event_interruptible and the pre-guest-mode work). Taking it
   * consumes it: one signal interrupts one wait.
   */
  takeSignal(vpIndex: number, partition: PartitionId): boolean;
}
