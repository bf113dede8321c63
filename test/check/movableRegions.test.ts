import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckVariant } from '../../src/check/CheckVariant.js';
import { counterexampleFromJson, counterexampleJson, reproduce } from '../../src/check/Counterexample.js';
import { loadCheckModel } from '../../src/check/loadCheckModel.js';
import { runCheck } from '../../src/check/runCheck.js';

const model = loadCheckModel(JSON.parse(readFileSync('docs/check/movable-regions.json', 'utf8')));

/** A movable region's destruction unmaps all of it (the direction of an April 2026 series under review). */
const wholeRegionUnmap: CheckVariant = {
  name: 'wholeRegionUnmap',
  world: { hooks: { movableUnmapRanges: (r) => [{ pageOffset: 0, pages: r.pages, large: false }] } },
};

/** The kernel before the March 2026 fix: any access at a movable GFN is faulted in, permitted or not. */
const faultAnyAccess: CheckVariant = {
  name: 'faultAnyAccess',
  world: {
    hooks: {
      ...wholeRegionUnmap.world?.hooks,
      gpaFaultRegion: (pt, gfn) => {
        const r = pt.regionAt(gfn);
        return r?.kind === 'movable' ? r : undefined;
      },
    },
  },
};

/** A driver whose MMU notifier forgets the pages without remapping them no-access first. */
const forgetWithoutRemap: CheckVariant = {
  name: 'forgetWithoutRemap',
  world: {
    hooks: {
      ...wholeRegionUnmap.world?.hooks,
      invalidateMovable: (_env, _pt, region, pageOffset, pages) => {
        for (const f of [...(region.faulted?.values() ?? [])])
          if (f.pageOffset < pageOffset + pages && f.pageOffset + f.pages > pageOffset)
            region.faulted?.delete(f.pageOffset);
        return true;
      },
    },
  },
};

/**
 * A migration's counterexample: the guest still maps pages the host freed (the host audit, under
 * `conservation`), the migration its last intent, at most 12 steps, reproduced.
 */
function expectFreedUnderGuest(r: Awaited<ReturnType<typeof runCheck>>): void {
  const cex = r.counterexample;
  if (cex === undefined) throw new Error('no counterexample');
  expect(cex.invariant).toBe('conservation');
  expect(cex.message).toMatch(/is free but mapped into a guest/);
  expect(cex.intents.at(-1)?.name).toBe('migrateUserPages');
  expect(cex.steps.length).toBeLessThanOrEqual(12);
  expect(r.reproduced).toBe(true);
}

describe('docs/check/movable-regions.json: NEW movable RAM regions under the checker (docs/DECISIONS.md 4)', () => {
  it('finds the no-access rest NEW leaves mapped when it unmaps a movable region: 4 intents, reproduced', async () => {
    expect(model.world.kernel).toEqual({ ramRegions: 'movable' });
    const r = await runCheck({ model, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    const cex = r.counterexample;
    if (cex === undefined) throw new Error('no counterexample');
    expect(cex.invariant).toBe('refinement');
    expect(cex.message).toMatch(/the driver's regions hold 0 pages, the hypervisor maps \d+/);
    expect(cex.intents.map((i) => (i.name === 'partition' ? JSON.stringify(i.args) : i.name))).toHaveLength(
      4,
    );
    expect(r.reproduced).toBe(true);
    const again = counterexampleFromJson(JSON.parse(JSON.stringify(counterexampleJson(cex))));
    expect(reproduce(again)?.invariant).toBe('refinement');
    expect(reproduce(again, wholeRegionUnmap)).toBeUndefined();
  });

  it('with the whole region unmapped, the model is clean: guest accesses fault in, runs reach the VMM, host migrations invalidate, crashes recover', async () => {
    const r = await runCheck({ model, variant: wholeRegionUnmap, strategy: 'bfs' });
    expect(r.verdict).toBe('clean');
    expect(r.coverage.intents['migrateUserPages → done'] ?? 0).toBeGreaterThan(0);
    expect(r.states).toBeGreaterThan(200);
    expect(r.coverage.intents['vp RUN → done'] ?? 0).toBeGreaterThan(0);
    expect(r.coverage.calls['MAP_GPA_PAGES SUCCESS'] ?? 0).toBeGreaterThan(0);
  });

  it('a host migration whose no-access remap the hypervisor refuses leaves the guest mapping pages the host freed: found, reproduced (the kernel only WARNs)', async () => {
    // Any MAP_GPA_PAGES refused at its first issue, so the MMU notifier's single remap can fail.
    const refuseFirst = { ...model, faults: [...model.faults, { ...model.faults[1]!, skip: 0 }] };
    expect(refuseFirst.faults.at(-1)).toMatchObject({ call: 'MAP_GPA_PAGES', skip: 0 });
    const r = await runCheck({ model: refuseFirst, variant: wholeRegionUnmap, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    expectFreedUnderGuest(r);
  });

  it('a notifier that forgets the pages without remapping them no-access is found: the guest keeps the moved pages', async () => {
    const r = await runCheck({ model, variant: forgetWithoutRemap, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    expectFreedUnderGuest(r);
  });

  it('the kernel before the March 2026 fix spins on a write to the read-only region: found in at most 12 steps', async () => {
    const r = await runCheck({ model, variant: faultAnyAccess, strategy: 'bfs' });
    expect(r.verdict).toBe('violation');
    const cex = r.counterexample;
    if (cex === undefined) throw new Error('no counterexample');
    // The step that reaches the write throws (the model's livelock bound); the first invariant to
    // judge the world after it names what the throw left behind (checks run liveness last).
    const threw = cex.trace.find((line) => line.includes('threw:'));
    expect(threw).toContain('GPA intercepts the kernel handled without an exit');
    expect(['liveness', 'refinement']).toContain(cex.invariant);
    expect(cex.steps.length).toBeLessThanOrEqual(12);
    expect(r.reproduced).toBe(true);
  });
});
