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
}

/** True when the step returned what it expected. */
export const stepMet = (o: StepOutcome): boolean => o.expected === o.actual;
