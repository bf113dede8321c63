import type { MshvError } from '../pipeline/driver/IoctlResult.js';

/** What one scenario step returned, against what it expected. */
export interface StepOutcome {
  /** 0-based index in `steps`. */
  readonly index: number;
  readonly op: string;
  readonly partition: string;
  readonly expected: string;
  /** `ok`, the errno name it failed with, `refused` (see `refused`) or `aborted` (see `aborted`). */
  readonly actual: string;
  readonly error?: MshvError;
  /** A short line of what happened (value returned, exits seen). */
  readonly detail: string;
  /** Set when the errno matched but a value the step also expects did not (`readEventfd.expectCount`). */
  readonly mismatch?: string;
  /**
   * Set when the runner did not issue the step's call because it could never return or would lose
   * track of an fd: an MSHV_RUN_VP that would sleep forever (no exit for the VMM, no signal), a
   * createPartition of a name that is still open. `actual` is then `refused`; the step never meets
   * its expect.
   */
  readonly refused?: string;
  /**
   * Set when the step's call never returned: the hypervisor gave an answer the scenario's fault plan
   * planned and the driver model cannot get past (CALL_PENDING whose completion never comes, or
   * comes after the driver model's bounded wait; SUCCESS without running the call). `actual` is then
   * `aborted` and `detail` the driver model's own words; the step never meets its expect and the run
   * stops there (`RunWorld.faultWatch`).
   */
  readonly aborted?: string;
}

/**
 * True when the step returned what it expected.
 *
 * @example
 * stepMet({ ...outcome, expected: 'ok', actual: 'EEXIST' }); // false
 */
export const stepMet = (o: StepOutcome): boolean =>
  o.refused === undefined && o.aborted === undefined && o.expected === o.actual && o.mismatch === undefined;

/**
 * The line a CLI prints for the step that stopped a run.
 *
 * @example
 * describeFailure(report.failed); // 'step 3 (createVp vm0) expected ok but got EEXIST: …'
 * // a refused step: 'step 3 (runVp vm0) expected ok but was not run: MSHV_RUN_VP on VP 0 would sleep forever …'
 * // an aborted step: 'step 1 (rootHvcall vm0) expected ok but never returned: SET_PARTITION_PROPERTY call 1 …'
 */
export function describeFailure(f: StepOutcome): string {
  const head = `step ${f.index} (${f.op} ${f.partition})`;
  if (f.refused !== undefined) return `${head} expected ${f.expected} but was not run: ${f.refused}`;
  if (f.aborted !== undefined) return `${head} expected ${f.expected} but never returned: ${f.aborted}`;
  return f.mismatch === undefined
    ? `${head} expected ${f.expected} but got ${f.actual}: ${f.detail}`
    : `${head} returned ${f.actual} but ${f.mismatch}`;
}
