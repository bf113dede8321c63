import type { TransitionRecord } from '../log/LogRecord.js';
import { hvStatusName } from '../hv/HvStatus.js';
import { hypercallDefByCode } from '../hv/hypercalls/index.js';
import type { Intent } from '../runtime/applyIntent.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import type { Step } from './Step.js';

/** Coverage as plain data (what a worker sends back, what the report reads). */
export interface CoverageData {
  /** `partition:<state>` and `vp:<state>` rest states, with how often a transition reached them. */
  readonly states: Readonly<Record<string, number>>;
  /** `partition:<from> -<EVENT>-> <to>` (and `vp:`), with counts. */
  readonly transitions: Readonly<Record<string, number>>;
  /** `<HYPERCALL> <STATUS>`, with counts. */
  readonly calls: Readonly<Record<string, number>>;
  /** Invariant name → times it was evaluated where it applied. */
  readonly invariants: Readonly<Record<string, number>>;
  /** `<intent> <request> → <outcome>` with counts (done, rejected errno, failed errno, pending). */
  readonly intents: Readonly<Record<string, number>>;
}

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function toRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** An intent by its name and, for a request, the request's type. */
function requestName(i: Intent): string {
  const request = (i.args as { readonly request?: { readonly type?: unknown } } | null)?.request;
  return typeof request?.type === 'string' ? `${i.name} ${request.type}` : i.name;
}

function outcomeText(o: RequestOutcome | undefined): string {
  if (o === undefined) return 'world';
  switch (o.status) {
    case 'done':
      return 'done';
    case 'pending':
      return 'pending';
    case 'rejected':
      return `rejected ${o.errno}`;
    case 'failed':
      return `failed ${o.error.errnoName}`;
  }
}

/**
 * What exploration reached: machine rest states and transitions (from the ControlPlane's transition
 * records), hypercalls by answered status, invariants by evaluations, intents by outcome. Counts
 * merge across workers; the report (`coverageReport`) names what was never reached.
 *
 * @example
 * const c = new Coverage();
 * c.countCall(0x4e, 0); // CREATE_VP answered SUCCESS
 * c.data().calls; // { 'CREATE_VP SUCCESS': 1 }
 */
export class Coverage {
  readonly #states = new Map<string, number>();
  readonly #transitions = new Map<string, number>();
  /** By `code × 65536 + status` (numbers: this is counted on every hypercall). */
  readonly #calls = new Map<number, number>();
  readonly #invariants = new Map<string, number>();
  readonly #intents = new Map<string, number>();

  countTransition(r: TransitionRecord): void {
    const kind = r.machine.includes('/') ? 'vp' : 'partition';
    bump(this.#states, `${kind}:${r.to}`);
    if (r.from !== 'none') bump(this.#transitions, `${kind}:${r.from} -${r.event}-> ${r.to}`);
  }

  countCall(code: number, result: number): void {
    const k = code * 0x1_0000 + result;
    this.#calls.set(k, (this.#calls.get(k) ?? 0) + 1);
  }

  countInvariant(name: string): void {
    bump(this.#invariants, name);
  }

  /**
   * A step by what it asked (`partition PAUSE`, `fault`, `crash`, `crash inside partition PAUSE`)
   * and its outcome.
   */
  countStep(step: Step, outcome: RequestOutcome | undefined): void {
    let what: string;
    if (step.kind === 'intent') what = requestName(step);
    else if (step.kind === 'crash' && step.inside !== undefined)
      what = `crash inside ${requestName(step.inside.intent)}`;
    else what = step.kind;
    bump(this.#intents, `${what} → ${outcomeText(outcome)}`);
  }

  /** Add another coverage's counts. */
  merge(other: CoverageData): void {
    for (const [m, r] of [
      [this.#states, other.states],
      [this.#transitions, other.transitions],
      [this.#invariants, other.invariants],
      [this.#intents, other.intents],
    ] as const)
      for (const [k, n] of Object.entries(r)) bump(m, k, n);
    for (const [k, n] of Object.entries(other.calls)) bump(this.#merged, k, n);
  }

  /** Counts merged from other coverages, by call name (kept apart from this one's numeric keys). */
  readonly #merged = new Map<string, number>();

  #callNames(): Map<string, number> {
    const out = new Map(this.#merged);
    for (const [k, n] of this.#calls) {
      const code = Math.floor(k / 0x1_0000);
      const name = hypercallDefByCode(code)?.name ?? `0x${code.toString(16)}`;
      bump(out, `${name} ${hvStatusName(k % 0x1_0000)}`, n);
    }
    return out;
  }

  data(): CoverageData {
    return {
      states: toRecord(this.#states),
      transitions: toRecord(this.#transitions),
      calls: toRecord(this.#callNames()),
      invariants: toRecord(this.#invariants),
      intents: toRecord(this.#intents),
    };
  }
}
