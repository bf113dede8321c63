import { describe, expect, it } from 'vitest';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';
import { VMM_KEEPS_REGISTER_PAGES } from './plantedVariants.js';

/** The default model whose VMM maps each VP's register page (as rust-vmm and cloud-hypervisor do). */
const model = loadCheckModel({
  ...DEFAULT_MODEL_JSON,
  world: { ...DEFAULT_MODEL_JSON.world, vmm: { mapVpRegisterPages: true } },
  bounds: { ...DEFAULT_MODEL_JSON.bounds, states: 2_000 },
});

describe('a VMM that maps VP register pages, in the checker (vmm-lifecycle-rules: rust-vmm/mshv issue 194)', () => {
  it('the shipped VMM unmaps them: clean within 2,000 states, crashes and recovery included', async () => {
    const r = await runCheck({ model, strategy: 'bfs' });
    expect(r.verdict).not.toBe('violation');
    expect(r.states).toBe(2_000);
  });

  it('a VMM that never unmaps them leaks the partitions it closes: the machine says closed, the hypervisor holds it (refinement, 4 steps)', async () => {
    const r = await runCheck({ model, variant: VMM_KEEPS_REGISTER_PAGES, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    const cex = r.counterexample;
    if (cex === undefined) throw new Error('no counterexample');
    expect(cex.invariant).toBe('refinement');
    expect(cex.steps.map((s) => (s.kind === 'intent' ? s.name : s.kind))).toHaveLength(4);
    expect(cex.trace.at(-1)).toContain('the machine is closed');
    expect(r.reproduced).toBe(true);
    // The file form carries the world's VMM: it reproduces on the variant, not on the shipped VMM.
    const json = JSON.parse(JSON.stringify(counterexampleJson(cex))) as { world: { vmm?: unknown } };
    expect(json.world.vmm).toEqual({ mapVpRegisterPages: true });
    const again = counterexampleFromJson(json);
    expect(reproduce(again, VMM_KEEPS_REGISTER_PAGES)?.invariant).toBe('refinement');
    expect(reproduce(again)).toBeUndefined();
  });
});
