import type { MshvError } from '../pipeline/driver/IoctlResult.js';

/** What one scenario step returned, against what it expected. */
export interface StepOutcome {
  /** 0-based index in `steps`. */
  readonly index: number;
  readonly op: string;
  readonly partition: string;
  readonly expected: string;
  /** `ok`, or the errno name it failed with. */
  readonly actual: string;
  readonly error?: MshvError;
  /** A short line of what happened (value returned, exits seen). */
  readonly detail: string;
  /** Set when the errno matched but a value the step also expects did not (`readEventfd.expectCount`). */
  readonly mismatch?: string;
}

/**
 * True when the step returned what it expected.
 *
 * @example
 * stepMet({ ...outcome, expected: 'ok', actual: 'EEXIST' }); // false
 */
export const stepMet = (o: StepOutcome): boolean => o.expected === o.actual && o.mismatch === undefined;

/**
 * The line a CLI prints for the step that stopped a run.
 *
 * @example
 * describeFailure(report.failed); // 'step 3 (createVp vm0) expected ok but got EEXIST: …'
 */
export function describeFailure(f: StepOutcome): string {
  const head = `step ${f.index} (${f.op} ${f.partition})`;
  return f.mismatch === undefined
    ? `${head} expected ${f.expected} but got ${f.actual}: ${f.detail}`
    : `${head} returned ${f.actual} but ${f.mismatch}`;
}
