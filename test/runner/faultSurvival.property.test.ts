/**
 * The faults module's promise (adapters/simulated/faults/FaultPlan.ts): every status a random fault
 * can inject is one the whole stack survives. Each example scenario runs on the simulated stack with
 * seeded random faults among every injectable status, until its first step that does not meet its
 * expect (an injected fault usually); then every fd still open is released. Whatever was injected
 * where: nothing throws, no interrupt window stays open, host pages stay conserved and singly owned,
 * and the driver lets go of every partition.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hvStatusName } from '../../src/hv/HvStatus.js';
import { CountingRecorder } from '../../src/pipeline/HypercallRecorder.js';
import { runScenario } from '../../src/runner/runScenario.js';
import { SimWorld } from '../../src/runner/SimWorld.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';
import type { Scenario } from '../../src/scenario/Scenario.js';
import { injectableStatuses } from '../../adapters/simulated/faults/FaultPlan.js';
import { HANDLERS } from '../../adapters/simulated/handlers/index.js';

const dir = 'docs/scenarios';
const scenarios: Scenario[] = await Promise.all(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readScenarioFile(join(dir, f))),
);

/** Every status some call can be given by a random fault. */
const INJECTABLE = [...new Set(HANDLERS.flatMap((h) => injectableStatuses(h.statuses)))].map(hvStatusName);

describe('the stack survives every injectable fault (faults module)', () => {
  it('injects at least the transient, memory and misuse statuses the faults module documents', () => {
    expect(INJECTABLE).toEqual(
      expect.arrayContaining(['TIME_OUT', 'OPERATION_FAILED', 'INSUFFICIENT_MEMORY', 'INVALID_VP_STATE']),
    );
  });

  it('keeps every scenario conserved and released under seeded random faults', () => {
    fc.assert(
      fc.property(
        fc.nat(scenarios.length - 1),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.subarray(INJECTABLE, { minLength: 1 }),
        fc.double({ min: 0.005, max: 0.2, noNaN: true }),
        (which, seed, statuses, rate) => {
          const scenario = { ...scenarios[which]!, seed };
          const randomFaults = Object.fromEntries(statuses.map((s) => [s, rate]));
          const world = new SimWorld(scenario, new CountingRecorder(), { randomFaults });
          runScenario(scenario, world);
          for (const pt of world.device.partitions()) {
            for (const vp of pt.vps.values()) world.device.close(vp.fd);
            world.device.close(pt.fd);
          }
          expect(world.device.env.windows.current).toBeNull();
          expect(world.machine.audit().violations).toEqual([]);
          expect(world.device.partitions()).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
