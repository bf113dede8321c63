import { encodeControl } from '../hv/ControlWord.js';
import type { HypervisorPort } from '../ports/HypervisorPort.js';
import type { CallOutcome, CallPlan } from './CallPlan.js';
import type { Executor } from './Executor.js';
import type { HypercallRecorder } from './HypercallRecorder.js';
import { readStatusWord } from './readStatusWord.js';

export interface FastEnv {
  readonly port: HypervisorPort;
  readonly recorder: HypercallRecorder;
}

/**
 * Fast hypercalls (fast8 / fast16): the input travels in registers (RDX, R8), no per-CPU page is
 * touched and no interrupt window is opened (seed review point 10: IRQ save/restore around fast calls
 * is unnecessary). The register bytes are the little-endian encoding of the call's input layout, so
 * reserved bits (DISCONNECT_PORT's bits above is_doorbell) are zero by construction.
 *
 * @example
 * fastExecutor({ port, recorder })(finalizePlan);
 */
export function fastExecutor(env: FastEnv): Executor {
  return (plan: CallPlan): CallOutcome => {
    const layout = plan.def.input;
    if (layout === undefined || (layout.size !== 8 && layout.size !== 16)) {
      throw new Error(`${plan.def.name}: a fast call needs an 8- or 16-byte register layout`);
    }
    const regs = new DataView(new ArrayBuffer(16));
    layout.encode(plan.header, regs, 0);
    const rdx = regs.getBigUint64(0, true);
    const r8 = regs.getBigUint64(8, true);
    const control = encodeControl({ code: plan.def.code, fast: true });
    const status =
      layout.size === 8 ? env.port.fastHypercall8(control, rdx) : env.port.fastHypercall16(control, rdx, r8);
    const { result, noHypercallPage } = readStatusWord(plan, status);
    env.recorder.record({
      name: plan.def.name,
      code: plan.def.code,
      control,
      fast: true,
      repCount: 0,
      repStart: 0,
      window: null,
      input: new Uint8Array(regs.buffer, 0, layout.size),
      statusWord: status,
      result,
      repsCompleted: 0,
      output: undefined,
      op: plan.op,
    });
    const outcome: CallOutcome = { plan, result, repsCompleted: 0, output: undefined, depositedPages: 0 };
    return noHypercallPage === true ? { ...outcome, noHypercallPage } : outcome;
  };
}
