import type { HypercallDef, HypercallTraits } from '../hv/Hypercall.js';
import type { PartitionId } from '../hv/ids.js';
import type { HvPage } from '../ports/HvPage.js';

/**
 * Writes list elements `[from, from + count)` of a source into the input page at `byteOffset`.
 * Sources are lazy views (PFN runs, a constant, a byte buffer): a 1 TiB guest never becomes an array.
 */
export interface ListWriter {
  write(page: HvPage, byteOffset: number, from: number, count: number): void;
}

/** Where INSUFFICIENT_MEMORY is answered with a deposit, and how much (inventory §b.3). */
export interface DepositPolicy {
  /** The partition that receives the pages (the child, or the root for CREATE_PARTITION / CREATE_PORT). */
  readonly target: PartitionId;
  /** Pages per retry: 1 by default, 256 for MAP_GPA_PAGES (HV_MAP_GPA_DEPOSIT_PAGES). */
  readonly pagesPerRetry: number;
}

/** One hypercall as planned by a driver routine, before it is issued. */
export interface CallPlan {
  readonly def: HypercallDef;
  readonly traits: HypercallTraits;
  /** Values of the fixed input header (for fast calls: the register bytes' layout). */
  readonly header: Readonly<Record<string, unknown>>;
  /** Reps for a rep call; 0 otherwise. */
  readonly repCount: number;
  /** First rep (absolute index) when a caller presets it (hv_do_rep_hypercall_ex). */
  readonly repStart?: number;
  /** Variable header size in qwords (GET/SET_VP_STATE). */
  readonly varHeadQwords?: number;
  /** Elements after the fixed header: `repCount` rep elements, or `varHeadQwords` worth of var header. */
  readonly list?: ListWriter;
  /** Number of list elements `list` writes (defaults to repCount). */
  readonly listCount?: number;
  /** Index in `list` of this call's first element (a batch's offset in its whole list). */
  readonly listFrom?: number;
  /** Deposit-and-retry policy; absent where the kernel does not retry. */
  readonly deposit?: DepositPolicy;
  /** The /dev/mshv operation this call serves, for errors and the log. */
  readonly op: string;
}

/** What came back from one planned call (after any rep resume and deposit retries). */
export interface CallOutcome {
  readonly plan: CallPlan;
  /** The raw 16-bit result of the last issue. */
  readonly result: number;
  /** Absolute reps completed (rep calls). */
  readonly repsCompleted: number;
  /** Bytes of the output page copied out by the caller (fixed output plus repsCompleted elements). */
  readonly output: Uint8Array | undefined;
  /** Deposits made for this call, in pages. */
  readonly depositedPages: number;
  /**
   * Set when the last status word was all-ones (U64_MAX): no hypercall page, -EOPNOTSUPP (inventory
   * §b.1, §b.2). `result` then keeps the word's low 16 bits (0xffff) and `repsCompleted` is 0.
   */
  readonly noHypercallPage?: true;
}

export const HV_STATUS_SUCCESS = 0;
