import { type DecodedControl, decodeControl } from '../../src/hv/ControlWord.js';
import { traitsOf, type HypercallTraits } from '../../src/hv/Hypercall.js';
import { HvStatus } from '../../src/hv/HvStatus.js';
import { HV_PAGE_SIZE } from '../../src/hv/Page.js';
import { encodeStatus } from '../../src/hv/StatusWord.js';
import type { HvPage } from '../../src/ports/HvPage.js';
import type { HypervisorPort } from '../../src/ports/HypervisorPort.js';
import type { FaultPlan } from './faults/FaultPlan.js';
import type { CallContext, Handler } from './handlers/Handler.js';
import { HANDLERS } from './handlers/index.js';
import type { HvModel } from './model/HvModel.js';

/** Simulated time one hypercall takes, and each rep on top (ns): moves the reference clock. */
export const CALL_COST_NS = 1_000n;
export const REP_COST_NS = 10n;

/** One line of the call log checkers read: what was called and what it answered. */
export interface CallRecord {
  readonly code: number;
  readonly result: number;
  readonly repsCompleted: number;
  readonly fault: boolean;
}

interface Entry {
  readonly handler: Handler;
  readonly traits: HypercallTraits;
}

/** The handlers by call code, with their traits: pure data, built once for every machine. */
const TABLE: ReadonlyMap<number, Entry> = (() => {
  const table = new Map<number, Entry>();
  for (const h of HANDLERS) {
    if (table.has(h.def.code)) throw new Error(`handler table: two handlers for ${h.def.name}`);
    table.set(h.def.code, { handler: h, traits: traitsOf(h.def) });
  }
  return table;
})();

/** Entries the call log starts with; it doubles up to `callLogMax` (most machines make few calls). */
const CALL_LOG_INITIAL = 64;

/**
 * The simulated Microsoft hypervisor behind HypervisorPort. Every call goes the same way, driven by the
 * hypercall's definition and traits, never by its code: the fault plan may answer first; then the
 * control word is checked (reserved bits, NESTED, the fast bit against the call's kind, rep fields on a
 * non-rep call, a rep start not below the rep count, a variable header where the call has none, a list
 * that leaves the page) → INVALID_HYPERCALL_INPUT; then the input's reserved and padding bytes, header
 * and list elements → INVALID_PARAMETER ("MSHV checks reserved bits are zero"); then the handler runs.
 * Rep calls run reps [rep start, min(rep count, rep start + repTimeSlice)): SUCCESS with fewer reps
 * than asked is a partial completion the caller resumes, and reps completed is always an absolute
 * index.
 *
 * @example
 * const hv = new SimulatedMachine({ seed: 7 }).hypervisor;
 * hv.handledCodes().includes(0x4b); // true: MAP_GPA_PAGES has a handler
 */
export class SimulatedHypervisor implements HypervisorPort {
  readonly #table = TABLE;
  readonly #cpuOfPage = new Map<HvPage, number>();
  readonly #fastInput = new DataView(new ArrayBuffer(16));
  /** The CPU fast calls run on (the driver model says where it runs; page identity overrides). */
  currentCpu = 0;
  // The call log is a ring of `callLogMax` entries in typed arrays: an object per call would live for
  // callLogMax calls, be promoted and die old (a million calls of garbage in the old generation). The
  // arrays grow by doubling until they hold callLogMax entries; only then does the ring wrap.
  #logCode: Uint16Array;
  #logResult: Uint16Array;
  #logReps: Uint16Array;
  #logFault: Uint8Array;
  #logNext = 0;
  #logSize = 0;
  callCount = 0;

  constructor(
    /** @internal The model's raw state; checkers read the machine's read-only views instead. */
    readonly model: HvModel,
    readonly faults: FaultPlan,
    readonly callLogMax = 10_000,
  ) {
    const capacity = Math.min(callLogMax, CALL_LOG_INITIAL);
    this.#logCode = new Uint16Array(capacity);
    this.#logResult = new Uint16Array(capacity);
    this.#logReps = new Uint16Array(capacity);
    this.#logFault = new Uint8Array(capacity);
  }

  /** Tell the hypervisor which CPU owns a page, so calls passing it run on that CPU. */
  registerCpuPage(page: HvPage, cpu: number): void {
    this.#cpuOfPage.set(page, cpu);
  }

