import type { CallPlan } from './CallPlan.js';
import { pageBytes } from './HypercallRecorder.js';
import { issueRep } from './issueRep.js';
import type { WindowedEnv } from './windowedExecutor.js';

/**
 * Issue a filled slow call inside the open interrupt window `window` (resuming a partially completed
 * rep call from reps completed) and record every issue: the control word, the input bytes, the
 * status, and the output the caller may read. Counts the reps each issue ran against the window.
 * Returns the final status word. The caller opened the window and closes it.
 *
 * @example
 * const status = issueWindowed(env, plan, control, window, input);
 */
export function issueWindowed(
  env: WindowedEnv,
  plan: CallPlan,
  control: bigint,
  window: number,
  input: Uint8Array,
): bigint {
  const wantsBytes = env.recorder.wantsBytes;
  return issueRep(
    env.port,
    control,
    plan.repCount,
    env.pages.input,
    env.pages.output,
    (word, sw, result, reps) => {
      const start = Number((word >> 48n) & 0xfffn);
      env.windows.addReps(plan.repCount === 0 ? 1 : Math.max(0, reps - start));
      env.recorder.record({
        name: plan.def.name,
        code: plan.def.code,
        control: word,
        fast: false,
        repCount: plan.repCount,
        repStart: start,
        window,
        input,
        statusWord: sw,
        result,
        repsCompleted: reps,
        output: outputBytes(env, plan, reps, wantsBytes),
        op: plan.op,
      });
    },
  );
}

/**
 * The output bytes a caller uses: the fixed output plus one element per completed rep (undefined when
 * the call has none, or when not `wanted`, as pageBytes decides).
 *
 * @example
 * outputBytes(env, plan, 3, true); // a copy of the output header and 3 elements; undefined for no output
 */
export function outputBytes(
  env: WindowedEnv,
  plan: CallPlan,
  repsCompleted: number,
  wanted: boolean | 'view',
): Uint8Array | undefined {
  const { outputHeaderSize, outputElementSize } = plan.traits;
  const length = outputHeaderSize + repsCompleted * outputElementSize;
  if (length === 0) return undefined;
  return pageBytes(env.pages.output, length, wanted);
}
