/**
 * Issue 3: seeded random faults, "each documented at the top of the faults module with why the system
 * must survive it". The module's header must name every status a random fault can inject and nothing
 * it cannot; each named status must really be injectable (test/runner/faultSurvival.property.test.ts
 * checks the stack survives them).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/det/Rng.js';
import { HvStatusPatchOnly, HvStatusTable, hvStatusByName, hvStatusName } from '../../src/hv/HvStatus.js';
import { FaultPlan, injectableStatuses } from '../../adapters/simulated/faults/FaultPlan.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';

const source = readFileSync(new URL('../../adapters/simulated/faults/FaultPlan.ts', import.meta.url), 'utf8');
const header = source.slice(0, source.indexOf('\nimport '));
const ALL_NAMES = [...HvStatusTable.map((s) => s.name as string), ...Object.keys(HvStatusPatchOnly)];
const INJECTABLE = new Set(HANDLERS.flatMap((h) => injectableStatuses(h.statuses)).map(hvStatusName));
const named = (name: string): boolean => new RegExp(`(^|[^A-Z_])${name}([^A-Z_]|$)`).test(header);

describe('faults module documentation', () => {
  it('names every injectable status in its header, with the reason after it', () => {
    expect([...INJECTABLE].filter((n) => !named(n))).toEqual([]);
    expect(header).toMatch(/What each fault models and why the system must survive it:/);
  });

  it('names no status a random fault cannot inject, except CALL_PENDING, which it says is never injected', () => {
    const mentioned = ALL_NAMES.filter(named);
    expect(mentioned.filter((n) => !INJECTABLE.has(n) && n !== 'CALL_PENDING')).toEqual([]);
    expect(INJECTABLE.has('CALL_PENDING')).toBe(false);
    expect(header).toMatch(/CALL_PENDING is never injected at random/);
  });

  it('injects each documented status on some call when its rate is 1', () => {
    for (const name of INJECTABLE) {
      const code = hvStatusByName(name) ?? -1;
      const h = HANDLERS.find((x) => injectableStatuses(x.statuses).includes(code));
      expect(h, name).toBeDefined();
      const plan = new FaultPlan([], { [name]: 1 }, new Rng(1));
      plan.planned(h?.def.name ?? '');
      expect(plan.random(h?.def.name ?? '', h?.statuses ?? [], 0)?.status, name).toBe(code);
    }
  });

  it('never injects a status outside what the call can give', () => {
    const plan = new FaultPlan([], { INVALID_PORT_ID: 1, NO_RESOURCES: 1 }, new Rng(1));
    const create = HANDLERS.find((h) => h.def.name === 'CREATE_PARTITION');
    expect(plan.random('CREATE_PARTITION', create?.statuses ?? [], 0)).toBeUndefined();
  });
});
