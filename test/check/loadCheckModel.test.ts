import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_JSON, defaultModel } from '../../src/check/defaultModel.js';
import { loadCheckModel, parseCheckModelText } from '../../src/check/loadCheckModel.js';
import { PRODUCT_VERSION } from '../../src/check/productVersion.js';
import { ScenarioError } from '../../src/scenario/ScenarioError.js';

const base = { format: 1, name: 'tiny', world: { seed: 1 }, intents: [] };

function error(json: unknown): ScenarioError {
  try {
    loadCheckModel(json);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('loaded');
}

describe('check model files (docs/guide/check.md)', () => {
  it('the default model is the documented file, and loads', () => {
    const file: unknown = JSON.parse(readFileSync('docs/check/default-model.json', 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(DEFAULT_MODEL_JSON)));
    const m = defaultModel();
    expect(m.bounds).toEqual({ partitions: 1, vps: 2, steps: 8, regions: 2, faults: 1, states: 200_000 });
    expect(m.world.hypervisor.repTimeSlice).toBe(16);
    expect(m.intents.length).toBeGreaterThan(10);
    expect(m.faults.map((f) => f.call)).toContain('MAP_GPA_PAGES');
  });

  it('fills every default', () => {
    const m = loadCheckModel(base);
    expect(m.bounds.steps).toBe(8);
    expect(m.crash).toBe(false);
    expect(m.symmetry).toEqual({ partitions: true, vps: true });
    expect(m.world.hypervisor.scheduler).toBe('core-smt');
    expect(m.dfsSplitDepth).toBe(3);
  });

  it.each([
    [{ ...base, format: 2 }, '$.format', 'format'],
    [{ name: 'tiny', world: { seed: 1 }, intents: [] }, '$.format', 'required'],
    [{ ...base, extra: 1 }, '$.extra', 'unknown-field'],
    [{ ...base, bounds: { vps: 300 } }, '$.bounds.vps', 'range'],
    [{ ...base, bounds: { steps: 0 } }, '$.bounds.steps', 'range'],
    [{ ...base, world: {} }, '$.world.seed', 'required'],
    [{ ...base, intents: [{ intent: 'reboot' }] }, '$.intents[0].intent', 'unknown-name'],
    [
      { ...base, intents: [{ intent: 'partition', request: { type: 'INITIALISE' } }] },
      '$.intents[0].request.type',
      'unknown-name',
    ],
    [
      { ...base, intents: [{ intent: 'vp', request: { type: 'RUN', partition: 'running' } }] },
      '$.intents[0].request.partition',
      'conflict',
    ],
    [
      { ...base, intents: [{ intent: 'createPartition', flags: ['LAPIX'] }] },
      '$.intents[0].flags[0]',
      'unknown-name',
    ],
    [
      { ...base, intents: [{ intent: 'guest', exits: [{ exit: 'HALT', x: 1 }] }] },
      '$.intents[0].exits[0].x',
      'unknown-field',
    ],
    [{ ...base, intents: [{ intent: 'signalIrqfd', fd: 5 }] }, '$.intents[0].fd', 'unknown-field'],
    [{ ...base, crashInside: true }, '$.crashInside', 'conflict'],
    [{ ...base, faults: [{ call: 'CREATE_VP', status: 'NO_RESOURCES' }] }, '$.faults[0].status', 'range'],
    // A late completion (issue 6): CALL_PENDING needs its delay, only on the async call, bounded.
    [
      { ...base, faults: [{ call: 'SET_PARTITION_PROPERTY', status: 'CALL_PENDING' }] },
      '$.faults[0].completionDelayNs',
      'required',
    ],
    [
      { ...base, faults: [{ call: 'CREATE_VP', status: 'CALL_PENDING', completionDelayNs: 1000 }] },
      '$.faults[0].completionDelayNs',
      'conflict',
    ],
    [
      {
        ...base,
        faults: [{ call: 'SET_PARTITION_PROPERTY', status: 'TIME_OUT', completionDelayNs: 1000 }],
      },
      '$.faults[0].completionDelayNs',
      'conflict',
    ],
    [
      {
        ...base,
        faults: [{ call: 'SET_PARTITION_PROPERTY', status: 'CALL_PENDING', completionDelayNs: '1000000000' }],
      },
      '$.faults[0].completionDelayNs',
      'range',
    ],
    [
      {
        ...base,
        faults: [{ call: 'SET_PARTITION_PROPERTY', status: 'CALL_PENDING', completionDelayNs: -1 }],
      },
      '$.faults[0].completionDelayNs',
      'negative',
    ],
    [
      { ...base, faults: [{ call: 'MAP_GPA_PAGE', status: 'ACCESS_DENIED' }] },
      '$.faults[0].call',
      'unknown-name',
    ],
    [{ ...base, random: { faultRateMax: 2 } }, '$.random.faultRateMax', 'range'],
  ])('%j is refused at %s (%s)', (json, path, rule) => {
    const e = error(json);
    expect(e.path).toBe(path);
    expect(e.rule).toBe(rule);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  it('a fault status names what the call can return', () => {
    expect(error({ ...base, faults: [{ call: 'CREATE_VP', status: 'NO_RESOURCES' }] }).message).toContain(
      'INSUFFICIENT_MEMORY',
    );
  });

  it('text errors carry the line and column', () => {
    expect(() =>
      parseCheckModelText('{"format": 1, "name": "t", "world": {"seed": 1},\n "intents": 7}'),
    ).toThrow(/line 2, column 13: \$\.intents: /);
  });

  it("the product version the logs name is package.json's", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(PRODUCT_VERSION).toBe(pkg.version);
  });
});
