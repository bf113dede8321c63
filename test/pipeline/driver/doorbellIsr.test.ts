import { describe, expect, it } from 'vitest';
import { HV_PORT_TYPE } from '../../../src/hv/flags/HvPortType.js';
import { HypercallCode } from '../../../src/hv/HypercallCode.js';
import {
  type DoorbellRingTails,
  doorbellIsr,
  takeQueuedPort,
} from '../../../src/pipeline/driver/doorbellIsr.js';
import { hvMessage } from '../../../src/pipeline/driver/hvMessage.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { mshvIsr } from '../../../src/pipeline/driver/mshvIsr.js';
import { portIdsOf } from '../../../src/pipeline/driver/portIdAllocator.js';
import { partitionId } from '../../../src/hv/ids.js';
import { facts, hvMessageBytes, inputOf, vpRig } from './vpRig.js';

const { HVMSG } = facts.flags_enums;
const SLOTS = facts.limits.HV_SYNIC_EVENT_RING_MESSAGE_COUNT;

/** The SINT5 notification: HVMSG_SYNIC_SINT_INTERCEPT with hv_notification_message_payload.sint_index. */
const notification = (sint = 5) =>
  hvMessageBytes(HVMSG.SYNIC_SINT_INTERCEPT!, 0n, (p) => {
    p.setUint32(0, sint, true);
  });

/**
 * A driver env over the fake shared side, a port table holding `doorbells` doorbell ports of one
 * partition (ids 1..n), and a log where ring writes and hypercalls interleave in order.
 */
function rig(doorbells = 3) {
  const r = vpRig();
  const ports = portIdsOf(r.env);
  for (let i = 0; i < doorbells; i++) ports.alloc(r.pt, HV_PORT_TYPE.DOORBELL);
  r.port.onCall = (c) => r.shared.ringOps.push(`hvcall 0x${c.code.toString(16)}`);
  const tails: DoorbellRingTails = new Map();
  const rung: number[] = [];
  const isr = (bytes = notification()) =>
    doorbellIsr(r.env, tails, ports, hvMessage(bytes), (owner, id) => {
      expect(owner).toBe(r.pt);
      rung.push(id);
    });
  return { ...r, ports, tails, rung, isr };
}

const NOTIFY = `hvcall 0x${HypercallCode.NOTIFY_PORT_RING_EMPTY.toString(16)}`;

