import type { HypercallDef, HypercallTraits } from '../../hv/Hypercall.js';
import type { OperationRecord, ResultRecord } from '../../log/LogRecord.js';
import type { RequestOutcome } from '../../runtime/RequestOutcome.js';
import type { CheckWorld } from '../CheckWorld.js';
import type { Step } from '../Step.js';

/**
 * What an invariant answers for one observation: `undefined` when it holds, `null` when it does not
 * apply (the observation says nothing about it), or the violation, in one sentence.
 */
export type Verdict = string | null | undefined;

/** One hypercall as the driver issued it, seen at the HypervisorPort before the hypervisor runs it. */
export interface ObservedCall {
  readonly code: number;
  readonly name: string;
  /** Undefined for a code no definition knows. */
  readonly def: HypercallDef | undefined;
  readonly traits: HypercallTraits | undefined;
  readonly fast: boolean;
  readonly control: bigint;
  readonly repCount: number;
  readonly repStart: number;
  /** The input as the hypervisor reads it: the input page, or the 16 register bytes of a fast call. */
  readonly input: DataView | null;
  /** The call passed the driver CPU's per-CPU input page (the pages a window owns). */
  readonly perCpu: boolean;
  /** The interrupt window open when the call was issued; null with interrupts on. */
  readonly window: number | null;
}

/** One step as the invariants see it once it returned (or threw). */
export interface StepView {
  readonly step: Step;
  /** The request's outcome; undefined for world control (guest, signal), faults, a crash or a throw. */
  readonly outcome: RequestOutcome | undefined;
  /** What the runtime or driver threw (a broken invariant), or undefined. */
  readonly error: unknown;
  /** `key/vp` of every run that was sleeping in MSHV_RUN_VP before the step. */
  readonly pendingBefore: ReadonlySet<string>;
  readonly operations: readonly OperationRecord[];
  readonly results: readonly ResultRecord[];
}

/**
 * A named, documented check over the world. Hooks run on the hot path of exploration (every
 * hypercall, every step), so each is a few comparisons over read-only views. An invariant never
 * changes the world; what it remembers within a step lives in `CheckWorld.scratch`.
 */
export interface Invariant {
  readonly name: string;
  /** What it checks and which rule of the reference it stands for (printed by the coverage report). */
  readonly summary: string;
  beforeCall?(call: ObservedCall, world: CheckWorld): Verdict;
  afterCall?(call: ObservedCall, status: bigint, world: CheckWorld): Verdict;
  onOperation?(op: OperationRecord, world: CheckWorld): Verdict;
  afterStep?(step: StepView, world: CheckWorld): Verdict;
}

/** A violated invariant: its name and what was seen. */
export interface Violation {
  readonly invariant: string;
  readonly message: string;
}