  /** Codes with a handler. */
  handledCodes(): number[] {
    return [...this.#table.keys()].sort((a, b) => a - b);
  }

  hypercall(control: bigint, input: HvPage | null, output: HvPage | null): bigint {
    const cpu =
      (input === null ? undefined : this.#cpuOfPage.get(input)) ??
      (output === null ? undefined : this.#cpuOfPage.get(output)) ??
      this.currentCpu;
    return this.#call(control, input, output, input === null ? null : input.view, cpu);
  }

  fastHypercall8(control: bigint, input: bigint): bigint {
    this.#fastInput.setBigUint64(0, BigInt.asUintN(64, input), true);
    this.#fastInput.setBigUint64(8, 0n, true);
    return this.#call(control, null, null, this.#fastInput, this.currentCpu);
  }

  fastHypercall16(control: bigint, input0: bigint, input1: bigint): bigint {
    this.#fastInput.setBigUint64(0, BigInt.asUintN(64, input0), true);
    this.#fastInput.setBigUint64(8, BigInt.asUintN(64, input1), true);
    return this.#call(control, null, null, this.#fastInput, this.currentCpu);
  }

  #call(
    word: bigint,
    inputPage: HvPage | null,
    output: HvPage | null,
    input: DataView | null,
    cpu: number,
  ): bigint {
    const control = decodeControl(BigInt.asUintN(64, word));
    const entry = this.#table.get(control.code);
    this.callCount += 1;
    this.model.clock.advance(CALL_COST_NS);
    this.model.synic.postDue(this.model.clock.now());
    if (entry === undefined) return this.#answer(control.code, HvStatus.INVALID_HYPERCALL_CODE, 0, false);
    const { handler, traits } = entry;
    const isRep = handler.kind === 'rep';
    const planned = this.faults.planned(handler.def.name);
    // A late completion runs the call (it answers CALL_PENDING itself); every other planned fault
    // answers in its place.
    const late = planned?.completionDelayNs;
    if (planned !== undefined && late === undefined)
      return this.#answer(control.code, planned.status, isRep ? control.repStart : 0, true);

    const bad = controlProblem(
      control,
      traits,
      inputPage !== null || input === this.#fastInput,
      output !== null,
    );
    if (bad) return this.#answer(control.code, HvStatus.INVALID_HYPERCALL_INPUT, 0, false);
    if (input === null) return this.#answer(control.code, HvStatus.INVALID_HYPERCALL_INPUT, 0, false);
    const layout = handler.def.input;
    if (layout !== undefined && layout.reservedViolations(input).length > 0)
      return this.#answer(control.code, HvStatus.INVALID_PARAMETER, isRep ? control.repStart : 0, false);

    const ctx: CallContext = {
      m: this.model,
      cpu,
      control,
      input,
      inputPage,
      output,
      ...(late === undefined ? {} : { completionDelayNs: late }),
    };
    if (handler.kind === 'simple') {
      if (late !== undefined) {
        const status = handler.run(ctx);
        return this.#answer(control.code, status, 0, status === HvStatus.CALL_PENDING);
      }
      const fault = this.faults.random(handler.def.name, handler.statuses, 0);
      if (fault !== undefined) return this.#answer(control.code, fault.status, 0, true);
      return this.#answer(control.code, handler.run(ctx), 0, false);
    }

    const from = control.repStart;
    let to = control.repCount;
    const slice = this.model.knobs.repTimeSlice;
    if (slice !== undefined) to = Math.min(to, from + slice);
    // Reserved bytes inside struct list elements (hv_register_assoc) fail the rep that carries them.
    let elementError = -1;
    const element = handler.def.inputElement?.layout;
    if (element !== undefined) {
      const base = traits.headerSize + control.varHeadQwords * 8;
      for (let i = from; i < to; i++) {
        if (element.reservedViolations(input, base + i * element.size).length > 0) {
          elementError = i;
          to = i;
          break;
        }
      }
    }
    const fault = this.faults.random(handler.def.name, handler.statuses, to - from);
    if (fault !== undefined) to = Math.min(to, from + fault.partialReps);
    this.model.clock.advance(REP_COST_NS * BigInt(to - from));
    const out = to > from ? handler.reps(ctx, from, to) : { status: HvStatus.SUCCESS, done: 0 };
    const completed = from + out.done;
    if (out.status !== HvStatus.SUCCESS) return this.#answer(control.code, out.status, completed, false);
    if (fault !== undefined) return this.#answer(control.code, fault.status, completed, true);
    if (elementError >= 0) return this.#answer(control.code, HvStatus.INVALID_PARAMETER, completed, false);
    return this.#answer(control.code, HvStatus.SUCCESS, completed, false);
  }

  /** The last `callLogMax` calls answered, oldest first. */
  recentCalls(): CallRecord[] {
    const out: CallRecord[] = [];
    const first = this.#logSize < this.callLogMax ? 0 : this.#logNext;
    for (let k = 0; k < this.#logSize; k++) {
      const i = (first + k) % this.#logCode.length;
      out.push({
        code: this.#logCode[i] ?? 0,
        result: this.#logResult[i] ?? 0,
        repsCompleted: this.#logReps[i] ?? 0,
        fault: this.#logFault[i] === 1,
      });
    }
    return out;
  }

  #answer(code: number, result: number, repsCompleted: number, fault: boolean): bigint {
    if (this.callLogMax > 0) {
      if (this.#logSize === this.#logCode.length && this.#logSize < this.callLogMax) this.#growLog();
      const i = this.#logNext;
      this.#logCode[i] = code;
      this.#logResult[i] = result;
      this.#logReps[i] = repsCompleted;
      this.#logFault[i] = fault ? 1 : 0;
      this.#logNext = (i + 1) % this.#logCode.length;
      this.#logSize = Math.min(this.#logSize + 1, this.callLogMax);
    }
    return encodeStatus({ result, repsCompleted });
  }

  /** Double the call log (it has not wrapped yet: entries are in order from index 0). */
  #growLog(): void {
    const capacity = Math.min(this.callLogMax, this.#logCode.length * 2);
    const grow = <A extends Uint8Array | Uint16Array>(old: A, make: (n: number) => A): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#logCode = grow(this.#logCode, (n) => new Uint16Array(n));
    this.#logResult = grow(this.#logResult, (n) => new Uint16Array(n));
    this.#logReps = grow(this.#logReps, (n) => new Uint16Array(n));
    this.#logFault = grow(this.#logFault, (n) => new Uint8Array(n));
    this.#logNext = this.#logSize;
  }
}

/**
 * Why a control word does not fit its call (TLFS: HV_STATUS_INVALID_HYPERCALL_INPUT), or undefined.
 * Driven by the call's traits only.
 *
 * @example
 * const word = encodeControl({ code: 0x4b, repCount: 0 }); // MAP_GPA_PAGES asking for no reps
 * controlProblem(decodeControl(word), traitsOf(MapGpaPages), true, false); // 'rep count 0'
 */
export function controlProblem(
  c: DecodedControl,
  t: HypercallTraits,
  hasInput: boolean,
  hasOutput: boolean,
): string | undefined {
  if (c.reservedBits !== 0n) return 'reserved control bits set';
  if (c.nested) return 'NESTED set';
  if (c.fast !== t.fast)
    return t.fast ? 'fast call issued as memory call' : 'memory call issued as fast call';
  if (t.kind === 'passthrough') return undefined;
  const rep = t.kind === 'rep';
  if (!rep && (c.repCount !== 0 || c.repStart !== 0)) return 'rep count or rep start on a non-rep call';
  if (rep && c.repCount === 0) return 'rep count 0';
  // Reps are indexed [0, rep count): a rep start at the count names no rep (TLFS; openvmm refuses it too).
  if (rep && c.repStart >= c.repCount) return 'rep start beyond rep count';
  const varHead = t.kind === 'simple' && t.elementSize > 0;
  if (!varHead && c.varHeadQwords !== 0) return 'variable header on a call without one';
  if (t.fast) return undefined;
  if (t.headerSize > 0 && !hasInput) return 'no input page';
  const listBytes = rep ? c.repCount * t.elementSize : c.varHeadQwords * 8;
  if (t.headerSize + listBytes > HV_PAGE_SIZE) return 'input leaves the page';
  const outBytes = t.outputHeaderSize + (rep ? c.repCount * t.outputElementSize : 0);
  if (outBytes > HV_PAGE_SIZE) return 'output leaves the page';
  if (outBytes > 0 && !hasOutput) return 'no output page';
  return undefined;
}
