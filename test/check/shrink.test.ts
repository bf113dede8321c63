import { describe, expect, it } from 'vitest';
import { defaultModel } from '../../src/check/defaultModel.js';
import { enabledIntents } from '../../src/check/enabledIntents.js';
import { Explorer } from '../../src/check/Explorer.js';
import type { Violation } from '../../src/check/invariants/Invariant.js';
import { firstViolation, SHRINK_ATTEMPTS_MAX, shrink, type ShrunkPath } from '../../src/check/shrink.js';
import { describeStep, type Step } from '../../src/check/Step.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import type { JsonValue } from '../../src/log/JsonValue.js';
import { PLANTED } from './plantedVariants.js';

/**
 * Shrinking (issue 6: "drop steps, then faults, then simplify arguments, to a minimal case"): the
 * result is 1-minimal (review of the checker, finding 7): no single step, intent, fault or crash,
 * can be removed with the same invariant still breaking; a VP index and a partition key are renamed
 * across the whole path; the phases repeat until nothing changes, and a budget that runs out is
 * reported.
 */
const model = defaultModel();
const variant = (name: string) => {
  const v = PLANTED.find((p) => p.name === name);
  if (v === undefined) throw new Error(`no planted variant ${name}`);
  return v;
};

/** The enabled intent described as `text` after `path`. */
function pick(ex: Explorer, path: readonly Step[], text: string): Step {
  const w = ex.replay(path);
  const s = enabledIntents(model, w).find((x) => describeStep(x) === text);
  if (s === undefined)
    throw new Error(`no ${text} among ${enabledIntents(model, w).map(describeStep).join(' | ')}`);
  return s;
}

/** A path from step texts (enabled intents) and literal steps. */
function build(ex: Explorer, items: readonly (string | Step)[]): Step[] {
  const p: Step[] = [];
  for (const t of items) p.push(typeof t === 'string' ? pick(ex, p, t) : t);
  return p;
}

const create = (ex: Explorer): Step => {
  const s = enabledIntents(model, ex.world())[0];
  if (s === undefined) throw new Error('no createPartition');
  return s;
};

/** Shrink a path that must violate, and check the result is 1-minimal. */
function shrunk(ex: Explorer, path: readonly Step[]): ShrunkPath {
  const v = firstViolation(ex, path);
  if (v === undefined) throw new Error('the path does not violate');
  const s = shrink(ex, path, v.violation);
  expect(s.reproduced).toBe(true);
  expect(s.exhausted).toBe(false);
  expect(s.violation.invariant).toBe(v.violation.invariant);
  expect(firstViolation(ex, s.path)?.violation.invariant).toBe(v.violation.invariant);
  for (const [i, step] of s.path.entries()) {
    const without = s.path.filter((_, k) => k !== i);
    expect(
      firstViolation(ex, without)?.violation.invariant,
      `dropping step ${i + 1} (${describeStep(step)}) still breaks it`,
    ).not.toBe(v.violation.invariant);
  }
  return s;
}

describe('shrink on the shipped stack (planted variants)', () => {
  it('drops a fault that never fires when it sits next to the needed one (faults one at a time)', () => {
    const ex = new Explorer(model, variant('noDepositRetry'));
    const path = build(ex, [
      create(ex),
      'vm0 INITIALIZE',
      { kind: 'fault', call: 'MAP_GPA_PAGES', status: HvStatus.INSUFFICIENT_MEMORY, skip: 1 },
      { kind: 'fault', call: 'CREATE_VP', status: HvStatus.INSUFFICIENT_MEMORY, skip: 0 },
      'vm0 CREATE_VP {"vp":1}',
    ]);
    const s = shrunk(ex, path);
    expect(s.violation.invariant).toBe('depositRetry');
    expect(s.path.filter((x) => x.kind === 'fault')).toEqual([
      { kind: 'fault', call: 'CREATE_VP', status: HvStatus.INSUFFICIENT_MEMORY, skip: 0 },
    ]);
  });

  it('drops an intent that has a fault armed before it, keeping the fault', () => {
    const ex = new Explorer(model, variant('noDepositRetry'));
    const path = build(ex, [
      create(ex),
      'vm0 INITIALIZE',
      { kind: 'fault', call: 'CREATE_VP', status: HvStatus.INSUFFICIENT_MEMORY, skip: 0 },
      'vm0 FREEZE_TIME',
      'vm0 CREATE_VP {"vp":0}',
    ]);
    const s = shrunk(ex, path);
    expect(s.path.map(describeStep)).not.toContain('vm0 FREEZE_TIME');
    expect(s.path.map((x) => x.kind)).toEqual(['intent', 'intent', 'fault', 'intent']);
  });

  it('renames a VP index used by several steps consistently (vp1 → vp0 everywhere)', () => {
    const ex = new Explorer(model, variant('runAfterFinalize'));
    const path = build(ex, [
      create(ex),
      'vm0 INITIALIZE',
      'vm0 CREATE_VP {"vp":1}',
      'vm0/vp1 READY',
      'vm0/vp1 RUN',
    ]);
    const s = shrunk(ex, path);
    expect(s.path.slice(1).map(describeStep)).toEqual([
      'vm0 INITIALIZE',
      'vm0 CREATE_VP {"vp":0}',
      'vm0/vp0 READY',
      'vm0/vp0 RUN',
    ]);
  });

  it('renames a partition key across the path once the partition before it is dropped (vm1 → vm0)', () => {
    const ex = new Explorer(model, variant('runAfterFinalize'));
    const c0 = create(ex) as Extract<Step, { kind: 'intent' }>;
    const on = (name: string, args: Record<string, JsonValue>): Step => ({
      kind: 'intent',
      name,
      args: { key: 'vm1', ...args },
    });
    const path: Step[] = [
      c0,
      on('createPartition', { args: (c0.args as { args: JsonValue }).args }),
      on('partition', { request: { type: 'INITIALIZE' } }),
      on('partition', { request: { type: 'CREATE_VP', vp: 1 } }),
      on('vp', { vp: 1, request: { type: 'READY' } }),
      on('vp', { vp: 1, request: { type: 'RUN' } }),
    ];
    const s = shrunk(ex, path);
    expect(s.path.map(describeStep).slice(1)).toEqual([
      'vm0 INITIALIZE',
      'vm0 CREATE_VP {"vp":0}',
      'vm0/vp0 READY',
      'vm0/vp0 RUN',
    ]);
    expect(s.path[0]?.kind === 'intent' && (s.path[0].args as { key: string }).key).toBe('vm0');
  });
});

