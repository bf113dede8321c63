/**
 * The x86-64 register order of a hypercall (mshv-facts.json `x86_64_registers`): control in RCX,
 * input GPA or first fast input in RDX, output GPA or second fast input in R8, status back in RAX.
 * The project models registers only as the HypervisorPort's argument order (src/ports/HypervisorPort:
 * `fastHypercall8(control = RCX, input = RDX)`, `fastHypercall16(control, input0 = RDX, input1 = R8)`,
 * the return value = RAX), which the fast executor fills. Review finding 10 found the facts leaves
 * claimed by a context rule only; this checks them against what the executor passes. (The native
 * adapter issues no hypercall itself: the kernel does, from the same words.)
 */
import { describe, expect, it } from 'vitest';
import { decodeControl } from '../../src/hv/ControlWord.js';
import { encodeStatus } from '../../src/hv/StatusWord.js';
import { DeleteVp } from '../../src/hv/hypercalls/DeleteVp.js';
import { FinalizePartition } from '../../src/hv/hypercalls/FinalizePartition.js';
import { plan } from '../../src/pipeline/driver/plan.js';
import { fastExecutor } from '../../src/pipeline/fastExecutor.js';
import type { HypervisorPort } from '../../src/ports/HypervisorPort.js';
import { loadNativeFacts } from './nativeRig.js';

const facts = loadNativeFacts();

/** The words of one hypercall, by the x86-64 register each HypervisorPort argument stands for. */
type Registers = Partial<Record<'RCX' | 'RDX' | 'R8', bigint>>;

/** A HypervisorPort that keeps each fast call's words by register and answers `status` (RAX). */
function registerPort(status: bigint): { port: HypervisorPort; calls: Registers[] } {
  const calls: Registers[] = [];
  const port: HypervisorPort = {
    hypercall: () => {
      throw new Error('a fast call took the memory path');
    },
    fastHypercall8: (control, input) => {
      calls.push({ RCX: control, RDX: input });
      return status;
    },
    fastHypercall16: (control, input0, input1) => {
      calls.push({ RCX: control, RDX: input0, R8: input1 });
      return status;
    },
  };
  return { port, calls };
}

const recorder = { wantsBytes: false, record: (): undefined => undefined } as const;

describe('fast hypercalls: the register order of mshv-facts.json x86_64_registers', () => {
  it('the facts name the registers the HypervisorPort arguments stand for (control RCX, input RDX, output R8, status RAX)', () => {
    expect(facts.x86_64_registers).toEqual({
      control: 'RCX',
      input_gpa_or_fast_input1: 'RDX',
      output_gpa_or_fast_input2: 'R8',
      status: 'RAX',
    });
  });

  it('fast16 (DELETE_VP): the control word goes in the control register, input bytes 0-7 in the first input register, 8-15 in the second, and the status register is the result', () => {
    const regs = facts.x86_64_registers;
    const { port, calls } = registerPort(encodeStatus({ result: 0x0d, repsCompleted: 0 }));
    const outcome = fastExecutor({ port, recorder })(
      plan(DeleteVp, { partitionId: 0x1122_3344_5566_7788n, vpIndex: 0x99 }, 'test'),
    );
    const words = calls[0] ?? {};
    const at = (register: string): bigint | undefined => words[register as keyof Registers];
    expect(decodeControl(at(regs.control) ?? 0n)).toMatchObject({ code: DeleteVp.code, fast: true });
    expect(at(regs.input_gpa_or_fast_input1)).toBe(0x1122_3344_5566_7788n);
    expect(at(regs.output_gpa_or_fast_input2)).toBe(0x99n);
    expect(regs.status).toBe('RAX'); // the port's return value
    expect(outcome.result).toBe(0x0d);
  });

  it('fast8 (FINALIZE_PARTITION): the control register and the first input register only', () => {
    const regs = facts.x86_64_registers;
    const { port, calls } = registerPort(0n);
    fastExecutor({ port, recorder })(plan(FinalizePartition, { partitionId: 0xabcdn }, 'test'));
    const words = calls[0] ?? {};
    const at = (register: string): bigint | undefined => words[register as keyof Registers];
    expect(decodeControl(at(regs.control) ?? 0n)).toMatchObject({ code: FinalizePartition.code, fast: true });
    expect(at(regs.input_gpa_or_fast_input1)).toBe(0xabcdn);
    expect(at(regs.output_gpa_or_fast_input2)).toBeUndefined();
  });
});
