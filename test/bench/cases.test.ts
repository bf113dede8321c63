import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchCases, MAP_1TIB_PEAK_RSS_MIB_MAX, selectCases } from './cases.js';
import { ratiosOf } from './ratiosOf.js';

describe('bench case registry (npm run bench)', () => {
  it('registers every file under cases/ as a group, with unique case names', () => {
    const files = readdirSync(new URL('./cases/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect([...new Set(benchCases.map((c) => c.group))].sort()).toEqual(files);
    expect(new Set(benchCases.map((c) => c.name)).size).toBe(benchCases.length);
  });

  it('selects by case name or by group, in report order; nothing named selects all', () => {
    expect(selectCases([])).toBe(benchCases);
    expect(selectCases(['pfnLoop', 'simMap1TiB', 'stackMap1TiB']).map((c) => c.name)).toEqual([
      'pfn-loop-1tib-4k',
      'stack-map-1tib-4k',
      'stack-map-1tib-2m',
      'sim-map-1tib-4k',
    ]);
    expect(selectCases(['stack-map-1tib-2m']).map((c) => c.name)).toEqual(['stack-map-1tib-2m']);
  });

  it('refuses a name that selects nothing, naming what exists', () => {
    expect(() => selectCases(['simMap', 'pfnLoop'])).toThrow(
      /unknown case 'simMap'; known: pfnLoop, pfn-loop-1tib-4k/,
    );
  });

  it('holds every 1 TiB 4K map/unmap case to the 512 MiB peak RSS of issue 3', () => {
    const bounded = benchCases.filter((c) => c.peakRssMiBMax !== undefined).map((c) => c.name);
    expect(bounded).toEqual(['stack-map-1tib-4k', 'sim-map-1tib-4k', 'scenario-1tib-4k']);
    expect(MAP_1TIB_PEAK_RSS_MIB_MAX).toBe(512);
  });
});

describe('bench ratios (same-run baselines)', () => {
  const figures = (name: string, wallMs: number) => ({ name, metrics: { wallMs } });

  it('divides a case by its baseline measured in the same run, and names a ratio it cannot form', () => {
    const { ratios, omitted } = ratiosOf(benchCases, [
      figures('check-default-1w', 13_000),
      figures('check-default-2w', 10_400),
      figures('native-model', 52),
    ]);
    expect(ratios).toEqual({ 'check-default-2w/check-default-1w.wallMs': 0.8 });
    expect(omitted).toEqual({
      'native-model/device-direct.wallMs': 'the baseline case device-direct was not run',
    });
  });

  it('names a zero baseline or a missing metric instead of dividing', () => {
    const { ratios, omitted } = ratiosOf(benchCases, [
      figures('device-direct', 0),
      figures('native-model', 52),
      { name: 'pfn-loop-1tib-4k', metrics: {} },
      figures('stack-map-1tib-4k', 12_000),
    ]);
    expect(ratios).toEqual({});
    expect(omitted).toEqual({
      'native-model/device-direct.wallMs': "the baseline's wallMs is 0",
      'stack-map-1tib-4k/pfn-loop-1tib-4k.wallMs': 'a case reports no wallMs',
    });
  });
});
