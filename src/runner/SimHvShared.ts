import type { SimulatedMachine } from '../../adapters/simulated/SimulatedMachine.js';
import type { PartitionId } from '../hv/ids.js';
import type { HvShared } from '../pipeline/driver/HvShared.js';

/** hv_message_header.message_flags: bit 0 is msg_pending (more messages queued behind this one). */
const MESSAGE_FLAGS_OFFSET = 5;
/** Most messages one `runHypervisor` delivers before it lets the waiting driver look again. */
const DELIVERIES_PER_RUN_MAX = 64;
/** Simulated time one wait lets pass (async completions and timers fall due with it). */
const WAIT_STEP_NS = 1_000_000n;

/**
 * The root kernel's view of the simulated machine (HvShared over SimulatedMachine's HostPort): host
 * pages by PFN, each CPU's SINT0 slot, time passing while it waits, and the signals a scenario
 * raises. Interrupts are modelled as delivered when the driver waits (the kernel takes the callback
 * vector once interrupts are on again), never inside an interrupt window. Every CPU with a message
 * takes its own interrupt: while the handler runs, the slot methods reach that CPU's SynIC (a VP on
 * CPU 3 posts its intercept notification to CPU 3's slot); otherwise the driver thread's CPU.
 *
 * @example
 * const shared = new SimHvShared(machine, 0);
 */
export class SimHvShared implements HvShared {
  #handler: (() => void) | undefined;
  readonly #signals = new Set<string>();
  /** The CPU whose interrupt handler is running, if any. */
  #isrCpu: number | undefined;

  constructor(
    readonly machine: SimulatedMachine,
    readonly cpu: number,
  ) {}

  readPage(pfn: bigint): Uint8Array {
    return this.machine.host.physPage(Number(pfn)).bytes.slice();
  }

  writePage(pfn: bigint, bytes: Uint8Array): void {
    this.machine.host.physPage(Number(pfn)).bytes.set(bytes);
  }

  /** The CPU whose SynIC the slot methods reach now: the interrupted one inside the handler. */
  #slotCpu(): number {
    return this.#isrCpu ?? this.cpu;
  }

  sint0Message(): Uint8Array | null {
    const slot = this.machine.host.sint0Slot(this.#slotCpu());
    const type = new DataView(slot.buffer, slot.byteOffset, 4).getUint32(0, true);
    return type === 0 ? null : slot.slice();
  }

  ackSint0Message(): void {
    const cpu = this.#slotCpu();
    const slot = this.machine.host.sint0Slot(cpu);
    const pending = ((slot[MESSAGE_FLAGS_OFFSET] ?? 0) & 1) !== 0;
    new DataView(slot.buffer, slot.byteOffset, 4).setUint32(0, 0, true);
    slot[MESSAGE_FLAGS_OFFSET] = 0;
    if (pending) this.machine.host.endOfMessage(cpu);
  }

  setInterruptHandler(handler: () => void): void {
    this.#handler = handler;
  }

  runHypervisor(): void {
    this.machine.advanceTime(WAIT_STEP_NS);
    this.deliver();
  }

  /**
   * Every CPU, in order, takes the callback vector for each message waiting in its slot (an unhandled
   * one stays and stops that CPU's deliveries).
   */
  deliver(): void {
    const handler = this.#handler;
    if (handler === undefined) return;
    for (let cpu = 0; cpu < this.machine.knobs.cpuCount; cpu++) {
      this.#isrCpu = cpu;
      try {
        for (let i = 0; i < DELIVERIES_PER_RUN_MAX; i++) {
          const before = this.sint0Message();
          if (before === null) break;
          handler();
          const after = this.sint0Message();
          if (after !== null && sameBytes(before, after)) break;
        }
      } finally {
        this.#isrCpu = undefined;
      }
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
