import { EVENT_RING_SLOTS } from '../../../src/hv/hypercalls/NotifyPortRingEmpty.js';
import { HV_MESSAGE_SIZE, MSG_PENDING, sintInterceptMessage } from '../model/Messages.js';

/** HV_SYNIC_EVENT_RING_MESSAGE_COUNT (the one definition is with NOTIFY_PORT_RING_EMPTY). */
export { EVENT_RING_SLOTS };
const RING_FULL_OFFSET = 1;

/**
 * The per-CPU SynIC state the root sees: the SINT0 message slot (with the hypervisor's queue behind
 * it: a new message waits while the slot is occupied, and the slot's msg_pending flag tells the ISR
 * to write EOM) and the SINT5 doorbell event ring (the hypervisor writes port ids at its head; a
 * non-zero slot at the head means the ring is full: ring_full is set and the signal waits for
 * NOTIFY_PORT_RING_EMPTY).
 */
export class Synic {
  readonly #slots: Uint8Array[] = [];
  readonly #queues: Uint8Array[][] = [];
  readonly #rings: Uint8Array[] = [];
  readonly #ringHead: number[] = [];
  readonly #ringPending: number[][] = [];
  /** Messages ever posted, per CPU (for introspection). */
  readonly posted: number[] = [];

  constructor(readonly cpuCount: number) {
    for (let c = 0; c < cpuCount; c++) {
      this.#slots.push(new Uint8Array(HV_MESSAGE_SIZE));
      this.#queues.push([]);
      this.#rings.push(new Uint8Array(4 + EVENT_RING_SLOTS * 4));
      this.#ringHead.push(0);
      this.#ringPending.push([]);
      this.posted.push(0);
    }
  }

  slot(cpu: number): Uint8Array {
    return this.#get(this.#slots, cpu);
  }

  ring(cpu: number): Uint8Array {
    return this.#get(this.#rings, cpu);
  }

  /** Post a message to `cpu`'s SINT0: into the slot when empty, else behind it with msg_pending set. */
  post(cpu: number, message: Uint8Array): void {
    const slot = this.slot(cpu);
    this.posted[cpu] = (this.posted[cpu] ?? 0) + 1;
    if (slotEmpty(slot)) slot.set(message);
    else {
      this.#get(this.#queues, cpu).push(message.slice());
      slot[5] = (slot[5] ?? 0) | MSG_PENDING;
    }
  }

  /** EOM: deliver the next queued message into an empty slot. */
  endOfMessage(cpu: number): void {
    const slot = this.slot(cpu);
    const queue = this.#get(this.#queues, cpu);
    if (!slotEmpty(slot)) return;
    const next = queue.shift();
    if (next === undefined) return;
    slot.set(next);
    if (queue.length > 0) slot[5] = (slot[5] ?? 0) | MSG_PENDING;
  }

  /** CPUs with a message in their SINT0 slot. */
  pendingCpus(): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.cpuCount; c++) if (!slotEmpty(this.slot(c))) out.push(c);
    return out;
  }

  /** Messages waiting behind `cpu`'s slot. */
  queued(cpu: number): number {
    return this.#get(this.#queues, cpu).length;
  }

  /** Signal doorbell port `portId` on `cpu`'s SINT5 ring (and notify through SINT0). */
  signalDoorbell(cpu: number, portId: number): void {
    if (!this.#pushRing(cpu, portId)) {
      this.#get(this.#ringPending, cpu).push(portId);
      return;
    }
    this.post(cpu, sintInterceptMessage(5));
  }

  /** NOTIFY_PORT_RING_EMPTY: move waiting signals into the ring while there is room. */
  ringEmptied(cpu: number): void {
    const pending = this.#get(this.#ringPending, cpu);
    let moved = false;
    while (pending.length > 0) {
      const id = pending[0] ?? 0;
      if (!this.#pushRing(cpu, id)) break;
      pending.shift();
      moved = true;
    }
    if (moved) this.post(cpu, sintInterceptMessage(5));
  }

  /** Signals waiting for ring space on `cpu`. */
  ringBacklog(cpu: number): number {
    return this.#get(this.#ringPending, cpu).length;
  }

  #pushRing(cpu: number, portId: number): boolean {
    const ring = this.ring(cpu);
    const view = new DataView(ring.buffer);
    const head = this.#ringHead[cpu] ?? 0;
    if (view.getUint32(4 + head * 4, true) !== 0) {
      ring[RING_FULL_OFFSET] = 1;
      return false;
    }
    view.setUint32(4 + head * 4, portId, true);
    this.#ringHead[cpu] = (head + 1) % EVENT_RING_SLOTS;
    return true;
  }

  #get<T>(arr: T[], cpu: number): T {
    const v = arr[cpu];
    if (v === undefined) throw new RangeError(`cpu ${cpu}: no such CPU (0..${this.cpuCount - 1})`);
    return v;
  }
}

function slotEmpty(slot: Uint8Array): boolean {
  return slot[0] === 0 && slot[1] === 0 && slot[2] === 0 && slot[3] === 0;
}
