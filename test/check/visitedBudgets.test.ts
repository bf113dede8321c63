import { describe, expect, it } from 'vitest';
import { VisitedBudgets } from '../../src/check/VisitedBudgets.js';

describe('VisitedBudgets: a state is explored again only with a budget no earlier visit dominates', () => {
  it('admits a new digest and refuses a visit with no more steps and no more faults left', () => {
    const v = new VisitedBudgets();
    expect(v.admit('s', 5, 1)).toBe(true);
    expect(v.admit('s', 5, 1)).toBe(false);
    expect(v.admit('s', 4, 1)).toBe(false);
    expect(v.admit('s', 5, 0)).toBe(false);
    expect(v.admit('s', 0, 0)).toBe(false);
  });

  it('admits a state first reached with its fault spent when it comes back with the fault unspent', () => {
    // BFS reaches a state through [fault, intent] before another node reaches it with no fault:
    // keyed on the digest alone the second visit was dropped, and no fault could be armed from it.
    const v = new VisitedBudgets();
    expect(v.admit('s', 6, 0)).toBe(true);
    expect(v.admit('s', 6, 1)).toBe(true);
    expect(v.admit('s', 5, 1)).toBe(false);
  });

  it('admits more steps left with fewer faults left (DFS: reached higher up the tree)', () => {
    const v = new VisitedBudgets();
    expect(v.admit('s', 2, 2)).toBe(true);
    expect(v.admit('s', 4, 0)).toBe(true);
    expect(v.admit('s', 3, 1)).toBe(true);
    // Every pair at or below one recorded is dominated.
    expect(v.admit('s', 2, 1)).toBe(false);
    expect(v.admit('s', 4, 0)).toBe(false);
    expect(v.admit('s', 1, 2)).toBe(false);
  });

  it('counts distinct digests, not visits', () => {
    const v = new VisitedBudgets();
    v.admit('a', 3, 0);
    v.admit('a', 3, 1);
    v.admit('b', 1, 0);
    expect(v.size).toBe(2);
    expect(v.has('a')).toBe(true);
    expect(v.has('c')).toBe(false);
  });

  it('refuses a negative or fractional budget, naming it', () => {
    const v = new VisitedBudgets();
    expect(() => v.admit('s', -1, 0)).toThrow(/stepsLeft: -1/);
    expect(() => v.admit('s', 1, 0.5)).toThrow(/faultsLeft: 0.5/);
    expect(v.size).toBe(0);
  });
});
