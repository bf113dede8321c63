import { describe, expect, it } from 'vitest';
import {
  HypercallCode,
  OtherHypercallCode,
  hypercallName,
  isHypercallName,
} from '../../src/hv/HypercallCode.js';
import { loadHypercallFacts, stripPrefix } from './hypercalls/facts.js';

const facts = loadHypercallFacts();
const issued = facts.hypercalls.map((h) => [stripPrefix(h.name, 'HVCALL_'), h.code] as const);
const other = Object.entries(facts.other_hypercall_codes).map(
  ([n, c]) => [stripPrefix(n, 'HVCALL_'), c] as const,
);

describe('hypercall call codes (inventory §b.4)', () => {
  it.each(issued)('%s = facts code, and the code names it back', (name, code) => {
    expect(HypercallCode[name as keyof typeof HypercallCode]).toBe(code);
    expect(hypercallName(code)).toBe(name);
    expect(isHypercallName(name)).toBe(true);
  });

  it.each(other)('%s (not issued by mshv_root) = facts code, and decodes back', (name, code) => {
    expect(OtherHypercallCode[name as keyof typeof OtherHypercallCode]).toBe(code);
    expect(hypercallName(code)).toBe(name);
    expect(isHypercallName(name)).toBe(false);
  });

  it('holds exactly the facts codes, with no code defined twice', () => {
    expect(Object.entries(HypercallCode).sort()).toEqual([...issued].sort());
    expect(Object.entries(OtherHypercallCode).sort()).toEqual([...other].sort());
    const all = [...Object.values(HypercallCode), ...Object.values(OtherHypercallCode)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('answers undefined for a code no header defines and false for unknown names', () => {
    expect(hypercallName(0x0001)).toBeUndefined();
    expect(hypercallName(0xffff)).toBeUndefined();
    expect(isHypercallName('NOT_A_CALL')).toBe(false);
    expect(isHypercallName('toString')).toBe(false);
  });
});
