import { describe, expect, it } from 'vitest';
import { partitionId } from '../../../src/hv/ids.js';
import { KernelPartition } from '../../../src/pipeline/driver/KernelPartition.js';
import { newKernelVp } from '../../../src/pipeline/driver/KernelVpState.js';
import { type IsrHandlers, mshvIsr } from '../../../src/pipeline/driver/mshvIsr.js';
import { FakeShared, facts, hvMessageBytes } from './vpRig.js';

const { HVMSG } = facts.flags_enums;
const PAIRS_MAX = facts.limits.HV_MESSAGE_MAX_PARTITION_VP_PAIR_COUNT;

/** Two partitions with a few VPs each, and a fake SINT0 whose messages the test delivers by hand. */
function table(indexes: readonly number[] = [0, 1, 5, 64, 200]) {
  const pts = [new KernelPartition(3, partitionId(5n), 0n), new KernelPartition(4, partitionId(6n), 0n)];
  for (const pt of pts) for (const i of indexes) pt.vps.set(i, newKernelVp(i, 10 + i));
  const shared = new FakeShared();
  const lookup = (id: bigint) => pts.find((p) => p.id === id);
  const deliver = (msg: Uint8Array, handlers: IsrHandlers = {}) => {
    shared.post(msg);
    return mshvIsr(shared, lookup, handlers);
  };
  const kicked = (pt: KernelPartition) =>
    [...pt.vps.values()].filter((v) => v.kickedByHv).map((v) => v.index);
  return { pts, pt: pts[0]!, shared, deliver, kicked };
}

const bitset = (pid: bigint, banks: readonly bigint[], mask: bigint, count = 1, format = 0n) =>
  hvMessageBytes(HVMSG.SCHEDULER_VP_SIGNAL_BITSET!, 0n, (p) => {
    p.setBigUint64(0, pid, true);
    p.setUint16(12, count, true);
    p.setBigUint64(16, format, true);
    p.setBigUint64(24, mask, true);
    banks.forEach((b, i) => {
      p.setBigUint64(32 + i * 8, b, true);
    });
  });

const pairs = (list: readonly (readonly [bigint, number])[], count = list.length) =>
  hvMessageBytes(HVMSG.SCHEDULER_VP_SIGNAL_PAIR!, 0n, (p) => {
    p.setUint8(4, count);
    list.forEach(([pid, vp], i) => {
      p.setBigUint64(8 + i * 8, pid, true);
      p.setUint32(160 + i * 4, vp, true);
    });
  });

describe('mshv_isr on SINT0 (inventory §c.8)', () => {
  it('OPAQUE_INTERCEPT kicks the VP named in the payload of the sender partition and releases the slot', () => {
    const t = table();
    const r = t.deliver(
      hvMessageBytes(HVMSG.OPAQUE_INTERCEPT!, t.pt.id, (p) => {
        p.setUint32(0, 5, true);
      }),
    );
    expect(r).toBe('handled');
    expect(t.kicked(t.pt)).toEqual([5]);
    expect([t.pt.vps.get(5)?.signaledCount, t.shared.acks, t.shared.sint0Message()]).toEqual([1, 1, null]);
  });

  it.each([
    ['an intercept type other than OPAQUE_INTERCEPT', HVMSG.X64_HALT!, 5n, 0],
    ['an unknown sender partition', HVMSG.OPAQUE_INTERCEPT!, 99n, 0],
    ['a VP index with no VP', HVMSG.OPAQUE_INTERCEPT!, 5n, 7],
    ['an unknown message type', 0x1234, 5n, 0],
  ] as const)('leaves %s unhandled in the slot, kicking nobody', (_what, type, sender, vp) => {
    const t = table();
    const r = t.deliver(
      hvMessageBytes(type, sender, (p) => {
        p.setUint32(0, vp, true);
      }),
    );
    expect(r).toBe('unhandled');
    expect([t.kicked(t.pt), t.shared.acks, t.shared.sint0Message() !== null]).toEqual([[], 0, true]);
  });

  it('an empty slot is no message', () => {
    const t = table();
    expect(mshvIsr(t.shared, () => undefined)).toBe('none');
  });

  it('ASYNC_CALL_COMPLETION stores the 32-bit status and completes the partition (§c.9)', () => {
    const t = table();
    const msg = hvMessageBytes(HVMSG.ASYNC_CALL_COMPLETION!, 0n, (p) => {
      p.setBigUint64(0, t.pts[1]!.id, true);
      p.setUint32(8, 0x8765_4321, true);
    });
    expect(t.deliver(msg)).toBe('handled');
    expect([t.pts[1]!.asyncCompletionDone, t.pts[1]!.asyncCompletionStatus]).toEqual([true, 0x8765_4321]);
    expect(t.pt.asyncCompletionDone).toBe(false);
  });

  it('APIC EOI consumed by a resampler ack needs no kick; not consumed it is unhandled', () => {
    const t = table();
    const eoi = () =>
      hvMessageBytes(HVMSG.X64_APIC_EOI!, t.pt.id, (p) => {
        p.setUint32(4, 0x31, true);
      });
    const vectors: number[] = [];
    const handlers: IsrHandlers = { ackedGsi: (_pt, vector) => vectors.push(vector) > 0 };
    expect(t.deliver(eoi(), handlers)).toBe('handled');
    expect([vectors, t.kicked(t.pt)]).toEqual([[0x31], []]);
    const u = table();
    expect(u.deliver(eoi(), { ackedGsi: () => false })).toBe('unhandled');
  });

  it('a doorbell handler sees the message first', () => {
    const t = table();
    const msg = hvMessageBytes(HVMSG.SYNIC_SINT_INTERCEPT!, 0n);
    const seen: number[] = [];
    expect(t.deliver(msg, { doorbell: (m) => seen.push(m.type) > 0 })).toBe('handled');
    expect(seen).toEqual([HVMSG.SYNIC_SINT_INTERCEPT]);
  });
});

