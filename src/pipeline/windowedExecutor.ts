import type { HypervisorPort } from '../ports/HypervisorPort.js';
import type { CallOutcome, CallPlan } from './CallPlan.js';
import type { CpuPages } from './CpuPages.js';
import type { Executor } from './Executor.js';
import { type InputFiller, zeroThenFill } from './fillInputPage.js';
import { type HypercallRecorder, pageBytes } from './HypercallRecorder.js';
import { checkPlanFits } from './checkPlanFits.js';
import { issueWindowed, outputBytes } from './issueWindowed.js';
import { readStatusWord } from './readStatusWord.js';
import { slowControlWord } from './slowControlWord.js';
import type { WindowTracker } from './WindowTracker.js';

export interface WindowedEnv {
  readonly port: HypervisorPort;
  readonly pages: CpuPages;
  readonly windows: WindowTracker;
  readonly recorder: HypercallRecorder;
  /** Defaults to the kernel's zero-then-fill. */
  readonly fill?: InputFiller;
}

/**
 * The slow path: check that the plan fits its batch bound and the input page (`checkPlanFits`: a
 * RangeError before any window opens), open an interrupt window, zero and fill the per-CPU input
 * page, issue (resuming a partially completed rep call from reps completed, in the same window), copy
 * the output out, close the window. The window closes on every path, errors and exceptions included
 * (inventory §b.1: local_irq_save … local_irq_restore around the per-CPU pages). The final status is
 * read by `readStatusWord`: an all-ones word is a failure with no rep done, and more reps completed
 * than issued throws.
 *
 * @example
 * const exec = windowedExecutor({ port, pages, windows, recorder });
 * const outcome = exec(plan);
 */
export function windowedExecutor(env: WindowedEnv): Executor {
  const fill = env.fill ?? zeroThenFill;
  return (plan: CallPlan): CallOutcome => {
    const { traits } = plan;
    const listCount = plan.listCount ?? plan.repCount;
    checkPlanFits(plan, listCount);
    const inputLength = traits.headerSize + listCount * traits.elementSize;
    const control = slowControlWord(plan);
    const window = env.windows.open();
    try {
      fill(plan, env.pages.input, plan.listFrom ?? 0, listCount);
      const input = pageBytes(env.pages.input, inputLength, env.recorder.wantsBytes);
      const status = issueWindowed(env, plan, control, window, input);
      const read = readStatusWord(plan, status);
      const output = outputBytes(env, plan, read.repsCompleted, true);
      // One object shape on the hot path; the all-ones word adds its flag.
      return read.noHypercallPage === true
        ? { plan, result: read.result, repsCompleted: 0, noHypercallPage: true, output, depositedPages: 0 }
        : { plan, result: read.result, repsCompleted: read.repsCompleted, output, depositedPages: 0 };
    } finally {
      env.windows.close(window);
    }
  };
}
