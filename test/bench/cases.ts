/** The bench cases, in report order. A case with `ratio` is reported against a baseline case's metric. */
import { run as pfnLoop } from './cases/pfnLoop.js';
import { runPlaneCase, runScenarioCase } from './cases/replay.js';
import { run2m, run4k } from './cases/stackMap1TiB.js';

export interface BenchCase {
  readonly name: string;
  readonly run: () => Promise<Record<string, number>>;
  readonly ratio?: { readonly baseline: string; readonly metric: string };
}

export const benchCases: readonly BenchCase[] = [
  { name: 'pfn-loop-1tib-4k', run: pfnLoop },
  { name: 'stack-map-1tib-4k', run: run4k, ratio: { baseline: 'pfn-loop-1tib-4k', metric: 'wallMs' } },
  { name: 'stack-map-1tib-2m', run: run2m },
  // Replay rate against the raw read-and-decode rate of the same log (issue 5: replay ≥ 50% of raw).
  { name: 'replay-scenario', run: runScenarioCase },
  { name: 'replay-plane', run: runPlaneCase },
];
