import type { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import {
  EVENT_RING_DATA_OFFSET,
  EVENT_RING_FULL_OFFSET,
  EVENT_RING_SIGNAL_MASKED_OFFSET,
  EVENT_RING_SLOTS,
} from '../hv/HvSynicEventRing.js';
import { type PartitionId, partitionId } from '../hv/ids.js';
import type { HvShared } from '../pipeline/driver/HvShared.js';

/** A signal waiting for the next wait of one VP's thread. */
export interface PendingSignal {
  readonly partition: PartitionId;
  readonly vpIndex: number;
}

/** hv_message_header.message_flags: bit 0 is msg_pending (more messages queued behind this one). */
const MESSAGE_FLAGS_OFFSET = 5;
/** Most messages one `runHypervisor` delivers before it lets the waiting driver look again. */
const DELIVERIES_PER_RUN_MAX = 64;
/** Most messages one `takePendingInterrupts` delivers (what is left waits for the next chance). */
const DELIVERIES_PER_ENABLE_MAX = 4096;
/** Simulated time one wait lets pass (async completions and timers fall due with it). */
const WAIT_STEP_NS = 1_000_000n;

/**
 * The root kernel's view of the simulated machine (HvShared over SimulatedMachine's HostPort): host
 * pages by PFN, each CPU's SINT0 slot and SINT5 event ring, time passing while the driver waits, and
 * the signals a scenario raises. Interrupts are modelled as delivered when the driver waits or enables
 * interrupts (`takePendingInterrupts`), never inside an interrupt window. Every CPU with a message
 * takes its own interrupt: while the handler runs, `cpu()` is that CPU, and the slot and ring methods
 * reach its SynIC, and its fast hypercalls run there; otherwise they reach the driver thread's CPU.
 * (Windowed calls keep the driver thread's per-CPU pages: the model composes one set.)
 *
 * @example
 * const shared = new SimHvShared(machine, 0);
 */
export class SimHvShared implements HvShared {
  #handler: (() => void) | undefined;
  readonly #signals = new Set<string>();
  /** The CPU whose interrupt handler is running, if any. */
  #isrCpu: number | undefined;
  /** Slots released so far (a handler that released none left its message unhandled). */
  #acks = 0;

  constructor(
    readonly machine: SimulatedMachine,
    /** The CPU the driver's thread runs on (its hypercall pages). */
    readonly driverCpu: number,
    /** Signals already raised and not yet taken (a restored snapshot's). */
    signals: readonly PendingSignal[] = [],
  ) {
    for (const s of signals) this.raiseSignal(s.vpIndex, s.partition);
  }

  /**
   * Signals raised and not yet taken, in (partition, VP) order, for snapshots.
   *
   * @example
   * shared.raiseSignal(0, partitionId(5n));
   * shared.pendingSignals(); // [{ partition: 5n, vpIndex: 0 }]
   */
  pendingSignals(): PendingSignal[] {
    return [...this.#signals]
      .map((key) => {
        const [p, v] = key.split('/');
        return { partition: partitionId(BigInt(p ?? '0')), vpIndex: Number(v) };
      })
      .sort((a, b) =>
        a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : a.vpIndex - b.vpIndex,
      );
  }

  readPage(pfn: bigint): Uint8Array {
    return this.machine.host.physPage(Number(pfn)).bytes.slice();
  }

  writePage(pfn: bigint, bytes: Uint8Array): void {
    this.machine.host.physPage(Number(pfn)).bytes.set(bytes);
  }

  cpu(): number {
    return this.#isrCpu ?? this.driverCpu;
  }

  sint0Message(): Uint8Array | null {
    const slot = this.machine.host.sint0Slot(this.cpu());
    const type = new DataView(slot.buffer, slot.byteOffset, 4).getUint32(0, true);
    return type === 0 ? null : slot.slice();
  }

  ackSint0Message(): void {
    const cpu = this.cpu();
    const slot = this.machine.host.sint0Slot(cpu);
    const pending = ((slot[MESSAGE_FLAGS_OFFSET] ?? 0) & 1) !== 0;
    new DataView(slot.buffer, slot.byteOffset, 4).setUint32(0, 0, true);
    slot[MESSAGE_FLAGS_OFFSET] = 0;
    this.#acks += 1;
    if (pending) this.machine.host.endOfMessage(cpu);
  }

  doorbellRing(): Uint8Array {
    return this.machine.host.doorbellRing(this.cpu()).slice();
  }

  setDoorbellRingSignalMasked(masked: boolean): void {
    this.machine.host.doorbellRing(this.cpu())[EVENT_RING_SIGNAL_MASKED_OFFSET] = masked ? 1 : 0;
  }

  clearDoorbellRingFull(): void {
    this.machine.host.doorbellRing(this.cpu())[EVENT_RING_FULL_OFFSET] = 0;
  }

  clearDoorbellRingSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= EVENT_RING_SLOTS)
      throw new RangeError(`event ring slot ${slot} is not in [0, ${EVENT_RING_SLOTS})`);
    const at = EVENT_RING_DATA_OFFSET + slot * 4;
    this.machine.host.doorbellRing(this.cpu()).fill(0, at, at + 4);
  }

  /** The simulated hypervisor acts synchronously, so every write is already visible: nothing to order. */
  memoryBarrier(): void {
    // Nothing is in flight between the root and the simulated hypervisor.
  }

  takePendingInterrupts(): void {
    this.deliver(DELIVERIES_PER_ENABLE_MAX);
  }

  setInterruptHandler(handler: () => void): void {
    this.#handler = handler;
  }

  runHypervisor(): void {
    this.machine.advanceTime(WAIT_STEP_NS);
    this.deliver();
  }

  /**
   * Take the callback vector on every CPU with a message in its SINT0 slot, lowest CPU first, until
   * none is left or `deliveriesMax` handler runs. A message the handler leaves in its slot (unhandled)
   * stops that CPU's deliveries, as on hardware no further SINT0 message arrives there.
   */
  deliver(deliveriesMax = DELIVERIES_PER_RUN_MAX): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    const stuck = new Set<number>();
    for (let i = 0; i < deliveriesMax; i++) {
      const cpu = this.machine.host.sint0PendingCpus().find((c) => !stuck.has(c));
      if (cpu === undefined) return;
      // The handler's fast hypercalls (NOTIFY_PORT_RING_EMPTY) run on the CPU that took the interrupt.
      this.#isrCpu = cpu;
      const acksBefore = this.#acks;
      this.machine.runOn(cpu);
      try {
        handler();
      } finally {
        this.#isrCpu = undefined;
        this.machine.runOn(this.driverCpu);
      }
      if (this.#acks === acksBefore) stuck.add(cpu);
    }
  }

  takeSignal(vpIndex: number, partition: PartitionId): boolean {
    return this.#signals.delete(`${partition}/${vpIndex}`);
  }

  /** Whether a signal waits for the thread running that VP. */
  signalPending(vpIndex: number, partition: PartitionId): boolean {
    return this.#signals.has(`${partition}/${vpIndex}`);
  }

  /** The signal handler ran in user space: a pending signal no longer interrupts a wait. */
  dropSignal(vpIndex: number, partition: PartitionId): void {
    this.#signals.delete(`${partition}/${vpIndex}`);
  }

  /** World control: a signal will interrupt the next wait of that VP's thread. */
  raiseSignal(vpIndex: number, partition: PartitionId): void {
    this.#signals.add(`${partition}/${vpIndex}`);
  }
}
