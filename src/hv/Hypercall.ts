import { REP_COUNT_MAX } from './ControlWord.js';
import type { HypercallName } from './HypercallCode.js';
import type { StructLayout } from './Layout.js';
import { HV_PAGE_SIZE } from './Page.js';

/**
 * How a hypercall passes its arguments (inventory §b.1, §b.4):
 * - `simple`: fixed input (and output) on the per-CPU pages;
 * - `rep`: fixed header plus a list of elements, rep count and rep start in the control word;
 * - `fast8` / `fast16`: 8 or 16 bytes in registers, no pages, no interrupt window;
 * - `passthrough`: issued only on behalf of userspace through MSHV_ROOT_HVCALL; the driver treats
 *   the input as opaque bytes, so no layout is modelled.
 */
export type HypercallKind = 'simple' | 'rep' | 'fast8' | 'fast16' | 'passthrough';

/** One element of a rep list or variable header. */
export interface ListElement {
  readonly name: string;
  readonly size: number;
  /** The element's own layout when it is a struct (e.g. hv_register_assoc). */
  readonly layout?: StructLayout;
}

/** A bound on reps per call that is not derived from the page, with the reason it exists. */
export interface RepBound {
  readonly reps: number;
  /** The kernel constant, e.g. HV_UMAP_GPA_PAGES. */
  readonly constant: string;
  readonly reason: string;
}

/** A hypercall as data: code, argument layouts and what the traits are derived from. */
export interface HypercallDef {
  readonly name: HypercallName;
  readonly code: number;
  readonly kind: HypercallKind;
  /** Fixed input header (for fast calls: the register bytes). Undefined only for passthrough. */
  readonly input: StructLayout | undefined;
  /** Rep input list element. */
  readonly inputElement?: ListElement;
  /** Fixed output. */
  readonly output?: StructLayout;
  /** Rep output list element. */
  readonly outputElement?: ListElement;
  /** Variable-header element (GET/SET_VP_STATE: PFNs or raw bytes after the fixed header). */
  readonly varHeadElement?: ListElement;
  /** Completion may arrive later as HVMSG_ASYNC_CALL_COMPLETION (only SET_PARTITION_PROPERTY). */
  readonly async?: boolean;
  readonly repBound?: RepBound;
  /** One line: what the driver uses it for. */
  readonly doc: string;
}

export interface HypercallTraits {
  readonly kind: HypercallKind;
  readonly fast: boolean;
  /** True when the call uses the per-CPU input/output pages and so runs inside an interrupt window. */
  readonly usesPages: boolean;
  readonly headerSize: number;
  /** Input list (or variable-header) element size in bytes; 0 when there is none. */
  readonly elementSize: number;
  readonly outputHeaderSize: number;
  readonly outputElementSize: number;
  /**
   * Most reps (or variable-header elements) one call may carry: the page bound, the 12-bit rep-count
   * bound, or a named non-page bound, whichever is smallest. 1 for calls without a list.
   */
  readonly batchRepsMax: number;
  /** Why `batchRepsMax` has its value: `input-page`, `output-page`, `rep-count-field`, a RepBound reason, or `single`. */
  readonly batchBound: string;
}

/**
 * Derive a hypercall's traits from its layouts. The pipeline batches by these numbers; it never
 * switches on call codes.
 *
 * @example
 * traitsOf(MapGpaPages).batchRepsMax; // 509 = (4096 − 24) / 8
 */
export function traitsOf(def: HypercallDef): HypercallTraits {
  const fast = def.kind === 'fast8' || def.kind === 'fast16';
  const headerSize = def.input?.size ?? 0;
  const listElement = def.inputElement ?? def.varHeadElement;
  const elementSize = listElement?.size ?? 0;
  const outputHeaderSize = def.output?.size ?? 0;
  const outputElementSize = def.outputElement?.size ?? 0;

  const bounds: { reps: number; why: string }[] = [];
  if (def.kind === 'rep') bounds.push({ reps: REP_COUNT_MAX, why: 'rep-count-field' });
  if (elementSize > 0)
    bounds.push({ reps: Math.floor((HV_PAGE_SIZE - headerSize) / elementSize), why: 'input-page' });
  if (outputElementSize > 0) {
    bounds.push({
      reps: Math.floor((HV_PAGE_SIZE - outputHeaderSize) / outputElementSize),
      why: 'output-page',
    });
  }
  if (def.repBound !== undefined) bounds.push({ reps: def.repBound.reps, why: def.repBound.reason });
  let best = { reps: 1, why: 'single' };
  if (bounds.length > 0) {
    best = bounds.reduce((a, b) => (b.reps < a.reps ? b : a));
  }
  return {
    kind: def.kind,
    fast,
    usesPages: !fast && def.kind !== 'passthrough',
    headerSize,
    elementSize,
    outputHeaderSize,
    outputElementSize,
    batchRepsMax: best.reps,
    batchBound: best.why,
  };
}
