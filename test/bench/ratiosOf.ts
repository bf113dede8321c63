import type { BenchCase } from './cases.js';

/** One case's figures as a bench run reports them. */
export interface CaseFigures {
  readonly name: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * The ratios of a bench run: for each case with a `ratio` whose case ran, its metric over its
 * baseline's in the same run (rounded to 3 decimals), named `case/baseline.metric`. A ratio that
 * cannot be formed (the baseline not selected, a metric missing, a zero baseline) is listed in
 * `omitted` with why, so a partial run says what it left out rather than dropping it silently.
 *
 * @example
 * ratiosOf(benchCases, reports).ratios['check-default-2w/check-default-1w.wallMs']; // 0.806
 */
export function ratiosOf(
  cases: readonly BenchCase[],
  reports: readonly CaseFigures[],
): { readonly ratios: Record<string, number>; readonly omitted: Record<string, string> } {
  const byName = new Map(reports.map((r) => [r.name, r]));
  const ratios: Record<string, number> = {};
  const omitted: Record<string, string> = {};
  for (const c of cases) {
    const a = byName.get(c.name);
    if (c.ratio === undefined || a === undefined) continue;
    const key = `${c.name}/${c.ratio.baseline}.${c.ratio.metric}`;
    const b = byName.get(c.ratio.baseline);
    const am = a.metrics[c.ratio.metric];
    const bm = b?.metrics[c.ratio.metric];
    if (b === undefined) omitted[key] = `the baseline case ${c.ratio.baseline} was not run`;
    else if (am === undefined || bm === undefined) omitted[key] = `a case reports no ${c.ratio.metric}`;
    else if (bm <= 0) omitted[key] = `the baseline's ${c.ratio.metric} is ${bm}`;
    else ratios[key] = Math.round((am / bm) * 1000) / 1000;
  }
  return { ratios, omitted };
}
