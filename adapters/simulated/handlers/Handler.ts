import type { DecodedControl } from '../../../src/hv/ControlWord.js';
import type { HypercallDef } from '../../../src/hv/Hypercall.js';
import { HvStatus } from '../../../src/hv/HvStatus.js';
import type { HvPage } from '../../../src/ports/HvPage.js';
import type { HvModel } from '../model/HvModel.js';
import type { Partition } from '../model/Partition.js';
import type { Vp } from '../model/Vp.js';

/** What a handler sees of one hypercall. */
export interface CallContext {
  readonly m: HvModel;
  /** The CPU that issued the call (whose per-CPU pages were passed). */
  readonly cpu: number;
  readonly control: DecodedControl;
  /** The input bytes: the input page, or the fast-call registers laid out as 16 bytes. */
  readonly input: DataView;
  /** The input page (rep lists are read from it with getU64Number); null for fast calls. */
  readonly inputPage: HvPage | null;
  readonly output: HvPage | null;
  /**
   * Set when the fault plan made this (asynchronous) call a late completion: the handler answers
   * CALL_PENDING and posts its completion this many simulated nanoseconds later.
   */
  readonly completionDelayNs?: bigint;
}

/** The result of running reps [from, to): how many completed and the status of the call. */
export interface RepOutcome {
  readonly status: number;
  /** Reps completed in this call, counted from `from`. */
  readonly done: number;
}

interface HandlerBase {
  readonly def: HypercallDef;
  /**
   * Every status besides SUCCESS this handler can return (unit tests cover each; random faults pick
   * only among them). The control-word and reserved-field answers (INVALID_HYPERCALL_INPUT,
   * INVALID_PARAMETER) are common to all handlers and listed too where the input has reserved bytes.
   */
  readonly statuses: readonly number[];
}

export interface SimpleHandler extends HandlerBase {
  readonly kind: 'simple';
  run(ctx: CallContext): number;
}

export interface RepHandler extends HandlerBase {
  readonly kind: 'rep';
  /** Run reps [from, to) in order; stop at the first failing rep. */
  reps(ctx: CallContext, from: number, to: number): RepOutcome;
}

export type Handler = SimpleHandler | RepHandler;

/**
 * Define the handler of a simple or fast hypercall.
 *
 * @example
 * export const ClearVirtualInterruptHandler = simpleHandler(ClearVirtualInterrupt, [S.INVALID_PARTITION_ID], (ctx) => S.SUCCESS);
 */
export function simpleHandler(
  def: HypercallDef,
  statuses: readonly number[],
  run: (ctx: CallContext) => number,
): SimpleHandler {
  return { kind: 'simple', def, statuses, run };
}

/**
 * Define the handler of a rep hypercall.
 *
 * @example
 * const reps = (ctx: CallContext, from: number, to: number) => ({ status: S.SUCCESS, done: to - from });
 * export const UnmapGpaPagesHandler = repHandler(UnmapGpaPages, [S.INVALID_PARTITION_ID], reps);
 */
export function repHandler(
  def: HypercallDef,
  statuses: readonly number[],
  reps: (ctx: CallContext, from: number, to: number) => RepOutcome,
): RepHandler {
  return { kind: 'rep', def, statuses, reps };
}

export const S = HvStatus;

/** A partition lookup that either finds a live partition or says which status to return. */
export type Lookup<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number };

/**
 * The live partition `id` (SELF is the root) in one of `states`; else INVALID_PARTITION_ID or _STATE.
 *
 * @example
 * partitionIn(ctx, HV_PARTITION_ID_SELF, ['initialized']); // { ok: true, value: <the root> }
 * partitionIn(ctx, childId, ['initialized']); // { ok: false, status: S.INVALID_PARTITION_STATE } while 'created'
 */
export function partitionIn(
  ctx: CallContext,
  id: bigint,
  states: readonly Partition['state'][],
): Lookup<Partition> {
  const p = ctx.m.resolve(id);
  if (p === undefined) return { ok: false, status: S.INVALID_PARTITION_ID };
  if (!states.includes(p.state)) return { ok: false, status: S.INVALID_PARTITION_STATE };
  return { ok: true, value: p };
}

/**
 * A VP of an initialized partition; else INVALID_PARTITION_ID, INVALID_PARTITION_STATE or INVALID_VP_INDEX.
 *
 * @example
 * vpOf(ctx, childId, 5); // { ok: false, status: S.INVALID_VP_INDEX }: the partition has no VP 5
 */
export function vpOf(
  ctx: CallContext,
  partitionId: bigint,
  vpIndex: number,
): Lookup<{ p: Partition; vp: Vp }> {
  const found = partitionIn(ctx, partitionId, ['initialized']);
  if (!found.ok) return found;
  const vp = found.value.vps.get(vpIndex);
  if (vp === undefined) return { ok: false, status: S.INVALID_VP_INDEX };
  return { ok: true, value: { p: found.value, vp } };
}

/**
 * hv_input_vtl (u8): target_vtl:4, use_target_vtl:1, reserved:3. The model has VTL 0 only: any other
 * target or a reserved bit is INVALID_PARAMETER.
 *
 * @example
 * vtlOk(0x10); // true (use_target_vtl, VTL 0); vtlOk(0x01) is false (VTL 1)
 */
export function vtlOk(inputVtl: number): boolean {
  return (inputVtl & 0xef) === 0;
}

/**
 * Read element `i` of a u64 list that starts at `byteOffset` on the input page.
 *
 * @example
 * listU64(ctx, 24, 2); // the third PFN of a MAP_GPA_PAGES list (after its 24-byte header)
 */
export function listU64(ctx: CallContext, byteOffset: number, i: number): number {
  const page = ctx.inputPage;
  if (page === null) throw new Error('listU64: no input page (the dispatcher checks this)');
  return page.getU64Number(byteOffset + i * 8);
}
