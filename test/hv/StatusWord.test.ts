import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATUS_NO_HYPERCALL_PAGE, StatusBits, decodeStatus, encodeStatus } from '../../src/hv/StatusWord.js';
import { loadHypercallFacts } from './hypercalls/facts.js';

const facts = loadHypercallFacts();
const status = fc.record({
  result: fc.integer({ min: 0, max: 0xffff }),
  repsCompleted: fc.integer({ min: 0, max: 4095 }),
});

describe('hypercall status word (inventory §b.1)', () => {
  it('places result at bits 0-15 and reps completed at bits 32-43 (facts `hypercall_status_word`)', () => {
    const w = facts.hypercall_status_word;
    expect(StatusBits.result).toMatchObject({ lsb: w.result.lsb, width: w.result.width });
    expect(StatusBits.result.mask).toBe(BigInt(w.result.mask));
    expect(StatusBits.repsCompleted).toMatchObject({
      lsb: w.reps_completed.lsb,
      width: w.reps_completed.width,
    });
    expect(StatusBits.repsCompleted.mask).toBe(BigInt(w.reps_completed.mask));
    expect(encodeStatus({ result: 0x0b, repsCompleted: 3 })).toBe(0x0000_0003_0000_000bn);
  });

  it('round-trips every result and reps-completed pair', () => {
    fc.assert(
      fc.property(status, (s) => {
        expect(decodeStatus(encodeStatus(s))).toEqual(s);
      }),
    );
  });

  it('ignores every other bit, as hv_result()/hv_repcomp() do', () => {
    const other = ~(StatusBits.result.mask | StatusBits.repsCompleted.mask) & 0xffff_ffff_ffff_ffffn;
    fc.assert(
      fc.property(status, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (s, junk) => {
        expect(decodeStatus(encodeStatus(s) | (junk & other))).toEqual(s);
      }),
    );
  });

  it('keeps an unknown result code raw', () => {
    expect(decodeStatus(0x1234n).result).toBe(0x1234);
  });

  it('names the field when a value does not fit, and refuses a word that is not a u64', () => {
    expect(() => encodeStatus({ result: 0x10000, repsCompleted: 0 })).toThrow(/result/);
    expect(() => encodeStatus({ result: 0, repsCompleted: 4096 })).toThrow(/repsCompleted/);
    expect(() => decodeStatus(-1n)).toThrow(/status word/);
    expect(() => decodeStatus(1n << 64n)).toThrow(/status word/);
  });

  it('U64_MAX is the no-hypercall-page word', () => {
    expect(STATUS_NO_HYPERCALL_PAGE).toBe(
      BigInt(facts.hypercall_status_word.no_hypercall_page.split(' ')[0] ?? ''),
    );
  });
});
