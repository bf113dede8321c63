/** The bench cases, in report order. A case with `ratio` is reported against a baseline case's metric. */
import { runOneWorker, runTwoWorkers } from './cases/checkDefault.js';
import { run as pfnLoop } from './cases/pfnLoop.js';
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
  { name: 'check-default-1w', run: runOneWorker },
  { name: 'check-default-2w', run: runTwoWorkers, ratio: { baseline: 'check-default-1w', metric: 'wallMs' } },
];