describe('scheduler messages (inventory §c.8)', () => {
  it('BITSET kicks every VP of the valid banks (bank 0 bits 0, 5; bank 1 bit 0 = VP 64)', () => {
    const t = table();
    expect(t.deliver(bitset(t.pt.id, [(1n << 0n) | (1n << 5n), 1n], 0b11n, 3))).toBe('handled');
    expect(t.kicked(t.pt)).toEqual([0, 5, 64]);
    expect(t.kicked(t.pts[1]!)).toEqual([]);
  });

  it('BITSET banks follow valid_bank_mask: bank 3 (VPs 192–255) is the first listed when the mask is 0b1000', () => {
    const t = table();
    t.deliver(bitset(t.pt.id, [1n << 8n], 0b1000n));
    expect(t.kicked(t.pt)).toEqual([200]);
  });

  it.each([
    ['stops at the first missing VP', [(1n << 1n) | (1n << 2n) | (1n << 5n)], 0b1n, 3, 0n, [1]],
    ['ignores a format other than SPARSE_4K', [1n], 0b1n, 1, 1n, []],
    ['ignores vp_count 0', [1n], 0b1n, 0, 0n, []],
    ['stops at an index >= MSHV_MAX_VPS (bank 4 bit 0 = 256)', [1n], 0b10000n, 1, 0n, []],
  ] as const)('BITSET %s (still handled)', (_what, banks, mask, count, format, want) => {
    const t = table();
    expect(t.deliver(bitset(t.pt.id, banks, mask, count, format))).toBe('handled');
    expect(t.kicked(t.pt)).toEqual(want);
  });

  it('PAIR kicks (partition, VP) pairs across partitions and stops at an unknown partition', () => {
    const t = table();
    const [a, b] = [t.pts[0]!.id, t.pts[1]!.id];
    t.deliver(
      pairs([
        [a, 1],
        [b, 0],
        [b, 200],
        [99n, 5],
        [a, 5],
      ]),
    );
    expect([t.kicked(t.pts[0]!), t.kicked(t.pts[1]!)]).toEqual([[1], [0, 200]]);
  });

  it(`PAIR reads at most ${PAIRS_MAX} pairs whatever vp_count says`, () => {
    const t = table(Array.from({ length: 25 }, (_, i) => i));
    const list = Array.from({ length: PAIRS_MAX }, (_, i) => [t.pt.id, i] as const);
    t.deliver(pairs(list, 255));
    expect(t.kicked(t.pt)).toEqual(Array.from({ length: PAIRS_MAX }, (_, i) => i));
  });
});
