import type { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
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
/** Simulated time one wait lets pass (async completions and timers fall due with it). */
const WAIT_STEP_NS = 1_000_000n;

/**
 * The root kernel's view of the simulated machine (HvShared over SimulatedMachine's HostPort): host
 * pages by PFN, the SINT0 slot of the CPU the driver runs on, time passing while it waits, and the
 * signals a scenario raises. Interrupts are modelled as delivered when the driver waits (the kernel
 * takes the callback vector once interrupts are on again), never inside an interrupt window.
 *
 * @example
 * const shared = new SimHvShared(machine, 0);
 */
export class SimHvShared implements HvShared {
  #handler: (() => void) | undefined;
  readonly #signals = new Set<string>();

  constructor(
    readonly machine: SimulatedMachine,
    readonly cpu: number,
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

  sint0Message(): Uint8Array | null {
    const slot = this.machine.host.sint0Slot(this.cpu);
    const type = new DataView(slot.buffer, slot.byteOffset, 4).getUint32(0, true);
    return type === 0 ? null : slot.slice();
  }

  ackSint0Message(): void {
    const slot = this.machine.host.sint0Slot(this.cpu);
    const pending = ((slot[MESSAGE_FLAGS_OFFSET] ?? 0) & 1) !== 0;
    new DataView(slot.buffer, slot.byteOffset, 4).setUint32(0, 0, true);
    slot[MESSAGE_FLAGS_OFFSET] = 0;
    if (pending) this.machine.host.endOfMessage(this.cpu);
  }

  setInterruptHandler(handler: () => void): void {
    this.#handler = handler;
  }

  runHypervisor(): void {
    this.machine.advanceTime(WAIT_STEP_NS);
    this.deliver();
  }

  /** Take the callback vector for every message waiting in the slot (an unhandled one stays and stops it). */
  deliver(): void {
    for (let i = 0; i < DELIVERIES_PER_RUN_MAX; i++) {
      const before = this.sint0Message();
      if (before === null || this.#handler === undefined) return;
      this.#handler();
      const after = this.sint0Message();
      if (after !== null && sameBytes(before, after)) return;
    }
  }

  takeSignal(vpIndex: number, partition: PartitionId): boolean {
    return this.#signals.delete(`${partition}/${vpIndex}`);
  }

  /** World control: a signal will interrupt the next wait of that VP's thread. */
  raiseSignal(vpIndex: number, partition: PartitionId): void {
    this.#signals.add(`${partition}/${vpIndex}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
