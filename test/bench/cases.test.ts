import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchCases, MAP_1TIB_PEAK_RSS_MIB_MAX, selectCases } from './cases.js';

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
