import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Errno } from '../../src/hv/Errno.js';
import {
  HvStatus,
  HvStatusPatchOnly,
  HvStatusTable,
  hvResultToErrno,
  hvStatusByName,
  hvStatusName,
} from '../../src/hv/HvStatus.js';
import { loadHypercallFacts, stripPrefix } from './hypercalls/facts.js';

const facts = loadHypercallFacts();
const errnoOf = (e: number | string): number =>
  typeof e === 'number' ? e : (facts.errno_values_linux[e] ?? NaN);
const known = new Set(facts.status_codes.map((s) => s.code));

describe('HV_STATUS table and hv_result_to_errno (inventory §b.2)', () => {
  it.each(facts.status_codes.map((s) => [stripPrefix(s.name, 'HV_STATUS_'), s] as const))(
    '%s: code, name and errno as facts `status_codes`',
    (name, s) => {
      expect(HvStatus[name as keyof typeof HvStatus]).toBe(s.code);
      expect(hvStatusName(s.code)).toBe(name);
      expect(hvStatusByName(name)).toBe(s.code);
      expect(hvResultToErrno(BigInt(s.code))).toBe(errnoOf(s.errno));
    },
  );

  it('has no row the facts lack', () => {
    expect(HvStatusTable.map((r) => r.code)).toEqual(facts.status_codes.map((s) => s.code));
  });

  it('maps every unknown 16-bit code to -EIO and keeps the raw code in its name', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }).filter((c) => !known.has(c) && c !== 0x75),
        (code) => {
          expect(hvResultToErrno(BigInt(code))).toBe(-Errno.EIO);
          expect(hvStatusName(code)).toBe(`UNKNOWN_0x${code.toString(16).padStart(4, '0')}`);
        },
      ),
    );
    expect(hvStatusName(0x1234)).toBe('UNKNOWN_0x1234');
  });

  it('reads only the low 16 bits: reps completed and other high bits do not change the errno', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...facts.status_codes),
        fc.bigInt({ min: 1n, max: (1n << 48n) - 1n }),
        (s, high) => {
          const word = (high << 16n) | BigInt(s.code);
          fc.pre(word !== 0xffff_ffff_ffff_ffffn);
          expect(hvResultToErrno(word)).toBe(errnoOf(s.errno));
        },
      ),
    );
  });

  it('the all-ones word (no hypercall page) gives -EOPNOTSUPP (facts `hypercall_status_word`)', () => {
    expect(facts.hypercall_status_word.no_hypercall_page).toMatch(/^0xFFFFFFFFFFFFFFFF -> -EOPNOTSUPP$/);
    expect(hvResultToErrno(0xffff_ffff_ffff_ffffn)).toBe(facts.errno_values_linux['-EOPNOTSUPP']);
  });

  it('patch-only INSUFFICIENT_CONTIGUOUS_MEMORY is named but, having no kernel row, maps to -EIO', () => {
    for (const [name, code] of Object.entries(facts.status_codes_patch_only)) {
      const short = stripPrefix(name, 'HV_STATUS_');
      expect(HvStatusPatchOnly[short as keyof typeof HvStatusPatchOnly]).toBe(code);
      expect(hvStatusName(code)).toBe(short);
      expect(hvStatusByName(short)).toBe(code);
      expect(hvResultToErrno(BigInt(code))).toBe(-Errno.EIO);
    }
  });

  it('hvStatusByName answers undefined for a name no table holds', () => {
    expect(hvStatusByName('NOT_A_STATUS')).toBeUndefined();
  });
});
