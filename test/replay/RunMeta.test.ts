import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeHeader } from '../../src/log/LogHeader.js';
import { PRODUCT_VERSION } from '../../src/productVersion.js';
import { readRunMeta, runHeader, runMetaJson, type RunMeta } from '../../src/replay/RunMeta.js';
import { readScenarioFile } from '../../src/scenario/readScenarioFile.js';

describe('the run meta of a log header', () => {
  it('round-trips the world (seed, scheduler, rep time slice, fault plan, host memory) and the knobs', async () => {
    const faults = await readScenarioFile('docs/scenarios/faults.json');
    const meta: RunMeta = {
      vocabulary: 'control-plane',
      world: { ...faults, hypervisor: { ...faults.hypervisor, repTimeSlice: 7 }, steps: [] },
      snapshotEvery: 99,
      worldCodec: 'replay-prefix',
      randomFaults: { INSUFFICIENT_MEMORY: 0.25 },
    };
    const header = makeHeader(runHeader(meta, 'test', { scenario: 'faults' }));
    expect(header).toMatchObject({
      seed: '29',
      productVersion: PRODUCT_VERSION,
      meta: { scenario: 'faults' },
    });
    const read = readRunMeta(header);
    expect(read).toEqual({ ok: true, value: meta });
    expect(read.ok && read.value.world.hypervisor.faults).toHaveLength(5);
  });

  it('names the field of a header that does not describe a replayable run', async () => {
    const world = { ...(await readScenarioFile('docs/scenarios/faults.json')), steps: [] };
    const good = runMetaJson({
      vocabulary: 'scenario',
      world,
      snapshotEvery: 0,
      worldCodec: 'replay-prefix',
    });
    const run = good.run as Record<string, unknown>;
    const header = (meta: Record<string, unknown>, seed = 29) =>
      makeHeader({ seed, productVersion: 'x', createdBy: 'test', meta: meta as never });
    const error = (meta: Record<string, unknown>, seed?: number) => {
      const r = readRunMeta(header(meta, seed));
      return r.ok ? 'ok' : r.error;
    };
    expect(error(good)).toBe('ok');
    expect(error({})).toMatch(/^header meta\.run: missing/);
    expect(error({ run: { ...run, version: 2 } })).toBe(
      'header meta.run.version: 2 is not supported (this build reads 1)',
    );
    expect(error({ run: { ...run, vocabulary: 'api' } })).toBe(
      'header meta.run.vocabulary: expected one of scenario, control-plane',
    );
    expect(error({ run: { ...run, snapshotEvery: -1 } })).toBe(
      'header meta.run.snapshotEvery: expected a non-negative integer',
    );
    expect(error({ run: { ...run, world: { ...(run.world as object), seed: 'x' } } })).toMatch(
      /^header meta\.run\.world: \$\.seed: /,
    );
    expect(error(good, 30)).toBe("header meta.run.world.seed: 29 differs from the header's seed 30");
    expect(error({ run: { ...run, randomFaults: { ACCESS_DENIED: 2 } } })).toBe(
      'header meta.run.randomFaults.ACCESS_DENIED: expected a probability in [0, 1]',
    );
    for (const lost of [0, -1, 1.5, 2 ** 32, 'some', null])
      expect(error({ run: { ...run, lostSignals: lost } })).toBe(
        'header meta.run.lostSignals: expected a u32 from 1, or "all"',
      );
    expect(error({ run: { ...run, lostSignals: 'all', snapshotEvery: 64 } })).toBe(
      'header meta.run.lostSignals: a world that loses signals writes no snapshots (snapshotEvery is 64): the signals still to lose are not in them',
    );
  });

  it('round-trips lostSignals (a checker world that loses the first signals to VP threads): a count, or "all" for every one', async () => {
    const world = { ...(await readScenarioFile('docs/scenarios/faults.json')), steps: [] };
    for (const [lostSignals, written] of [
      [3, 3],
      [Number.POSITIVE_INFINITY, 'all'],
    ] as const) {
      const meta: RunMeta = {
        vocabulary: 'control-plane',
        world,
        snapshotEvery: 0,
        worldCodec: 'sim-world-v1',
        lostSignals,
      };
      const header = makeHeader(runHeader(meta, 'test'));
      expect(header.meta.run).toMatchObject({ lostSignals: written });
      expect(readRunMeta(header)).toEqual({ ok: true, value: meta });
    }
  });

  it('PRODUCT_VERSION is package.json’s version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(PRODUCT_VERSION).toBe(pkg.version);
  });
});
