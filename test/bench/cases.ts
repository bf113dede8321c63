/** The bench cases, in report order. A case with `ratio` is reported against a baseline case's metric. */
import { run as pfnLoop } from './cases/pfnLoop.js';

export interface BenchCase {
  readonly name: string;
  readonly run: () => Promise<Record<string, number>>;
  readonly ratio?: { readonly baseline: string; readonly metric: string };
}

export const benchCases: readonly BenchCase[] = [{ name: 'pfn-loop-1tib-4k', run: pfnLoop }];
