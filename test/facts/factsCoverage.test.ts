/**
 * Every leaf of the reference facts (test/fixtures/mshv-facts.json) is a test vector (issue 2): each
 * is matched by exactly one rule that checks it against the code, or, for prose, says why it is
 * context. A leaf no rule claims fails the run, so a facts file that grows cannot go unchecked; every
 * check is shown to fail on a changed value, so none is vacuous. What the facts do not cover, and how
 * the code resolved it, is docs/FACTS-COVERAGE.md.
 */
import { describe, expect, it } from 'vitest';
import {
  type FactLeaf,
  type FactRule,
  isChecked,
  leavesOf,
  loadFactsDocument,
  matches,
  pathText,
  perturb,
} from './FactRule.js';
import { flagRules } from './rules/flagRules.js';
import { hvStructRules } from './rules/hvStructRules.js';
import { hypercallRules } from './rules/hypercallRules.js';
import { limitRules } from './rules/limitRules.js';
import { uapiRules } from './rules/uapiRules.js';

const RULES: readonly FactRule[] = [
  ...uapiRules,
  ...hvStructRules,
  ...flagRules,
  ...hypercallRules,
  ...limitRules,
];
const LEAVES = leavesOf(loadFactsDocument());

const claimed = (leaf: FactLeaf): FactRule[] => RULES.filter((r) => matches(r.path, leaf.path));
const leavesOfRule = (rule: FactRule): FactLeaf[] => LEAVES.filter((l) => matches(rule.path, l.path));

describe('mshv-facts.json coverage (every leaf is a test vector)', () => {
  it('claims every leaf by exactly one rule', () => {
    const unclaimed = LEAVES.filter((l) => claimed(l).length === 0).map((l) => pathText(l.path));
    const twice = LEAVES.filter((l) => claimed(l).length > 1).map(
      (l) =>
        `${pathText(l.path)}: ${claimed(l)
          .map((r) => r.path)
          .join(', ')}`,
    );
    expect(unclaimed).toEqual([]);
    expect(twice).toEqual([]);
    expect(LEAVES.length).toBeGreaterThan(2000);
  });

  it('has no rule that claims nothing, and lets only prose be context', () => {
    for (const r of RULES) {
      const leaves = leavesOfRule(r);
      expect(leaves.length, r.path).toBeGreaterThan(0);
      if (!isChecked(r)) for (const l of leaves) expect(typeof l.value, pathText(l.path)).toBe('string');
    }
  });

  it('checks signedness, not only width: an `__s32` fd read as `__u32`, or a `__u32` read as `__s32`, fails (inventory §a.4)', () => {
    const rule = RULES.find((r) => r.path === 'structs.*.fields[*].type');
    if (rule === undefined || !isChecked(rule)) throw new Error('no checked rule for uapi field types');
    const typeOf = (struct: string, field: string): FactLeaf => {
      const leaf = leavesOfRule(rule).find(
        (l) => l.path[1] === struct && (l.parent as { name?: unknown }).name === field,
      );
      if (leaf === undefined) throw new Error(`no type leaf for ${struct}.${field}`);
      return leaf;
    };
    const swapped = (struct: string, field: string, to: string): (() => void) => {
      const leaf = typeOf(struct, field);
      return () => {
        rule.check({ ...leaf, value: to });
      };
    };
    expect(swapped('mshv_user_irqfd', 'fd', '__s32')).not.toThrow();
    expect(swapped('mshv_user_irqfd', 'resamplefd', '__u32')).toThrow(/__s32/);
    expect(swapped('mshv_user_ioeventfd', 'fd', '__u32')).toThrow(/__s32/);
    expect(swapped('mshv_user_irqfd', 'gsi', '__s32')).toThrow(/__s32/);
    expect(swapped('mshv_vtl_set_eventfd', 'fd', '__u32')).toThrow(/__s32/);
  });

  describe.each(RULES.filter(isChecked).map((r) => [r.path, r] as const))('%s', (_path, rule) => {
    it(`agrees with ${rule.by}`, () => {
      for (const leaf of leavesOfRule(rule)) {
        try {
          rule.check(leaf);
        } catch (e) {
          throw new Error(`${pathText(leaf.path)} = ${JSON.stringify(leaf.value)}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
    });

    it.skipIf(rule.insensitive !== undefined)(
      'fails when the value is changed (the check is not vacuous)',
      () => {
        const silent = leavesOfRule(rule).filter((leaf) => {
          try {
            rule.check({ ...leaf, value: perturb(leaf.value) });
            return true;
          } catch {
            return false;
          }
        });
        expect(silent.map((l) => `${pathText(l.path)} = ${JSON.stringify(perturb(l.value))}`)).toEqual([]);
      },
    );
  });
});
