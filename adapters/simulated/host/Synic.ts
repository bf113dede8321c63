import {
  EVENT_RING_DATA_OFFSET,
  EVENT_RING_FULL_OFFSET,
  EVENT_RING_SIGNAL_MASKED_OFFSET,
  EVENT_RING_SLOTS,
  HvSynicEventRing,
} from '../../../src/hv/HvSynicEventRing.js';
import { HV_MESSAGE_SIZE, MSG_PENDING, sintInterceptMessage } from '../model/Messages.js';

export { EVENT_RING_SLOTS };

/** One CPU's SynIC state as a snapshot keeps it. */
export interface SavedSynicCpu {
  /** The SINT0 message slot (HV_MESSAGE_SIZE bytes). */
  readonly slot: Uint8Array;
  /** Messages waiting behind the slot, oldest first. */
  readonly queue: readonly Uint8Array[];
  /** The SINT5 event ring (4-byte header + 63 u32 slots). */
  readonly ring: Uint8Array;
  readonly ringHead: number;
  /** Doorbell signals waiting for ring space, oldest first. */
  readonly ringPending: readonly number[];
  readonly posted: number;
  /** Messages the hypervisor will post to this CPU's SINT0 once the clock reaches their time, in order. */
  readonly late: readonly LateMessage[];
}

/** A message due at a simulated time (a late asynchronous completion). */
export interface LateMessage {
  readonly dueNs: bigint;
  readonly message: Uint8Array;
}

/**
 * The per-CPU SynIC state the root sees: the SINT0 message slot (with the hypervisor's queue behind
 * it: a new message waits while the slot is occupied, and the slot's msg_pending flag tells the ISR
 * to write EOM) and the SINT5 doorbell event ring (hv_synic_event_ring, inventory §c.11).
 *
 * Ring model: the hypervisor writes port ids at its head; a non-zero slot at the head means the ring
 * is full, so ring_full is set and the signal waits (in order) for NOTIFY_PORT_RING_EMPTY. A new entry
 * raises a notification (HVMSG_SYNIC_SINT_INTERCEPT naming SINT 5 on SINT0) only while
 * signal_masked is clear, and masks the ring as it does: one notification covers everything the root
 * drains before it unmasks again. That reading of signal_masked is the one the driver's drain loop
 * relies on (it unmasks only when it found the ring empty, then re-checks; it re-masks when that
 * re-check finds an entry); the reference gives no other.
 *
 * @example
 * const synic = new Synic(2);
 * synic.post(0, sintInterceptMessage(5)); synic.post(0, sintInterceptMessage(5));
 * synic.queued(0); // 1: the second message waits behind the occupied slot, whose msg_pending is set
 */
export class Synic {
  readonly #slots: Uint8Array[] = [];
  readonly #queues: Uint8Array[][] = [];
  readonly #rings: Uint8Array[] = [];
  readonly #ringHead: number[] = [];
  readonly #ringPending: number[][] = [];
  readonly #late: LateMessage[][] = [];
  /** Late messages over every CPU: `postDue` on every hypercall costs nothing while there is none. */
  #lateTotal = 0;
  /** Messages ever posted, per CPU (for introspection). */
  readonly posted: number[] = [];

  constructor(readonly cpuCount: number) {
    // One buffer for every CPU's slot and ring (views into it): a machine is built per explored path.
    const slots = new Uint8Array(cpuCount * HV_MESSAGE_SIZE);
    const rings = new Uint8Array(cpuCount * HvSynicEventRing.size);
    for (let c = 0; c < cpuCount; c++) {
      this.#slots.push(slots.subarray(c * HV_MESSAGE_SIZE, (c + 1) * HV_MESSAGE_SIZE));
      this.#queues.push([]);
      this.#rings.push(rings.subarray(c * HvSynicEventRing.size, (c + 1) * HvSynicEventRing.size));
      this.#ringHead.push(0);
      this.#ringPending.push([]);
      this.#late.push([]);
      this.posted.push(0);
    }
  }

