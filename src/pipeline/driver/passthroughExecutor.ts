import type { HypercallDef } from '../../hv/Hypercall.js';
import type { HvPage } from '../../ports/HvPage.js';
import type { HypervisorPort } from '../../ports/HypervisorPort.js';
import { type HypercallRecorder, pageBytes } from '../HypercallRecorder.js';
import { issueRep } from '../issueRep.js';

/** One MSHV_ROOT_HVCALL issue on the passthrough path's own pages. */
export interface PassthroughCall {
  readonly def: HypercallDef;
  /** `reps` as the caller gave it (u16); 0 issues a plain hypercall. */
  readonly reps: number;
  /** Rep start preset (hv_do_rep_hypercall_ex): where a retry after a deposit resumes. */
  readonly repStart: number;
  readonly input: HvPage;
  readonly inputLength: number;
  readonly output: HvPage | null;
  readonly outputLength: number;
  readonly op: string;
}

/** Issues a passthrough call and returns the final status word (after any rep resume). */
export type PassthroughExecutor = (call: PassthroughCall) => bigint;

/**
 * The executor for MSHV_ROOT_HVCALL (inventory §b.1 exceptions, §d). The passthrough allocates its
 * own input (and output) page in the kernel instead of using the per-CPU pages, and issues with
 * interrupts on. No interrupt window is opened: a window is the span in which a CPU owns its per-CPU
 * pages with interrupts off, and this path touches neither; opening one would only inflate the
 * window statistics. Calls are recorded with `window: null`, like fast calls, but with `fast: false`
 * (docs/scenario-format.md, Extensions: the trace's one exception to "null for fast calls"), and
 * `repCount` is the control word's rep count field, as issued.
 *
 * The control word is built the kernel's way, without masking: code | reps << 32 | rep start << 48.
 * A u16 `reps` above 4095 therefore spills into reserved bits 44–47, which the hypervisor rejects.
 * With reps > 0 a partial success resumes from reps completed (issueRep), as hv_do_rep_hypercall_ex
 * does.
 *
 * @example
 * const pass = passthroughExecutor({ port, recorder });
 * pass({ def, reps: 0, repStart: 0, input, inputLength: 16, output: null, outputLength: 0, op: 'MSHV_ROOT_HVCALL' });
 */
export function passthroughExecutor(env: {
  readonly port: HypervisorPort;
  readonly recorder: HypercallRecorder;
}): PassthroughExecutor {
  return (call) => {
    const control = BigInt(call.def.code) | (BigInt(call.reps) << 32n) | (BigInt(call.repStart) << 48n);
    const wantsBytes = env.recorder.wantsBytes;
    const input = pageBytes(call.input, call.inputLength, wantsBytes);
    return issueRep(
      env.port,
      control,
      call.reps,
      call.input,
      call.output,
      (word, statusWord, result, reps) => {
        env.recorder.record({
          name: call.def.name,
          code: call.def.code,
          control: word,
          fast: false,
          // What was issued: the control word's 12-bit rep count (bits 32–43), not the u16 `reps`,
          // whose bits above 4095 land in the reserved bits 44–47 instead.
          repCount: Number((word >> 32n) & 0xfffn),
          repStart: Number((word >> 48n) & 0xfffn),
          window: null,
          input,
          statusWord,
          result,
          repsCompleted: reps,
          output:
            call.output === null || call.outputLength === 0
              ? undefined
              : pageBytes(call.output, call.outputLength, wantsBytes),
          op: call.op,
        });
      },
    );
  };
}