describe('doorbell ISR: SINT5 event ring drain (inventory §c.11, §c.8)', () => {
  it('the facts give 63 ring slots (HV_SYNIC_EVENT_RING_MESSAGE_COUNT)', () => {
    expect(SLOTS).toBe(63);
  });

  it('drains from the tail in ring order, zeroing each slot, then unmasks, barriers and stops', () => {
    const t = rig();
    t.shared.putRing(0, 3);
    t.shared.putRing(1, 1);
    t.shared.putRing(2, 2);
    t.shared.ring[0] = 1; // the hypervisor masked the ring when it notified
    expect(t.isr()).toBe(true);
    expect(t.rung).toEqual([3, 1, 2]);
    expect(t.shared.ringOps).toEqual(['take 0', 'take 1', 'take 2', 'unmask', 'mb']);
    expect(t.shared.ringSlots().every((v) => v === 0)).toBe(true);
    expect([t.tails.get(0), t.shared.ring[0], t.port.seen]).toEqual([3, 0, []]);
  });

  it('ring_full with the tail slot empty: clear ring_full, NOTIFY_PORT_RING_EMPTY (fast8, SINT 5), look again', () => {
    const t = rig();
    t.shared.ring[1] = 1;
    // On NOTIFY the hypervisor moves the signal that waited for room into the ring at the tail.
    t.port.onCall = (c) => {
      t.shared.ringOps.push(`hvcall 0x${c.code.toString(16)}`);
      t.shared.putRing(0, 2);
    };
    expect(t.isr()).toBe(true);
    expect(t.rung).toEqual([2]);
    expect(t.shared.ringOps).toEqual(['clear-full', NOTIFY, 'mask', 'take 0', 'unmask', 'mb']);
    const call = t.port.seen[0]!;
    expect([
      call.code,
      call.fast,
      inputOf(call).getUint32(0, true),
      inputOf(call).getUint32(4, true),
    ]).toEqual([HypercallCode.NOTIFY_PORT_RING_EMPTY, true, 5, 0]);
    expect(t.events.map((e) => [e.name, e.window])).toEqual([['NOTIFY_PORT_RING_EMPTY', null]]);
    expect(t.shared.ring[1]).toBe(0);
  });

  it('ring_full and still empty after NOTIFY: unmask, barrier, last look, stop', () => {
    const t = rig();
    t.shared.ring[1] = 1;
    expect(t.isr()).toBe(true);
    expect(t.rung).toEqual([]);
    expect(t.shared.ringOps).toEqual(['clear-full', NOTIFY, 'unmask', 'mb']);
  });

  it('an entry the hypervisor added while the ring was masked is found after the barrier, and the ring is masked again', () => {
    const t = rig();
    t.shared.putRing(0, 1);
    let raced = false;
    t.shared.onBarrier = () => {
      if (!raced) t.shared.putRing(1, 2);
      raced = true;
    };
    expect(t.isr()).toBe(true);
    expect(t.rung).toEqual([1, 2]);
    expect(t.shared.ringOps).toEqual(['take 0', 'unmask', 'mb', 'mask', 'take 1', 'unmask', 'mb']);
    expect(t.shared.ring[0]).toBe(0);
  });

  it('wraps after slot 62: 40 entries, then 40 more from slot 40, come out in signal order', () => {
    const t = rig(80);
    for (let i = 0; i < 40; i++) t.shared.putRing(i, i + 1);
    t.isr();
    expect(t.tails.get(0)).toBe(40);
    for (let i = 0; i < 40; i++) t.shared.putRing((40 + i) % SLOTS, 41 + i);
    t.isr();
    expect(t.rung).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(t.tails.get(0)).toBe(80 % SLOTS);
    expect(t.shared.ringOps.filter((o) => o.startsWith('take')).slice(60, 66)).toEqual([
      'take 60',
      'take 61',
      'take 62',
      'take 0',
      'take 1',
      'take 2',
    ]);
  });

  it('keeps one tail per CPU: a notification on CPU 1 drains from CPU 1 tail', () => {
    const t = rig();
    t.shared.putRing(0, 1);
    t.isr();
    t.shared.cpuIndex = 1;
    t.shared.putRing(0, 2);
    t.isr();
    expect(t.rung).toEqual([1, 2]);
    expect([...t.tails]).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('skips a port id the table does not hold, a port that is not a doorbell and one whose fd was released', () => {
    const t = rig(1); // port 1: doorbell of t.pt
    const other = new KernelPartition(9, partitionId(9n), 0n);
    t.ports.alloc(t.pt, HV_PORT_TYPE.EVENT); // port 2: not a doorbell
    t.ports.alloc(other, HV_PORT_TYPE.DOORBELL); // port 3: its owner's fd is released below
    other.fdReleased = true;
    [99, 2, 3, 1].forEach((id, slot) => {
      t.shared.putRing(slot, id);
    });
    expect(t.isr()).toBe(true);
    expect(t.rung).toEqual([1]);
    expect(t.shared.ringSlots().slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(t.tails.get(0)).toBe(4);
  });

  it.each([
    ['another message type', hvMessageBytes(HVMSG.OPAQUE_INTERCEPT!, 5n)],
    ['an SINT_INTERCEPT for SINT 0', notification(0)],
  ])('leaves %s to the other handlers, touching no ring', (_what, bytes) => {
    const t = rig();
    t.shared.putRing(0, 1);
    expect(t.isr(bytes)).toBe(false);
    expect([t.rung, t.shared.ringOps]).toEqual([[], []]);
  });

  it('takeQueuedPort answers 0 on an empty ring and leaves the tail where it was', () => {
    const t = rig();
    expect(takeQueuedPort(t.env, t.tails)).toBe(0);
    expect(t.tails.size).toBe(0);
  });

  it('through mshvIsr: the doorbell handler claims the notification and the SINT0 slot is released', () => {
    const t = rig();
    t.shared.putRing(0, 2);
    t.shared.post(notification());
    const r = mshvIsr(t.shared, () => undefined, {
      doorbell: (msg) => doorbellIsr(t.env, t.tails, t.ports, msg, (_pt, id) => t.rung.push(id)),
    });
    expect([r, t.rung, t.shared.acks, t.shared.sint0Message()]).toEqual(['handled', [2], 1, null]);
  });
});