  /**
   * Every CPU's slot, queue, ring and counters (copies), for snapshots.
   *
   * @example
   * new Synic(2).save().length; // 2
   */
  save(): SavedSynicCpu[] {
    const out: SavedSynicCpu[] = [];
    for (let c = 0; c < this.cpuCount; c++) {
      out.push({
        slot: this.slot(c).slice(),
        queue: this.#get(this.#queues, c).map((m) => m.slice()),
        ring: this.ring(c).slice(),
        ringHead: this.#ringHead[c] ?? 0,
        ringPending: [...this.#get(this.#ringPending, c)],
        posted: this.posted[c] ?? 0,
        late: this.#get(this.#late, c).map((l) => ({ dueNs: l.dueNs, message: l.message.slice() })),
      });
    }
    return out;
  }

  /**
   * A SynIC with one CPU per recorded state. Sizes are the caller's to have checked (a wrong size
   * is a broken invariant and throws).
   *
   * @example
   * const copy = Synic.restore(synic.save());
   */
  static restore(cpus: readonly SavedSynicCpu[]): Synic {
    const synic = new Synic(cpus.length);
    cpus.forEach((s, c) => {
      const messages = [...s.queue, ...s.late.map((l) => l.message)];
      const sizes = [s.slot.length, s.ring.length, ...messages.map((m) => m.length)];
      const want = [HV_MESSAGE_SIZE, 4 + EVENT_RING_SLOTS * 4, ...messages.map(() => HV_MESSAGE_SIZE)];
      if (sizes.some((n, i) => n !== want[i]))
        throw new RangeError(`Synic.restore: cpu ${c} has a wrong-sized buffer`);
      if (!Number.isInteger(s.ringHead) || s.ringHead < 0 || s.ringHead >= EVENT_RING_SLOTS)
        throw new RangeError(`Synic.restore: cpu ${c} ring head ${s.ringHead}`);
      synic.slot(c).set(s.slot);
      synic.ring(c).set(s.ring);
      synic.#get(synic.#queues, c).push(...s.queue.map((m) => m.slice()));
      synic.#ringHead[c] = s.ringHead;
      synic.#get(synic.#ringPending, c).push(...s.ringPending);
      synic.posted[c] = s.posted;
      synic.#get(synic.#late, c).push(...s.late.map((l) => ({ dueNs: l.dueNs, message: l.message.slice() })));
      synic.#lateTotal += s.late.length;
    });
    return synic;
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

  /**
   * Post a message to `cpu`'s SINT0 once the clock reaches `dueNs` (`postDue`): a completion the
   * hypervisor delivers late. Messages due at the same time keep the order they were posted in.
   */
  postAt(cpu: number, message: Uint8Array, dueNs: bigint): void {
    const late = this.#get(this.#late, cpu);
    let i = late.length;
    while (i > 0 && (late[i - 1]?.dueNs ?? 0n) > dueNs) i--;
    late.splice(i, 0, { dueNs, message: message.slice() });
    this.#lateTotal += 1;
  }

  /** Post every late message due at or before `nowNs`, oldest due first, per CPU. */
  postDue(nowNs: bigint): void {
    if (this.#lateTotal === 0) return;
    for (let cpu = 0; cpu < this.cpuCount; cpu++) {
      const late = this.#get(this.#late, cpu);
      while (late.length > 0 && (late[0]?.dueNs ?? 0n) <= nowNs) {
        const next = late.shift();
        if (next === undefined) break;
        this.#lateTotal -= 1;
        this.post(cpu, next.message);
      }
    }
  }

  /** The messages posted to `cpu`'s SINT0 and not yet taken: the slot's, then those queued behind it. */
  *inSint0(cpu: number): Iterable<Uint8Array> {
    const slot = this.slot(cpu);
    if (!slotEmpty(slot)) yield slot;
    yield* this.#get(this.#queues, cpu);
  }

  /** Every message not yet in a slot, on every CPU: queued behind a slot, or late (not yet posted). */
  *undelivered(): Iterable<Uint8Array> {
    for (const queue of this.#queues) yield* queue;
    for (const late of this.#late) for (const l of late) yield l.message;
  }

  /** Late messages not yet posted, over every CPU. */
  lateCount(): number {
    return this.#lateTotal;
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

  /**
   * Signal doorbell port `portId` on `cpu`'s SINT5 ring, notifying through SINT0 unless the ring is
   * masked. Signals already waiting for room keep their order: a new one queues behind them.
   */
  signalDoorbell(cpu: number, portId: number): void {
    const pending = this.#get(this.#ringPending, cpu);
    if (pending.length > 0 || !this.#pushRing(cpu, portId)) {
      pending.push(portId);
      return;
    }
    this.#notify(cpu);
  }

  /** NOTIFY_PORT_RING_EMPTY: move waiting signals into the ring while there is room (notify as above). */
  ringEmptied(cpu: number): void {
    const pending = this.#get(this.#ringPending, cpu);
    let moved = false;
    while (pending.length > 0) {
      const id = pending[0] ?? 0;
      if (!this.#pushRing(cpu, id)) break;
      pending.shift();
      moved = true;
    }
    if (moved) this.#notify(cpu);
  }

  /** Post the SINT5 notification and mask the ring, unless it is masked already. */
  #notify(cpu: number): void {
    const ring = this.ring(cpu);
    if (ring[EVENT_RING_SIGNAL_MASKED_OFFSET] !== 0) return;
    ring[EVENT_RING_SIGNAL_MASKED_OFFSET] = 1;
    this.post(cpu, sintInterceptMessage(5));
  }

  /** Signals waiting for ring space on `cpu`. */
  ringBacklog(cpu: number): number {
    return this.#get(this.#ringPending, cpu).length;
  }

  #pushRing(cpu: number, portId: number): boolean {
    const ring = this.ring(cpu);
    const view = new DataView(ring.buffer, ring.byteOffset, ring.byteLength);
    const head = this.#ringHead[cpu] ?? 0;
    if (view.getUint32(EVENT_RING_DATA_OFFSET + head * 4, true) !== 0) {
      ring[EVENT_RING_FULL_OFFSET] = 1;
      return false;
    }
    view.setUint32(EVENT_RING_DATA_OFFSET + head * 4, portId, true);
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