/**
 * A stand-in explorer for the algorithm alone: a world is the list of steps it ran, and `judge`
 * decides the violation with `rule` from that list and the step.
 */
function fakeExplorer(rule: (ran: readonly string[], step: string) => boolean): Explorer {
  const name = (s: Step): string =>
    s.kind === 'intent' ? `${s.name}:${JSON.stringify(s.args)}` : describeStep(s);
  const fake = {
    world: () => ({ crashed: false, ran: [] as string[] }),
    judge: (w: { ran: string[] }, step: Step) => {
      const text = name(step);
      const hit = rule(w.ran, text);
      w.ran.push(text);
      const violation: Violation | undefined = hit ? { invariant: 'windows', message: 'fake' } : undefined;
      return { violation, unchanged: false, operations: 0 };
    },
  };
  return fake as unknown as Explorer;
}

const vpStep = (type: string, vp: number): Step => ({
  kind: 'intent',
  name: 'vp',
  args: { key: 'vm0', vp, request: { type } },
});
const stepName = (s: Step): string => (s.kind === 'intent' ? `${s.name}:${JSON.stringify(s.args)}` : '');
const fakeViolation: Violation = { invariant: 'windows', message: 'fake' };

describe('shrink, the algorithm (a stand-in explorer)', () => {
  it('repeats the phases until nothing changes: a step made unnecessary by a simplification is dropped', () => {
    // X breaks the invariant after A on VP 0, or after A on VP 1 and then C.
    const a0 = stepName(vpStep('A', 0));
    const a1 = stepName(vpStep('A', 1));
    const c = stepName(vpStep('C', 0));
    const ex = fakeExplorer(
      (ran, step) => step.includes('"X"') && (ran.includes(a0) || (ran.includes(a1) && ran.includes(c))),
    );
    const s = shrink(ex, [vpStep('A', 1), vpStep('C', 0), vpStep('X', 0)], fakeViolation);
    expect(s.path.map(stepName)).toEqual([a0, stepName(vpStep('X', 0))]);
    expect(s.exhausted).toBe(false);
  });

  it('says when the attempt budget ran out before the result was 1-minimal', () => {
    // Every one of 1,200 steps is needed: proving that takes more than SHRINK_ATTEMPTS_MAX re-runs.
    const n = 1_200;
    const path = Array.from({ length: n }, (_, i) => vpStep(`S${i}`, 0));
    const ex = fakeExplorer((ran, step) => step.includes(`"S${n - 1}"`) && ran.length === n - 1);
    const s = shrink(ex, path, fakeViolation);
    expect(s.attempts).toBe(SHRINK_ATTEMPTS_MAX);
    expect(s.exhausted).toBe(true);
    expect(s.path).toHaveLength(n);
  });

  it('returns a path whose re-run does not break the invariant as given, unshrunk, and says so', () => {
    const ex = fakeExplorer(() => false);
    const path = [vpStep('A', 1), vpStep('X', 0)];
    const s = shrink(ex, path, fakeViolation);
    expect(s).toMatchObject({ reproduced: false, exhausted: false, attempts: 1, violation: fakeViolation });
    expect(s.path).toEqual(path);
  });
});
