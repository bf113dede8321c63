import type { LogRecord } from '../../src/log/LogRecord.js';

/** A 32-bit mix of an integer (splitmix32's finaliser): deterministic variety without an Rng. */
export function mix(n: number): number {
  let x = (n + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function bytesOf(seed: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) b[i] = mix(seed * 7919 + i) & 0xff;
  return b;
}

/**
 * The record a test writes at `seq`: a fixed function of seq, mixing every kind and the awkward
 * values (u64 extremes, empty and page-sized bytes, null fields, non-ASCII text, failed results),
 * so a reader can check any record without remembering what was written.
 */
export function sampleRecord(seq: number): LogRecord {
  const h = mix(seq);
  if (seq % 50 === 0)
    return { kind: 'snapshot', state: { atSeq: seq, vps: [h & 0xf, 'running'], note: 'ünïcödé ✓' } };
  switch (h % 8) {
    case 0:
      return {
        kind: 'intent',
        name: 'partition.mapMemory',
        args: { gpa: `0x${h.toString(16)}`, sizeBytes: String(h * 4096), flags: ['r', 'w'] },
      };
    case 1:
      return {
        kind: 'transition',
        machine: `vm${h % 4}/vp${h % 16}`,
        from: 'idle',
        event: 'RUN',
        to: 'running',
      };
    case 2:
      return {
        kind: 'operation',
        id: seq,
        name: 'MSHV_SET_GUEST_MEMORY',
        fd: 3 + (h % 5),
        partition: `vm${h % 4}`,
        vp: h % 3 === 0 ? h % 16 : null,
        request: 0x4020b847,
        args: { userspace_addr: '0x7f0000000000', guest_pfn: String(h), size: h % 1000, flags: h % 7 },
      };
    case 3:
      return {
        kind: 'result',
        id: seq - 1,
        op: 'MSHV_RUN_VP',
        outcome:
          h % 3 === 0
            ? {
                ok: false,
                errno: 22,
                errnoName: 'EINVAL',
                hvStatus: 0x0005,
                hvStatusName: 'INVALID_PARAMETER',
                hypercall: 'MAP_GPA_PAGES',
                message: 'MAP_GPA_PAGES failed: HV_STATUS_INVALID_PARAMETER',
              }
            : { ok: true, value: { exit: 'halt', rip: '0xfff0' } },
      };
    default: {
      const big = seq % 47 === 0;
      const inputLength = big ? 1024 + (h % 3073) : 8 + (h % 57);
      return {
        kind: 'hypercall',
        name: 'MAP_GPA_PAGES',
        code: 0x004b,
        control: h % 5 === 0 ? (1n << 64n) - 1n : (BigInt(h % 509) << 32n) | 0x4bn,
        input: bytesOf(seq, seq % 97 === 0 ? 0 : inputLength),
        status: BigInt(h % 509) << 32n,
        repsCompleted: h % 509,
        output: h % 4 === 0 ? bytesOf(seq + 1, 16) : null,
        window: h % 6 === 0 ? null : h % 1000,
        op: 'MSHV_SET_GUEST_MEMORY',
      };
    }
  }
}

/**
 * The record the crash test's child writes at `seq`: every third one a page-sized hypercall, so
 * transactions are large enough for a kill to land inside a commit's writes.
 */
export function crashRecord(seq: number): LogRecord {
  if (seq % 3 !== 0) return sampleRecord(seq);
  return {
    kind: 'hypercall',
    name: 'MAP_GPA_PAGES',
    code: 0x004b,
    control: 0x01fd_0000_0000_004bn,
    input: bytesOf(seq, 4096),
    status: 0x01fd_0000_0000n,
    repsCompleted: 509,
    output: null,
    window: seq,
    op: 'MSHV_SET_GUEST_MEMORY',
  };
}

/** Records in the crash child's operation `op` (0, 1, ...): mostly a few, every ninth 150. */
export function crashOpSize(op: number): number {
  return op % 9 === 8 ? 150 : 1 + (mix(op) % 6);
}

/** The seqs at which the crash child commits, up to `maxSeq`. */
export function crashCommitBoundaries(maxSeq: number): Set<number> {
  const out = new Set<number>([0]);
  let seq = 0;
  for (let op = 0; seq < maxSeq; op += 1) {
    seq += crashOpSize(op);
    out.add(seq);
  }
  return out;
}
