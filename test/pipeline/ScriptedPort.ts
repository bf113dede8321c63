import { decodeControl } from '../../src/hv/ControlWord.js';
import { encodeStatus } from '../../src/hv/StatusWord.js';
import type { HvPage } from '../../src/ports/HvPage.js';
import type { HypervisorPort } from '../../src/ports/HypervisorPort.js';

export interface SeenCall {
  readonly code: number;
  readonly control: bigint;
  readonly repStart: number;
  readonly repCount: number;
  readonly fast: boolean;
  readonly input: Uint8Array;
}

/**
 * A test double of the HypervisorPort: answers each call with the next scripted answer for its code
 * (default: SUCCESS with every rep completed) and remembers what it was asked.
 */
export class ScriptedPort implements HypervisorPort {
  readonly seen: SeenCall[] = [];
  readonly #answers = new Map<number, ((c: SeenCall) => { result: number; reps?: number })[]>();
  onCall: ((c: SeenCall) => void) | undefined;

  script(code: number, ...answers: ((c: SeenCall) => { result: number; reps?: number })[]): void {
    this.#answers.set(code, [...(this.#answers.get(code) ?? []), ...answers]);
  }

  hypercall(control: bigint, input: HvPage | null): bigint {
    const c = decodeControl(control);
    return this.#answer({
      code: c.code,
      control,
      repStart: c.repStart,
      repCount: c.repCount,
      fast: false,
      input: input?.bytes.slice() ?? new Uint8Array(),
    });
  }

  fastHypercall8(control: bigint, input: bigint): bigint {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, input, true);
    return this.#answer({
      code: decodeControl(control).code,
      control,
      repStart: 0,
      repCount: 0,
      fast: true,
      input: b,
    });
  }

  fastHypercall16(control: bigint, input0: bigint, input1: bigint): bigint {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, input0, true);
    new DataView(b.buffer).setBigUint64(8, input1, true);
    return this.#answer({
      code: decodeControl(control).code,
      control,
      repStart: 0,
      repCount: 0,
      fast: true,
      input: b,
    });
  }

  #answer(c: SeenCall): bigint {
    this.seen.push(c);
    this.onCall?.(c);
    const next = this.#answers.get(c.code)?.shift();
    const a = next?.(c) ?? { result: 0, reps: c.repCount };
    return encodeStatus({
      result: a.result,
      repsCompleted: a.reps ?? (a.result === 0 ? c.repCount : c.repStart),
    });
  }
}
