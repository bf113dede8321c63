import { decodeControl } from '../hv/ControlWord.js';
import { hvStatusName } from '../hv/HvStatus.js';
import { hypercallName } from '../hv/HypercallCode.js';
import { hypercallDefByCode } from '../hv/hypercalls/index.js';
import { decodeStatus } from '../hv/StatusWord.js';
import type { HvPage } from '../ports/HvPage.js';
import type { HypervisorPort } from '../ports/HypervisorPort.js';
import { hypercallDivergence } from './compareRecord.js';
import { bytesDifferences, controlLine, describeHypercall } from './describeRecord.js';
import { DivergenceSignal } from './Divergence.js';
import { type RecordedAnswer, recordedAnswer } from './RecordedAnswer.js';
import type { ReplayCursor } from './ReplayCursor.js';
import { sameBytes } from './sameBytes.js';

export interface RecordedHypervisorOptions {
  /**
   * Check every recorded answer against the simulated hypervisor's (status word, reps completed,
   * output bytes). Default true: a recorded answer the model would not give is named at its own
   * record. With false the recorded answer is used as it is and the simulated hypervisor only keeps
   * the shared state (a log from another hypervisor replays as far as the driver agrees with it).
   */
  readonly crossCheck?: boolean;
}

/**
 * The hypervisor replay runs the driver against: each hypercall is answered from the log. The
 * request is checked first, byte for byte (control word, then the input bytes the log recorded);
 * then the simulated hypervisor rebuilt from the log's header takes the same call in lock step, so
 * what the two share outside hypercalls (intercept and VP state pages, SINT messages, stats pages,
 * time) stays what the run saw, and its answer cross-checks the recorded one; then the recorded
 * output bytes are written to the output page and the recorded status word returned. While the
 * cursor is disarmed (a world being rebuilt) calls go straight to the simulated hypervisor.
 *
 * @example
 * const world = new SimWorld(scenario, recorder, { wrapHypervisor: (sim) => new RecordedHypervisor(sim, cursor) });
 */
/** The log's next record, a hypercall (by its kind column; decoded when `record` is read). */
type RecordedCall = ReturnType<ReplayCursor['nextHypercall']>;

export class RecordedHypervisor implements HypervisorPort {
  readonly #crossCheck: boolean;
  readonly #fast = new Uint8Array(16);
  readonly #fastView = new DataView(this.#fast.buffer);

  constructor(
    readonly oracle: HypervisorPort,
    readonly cursor: ReplayCursor,
    options: RecordedHypervisorOptions = {},
  ) {
    this.#crossCheck = options.crossCheck ?? true;
  }

  hypercall(control: bigint, input: HvPage | null, output: HvPage | null): bigint {
    if (!this.cursor.armed) return this.oracle.hypercall(control, input, output);
    const { next, answer } = this.#request(
      control,
      (length) => input?.bytes.subarray(0, length) ?? new Uint8Array(0),
    );
    const status = this.oracle.hypercall(control, input, output);
    if (this.#crossCheck) {
      // A view of the page: #check copies it for a report before the recorded output is written over it.
      const simOutput =
        answer.output === null || output === null
          ? answer.output
          : output.bytes.subarray(0, answer.output.length);
      this.#check(next, answer, status, simOutput);
    }
    if (answer.output !== null && output !== null) output.bytes.set(answer.output);
    return answer.status;
  }

  fastHypercall8(control: bigint, input: bigint): bigint {
    if (!this.cursor.armed) return this.oracle.fastHypercall8(control, input);
    this.#fastView.setBigUint64(0, BigInt.asUintN(64, input), true);
    const { next, answer } = this.#request(control, () => this.#fast.subarray(0, 8));
    const status = this.oracle.fastHypercall8(control, input);
    if (this.#crossCheck) this.#check(next, answer, status, null);
    return answer.status;
  }

  fastHypercall16(control: bigint, input0: bigint, input1: bigint): bigint {
    if (!this.cursor.armed) return this.oracle.fastHypercall16(control, input0, input1);
    this.#fastView.setBigUint64(0, BigInt.asUintN(64, input0), true);
    this.#fastView.setBigUint64(8, BigInt.asUintN(64, input1), true);
    const { next, answer } = this.#request(control, () => this.#fast.subarray(0, 16));
    const status = this.oracle.fastHypercall16(control, input0, input1);
    if (this.#crossCheck) this.#check(next, answer, status, null);
    return answer.status;
  }

  /**
   * The log's next hypercall and its answer, after checking the request against it byte for byte.
   * The record is decoded only to report a difference (`recordedAnswer` reads a stored body as text).
   */
  #request(
    control: bigint,
    inputOf: (length: number) => Uint8Array,
  ): { readonly next: RecordedCall; readonly answer: RecordedAnswer } {
    const next = this.cursor.nextHypercall(() => issued(control));
    const answer = recordedAnswer(next);
    if (control !== answer.control) {
      const rec = next.record;
      throw new DivergenceSignal({
        seq: next.seq,
        expectedKind: 'hypercall',
        actualKind: 'hypercall',
        reason: `the replay issues ${callName(control)} with another control word than the log's ${rec.name}`,
        expected: [`hypercall ${rec.name} for ${rec.op}`, controlLine(rec.control)],
        actual: issued(control),
      });
    }
    const actual = inputOf(answer.inputLength);
    if (!answer.inputIs(actual)) {
      const rec = next.record;
      const diff = bytesDifferences(hypercallDefByCode(rec.code), 'input', rec.input, actual.slice());
      throw new DivergenceSignal({
        seq: next.seq,
        expectedKind: 'hypercall',
        actualKind: 'hypercall',
        reason: `the replay passes ${rec.name} other input bytes than the log recorded`,
        expected: [...describeHypercall(rec), ...diff.expected],
        actual: [...issued(control), ...diff.actual],
      });
    }
    this.cursor.answered(next.seq, answer);
    return { next, answer };
  }

  /** Cross-check: the simulated hypervisor's answer against the recorded one. */
  #check(next: RecordedCall, answer: RecordedAnswer, status: bigint, output: Uint8Array | null): void {
    if (status === answer.status && sameBytes(output, answer.output)) return;
    const rec = next.record;
    const s = decodeStatus(status);
    const r = decodeStatus(rec.status);
    const reason =
      status === rec.status
        ? `the simulated hypervisor answers ${rec.name} with other output bytes than the log recorded`
        : `the simulated hypervisor answers ${rec.name} with HV_STATUS_${hvStatusName(s.result)} (reps completed ${s.repsCompleted}); ` +
          `the log recorded HV_STATUS_${hvStatusName(r.result)} (reps completed ${r.repsCompleted})`;
    throw new DivergenceSignal(
      hypercallDivergence(next.seq, reason, rec, {
        ...rec,
        status,
        repsCompleted: s.repsCompleted,
        output: output === null ? null : output.slice(),
      }),
    );
  }
}

function callName(control: bigint): string {
  const code = decodeControl(control).code;
  return hypercallName(code) ?? `call 0x${code.toString(16).padStart(4, '0')}`;
}

function issued(control: bigint): string[] {
  return [`hypercall ${callName(control)}`, controlLine(control)];
}
