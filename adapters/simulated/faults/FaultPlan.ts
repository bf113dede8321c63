/**
 * Faults the simulated hypervisor injects: the scenario's ordered plan (`hypervisor.faults`: the nth
 * call of a hypercall returns a status instead of running) and seeded random faults for the model
 * checker (a probability per status). A random fault picks only a status the call can give
 * (`injectableStatuses`): one its handler declares, or one every call of its kind can meet (below), so
 * every injected answer is one a real hypervisor could give; on a rep call it may first complete a
 * seeded number of reps (partial progress, then the error).
 *
 * What each fault models and why the system must survive it:
 * - INSUFFICIENT_MEMORY: the pool is short. The deposits before INITIALIZE_PARTITION (208) and
 *   CREATE_VP (90) are empirical guesses, not contracts, so every allocating call can need more; the
 *   driver deposits (1 page, 256 for MAP_GPA_PAGES) and retries, resuming a rep call at the reps
 *   already completed (inventory §b.3).
 * - INSUFFICIENT_CONTIGUOUS_MEMORY: the 2026 variant, on any call that can run short of memory: the
 *   passthrough path deposits 8 pages; elsewhere it is an unexpected status and must fail as -EIO.
 * - NO_RESOURCES: WITHDRAW_MEMORY found the pool empty; the driver treats it as the end of the loop.
 * - TIME_OUT, OPERATION_FAILED: transient failures any call can meet. The driver must map them to
 *   -EIO and run every release obligation of the failing path (unmap what was mapped, unpin, delete
 *   the port), leaking nothing it could give back (inventory §d "Release obligations").
 * - INVALID_PARTITION_STATE, INVALID_VP_STATE: the hypervisor changed state under the caller (a
 *   concurrent teardown, a VP that moved on; INVALID_VP_STATE on calls that name a VP). The ioctl
 *   fails with -EIO; the partition must still tear down cleanly.
 * - ACCESS_DENIED, OPERATION_DENIED: a page or an operation the hypervisor will not allow (an SNP page
 *   still owned elsewhere, host access on a partition without isolation). The map fails part way and
 *   the driver must unwind the part already mapped.
 * - INVALID_PARAMETER, INVALID_HYPERCALL_INPUT, INVALID_PARTITION_ID, INVALID_VP_INDEX,
 *   INVALID_PORT_ID, INVALID_CONNECTION_ID, INVALID_ALIGNMENT, INVALID_REGISTER_VALUE,
 *   UNKNOWN_PROPERTY, PROPERTY_VALUE_OUT_OF_RANGE: misuse answers. Injected, they check that the
 *   driver propagates an unexpected refusal as an errno instead of assuming success.
 * CALL_PENDING is never injected at random: asynchronous completion is modelled by the
 * `asyncPropertyRate` knob, which also delivers the completion message. A planned CALL_PENDING with
 * `completionDelayNs` on an asynchronous call is a late completion: the call runs, answers
 * CALL_PENDING, and its completion reaches SINT0 that much simulated time later (behind messages
 * posted meanwhile); the driver must keep waiting and must not issue a second one meanwhile.
 */
import type { Rng } from '../../../src/det/Rng.js';
import { HvStatus, HvStatusPatchOnly, hvStatusByName, hvStatusName } from '../../../src/hv/HvStatus.js';
import type { FaultPlanEntry } from '../../../src/scenario/Scenario.js';

/** Transient failures every call can meet, whatever its handler declares. */
const ANY_CALL: readonly number[] = [HvStatus.TIME_OUT, HvStatus.OPERATION_FAILED];

/**
 * The statuses a random fault may give a call whose handler declares `declared`: those, the transient
 * ones, INSUFFICIENT_CONTIGUOUS_MEMORY where INSUFFICIENT_MEMORY is possible, and INVALID_VP_STATE
 * where the call names a VP (it can answer INVALID_VP_INDEX). Never CALL_PENDING.
 *
 * @example
 * injectableStatuses([HvStatus.INSUFFICIENT_MEMORY]); // + INSUFFICIENT_CONTIGUOUS_MEMORY, TIME_OUT, OPERATION_FAILED
 */
export function injectableStatuses(declared: readonly number[]): number[] {
  const out = new Set<number>([...declared, ...ANY_CALL]);
  if (declared.includes(HvStatus.INSUFFICIENT_MEMORY))
    out.add(HvStatusPatchOnly.INSUFFICIENT_CONTIGUOUS_MEMORY);
  if (declared.includes(HvStatus.INVALID_VP_INDEX)) out.add(HvStatus.INVALID_VP_STATE);
  out.delete(HvStatus.CALL_PENDING);
  return [...out].sort((a, b) => a - b);
}

/** Probability per call, by HV_STATUS name without the prefix, e.g. `{ INSUFFICIENT_MEMORY: 0.05 }`. */
export type RandomFaultRates = Readonly<Partial<Record<string, number>>>;

/** A fault the plan decided for one call. */
export interface InjectedFault {
  readonly call: string;
  /** 1-based count of this call among calls of the same name. */
  readonly nth: number;
  readonly status: number;
  readonly source: 'planned' | 'random';
  /** Reps to complete before failing (0 for planned faults: the call does not run). */
  readonly partialReps: number;
  /**
   * A late completion (planned CALL_PENDING on an asynchronous call): the call runs, answers
   * CALL_PENDING, and its completion message is posted this many simulated nanoseconds later.
   */
  readonly completionDelayNs?: bigint;
}

/** What a fault plan has counted, for snapshots (the plan and rates come from the configuration). */
export interface SavedFaultPlan {
  /** Calls counted by name, in first-call order. */
  readonly counts: readonly (readonly [string, number])[];
  /**
   * Faults planned with `arm` for calls not made yet, in arming order (absent: none). An armed
   * fault whose call has been made is history and is left out.
   */
  readonly armed?: readonly FaultPlanEntry[];
}

/**
 * The faults one simulated hypervisor injects (this module's comment says which, and why): the planned
 * ones by call count, the random ones from its seeded stream.
 *
 * @example
 * const entry = { call: 'MAP_GPA_PAGES', nth: 2, status: 0x0b, statusName: 'INSUFFICIENT_MEMORY' };
 * const plan = new FaultPlan([entry], {}, new Rng(7));
 * plan.planned('MAP_GPA_PAGES'); // undefined: the first call runs
 * plan.planned('MAP_GPA_PAGES')?.status; // 0x0b: the second returns INSUFFICIENT_MEMORY
 */
export class FaultPlan {
  readonly #counts = new Map<string, number>();
  readonly #planned: FaultPlanEntry[];
  /** The entries `arm` added (the configuration's plan does not hold them). */
  readonly #armed: FaultPlanEntry[] = [];
  readonly #rates: readonly (readonly [number, number])[];
  /** Every fault injected so far, in order. */
  readonly injected: InjectedFault[] = [];

  /**
   * @example
   * const plan = new FaultPlan([{ call: 'MAP_GPA_PAGES', nth: 2, status: 0x0b, statusName: 'INSUFFICIENT_MEMORY' }], {}, rng);
   */
  constructor(
    planned: readonly FaultPlanEntry[],
    random: RandomFaultRates,
    readonly rng: Rng,
  ) {
    this.#planned = [...planned];
    this.#rates = Object.keys(random)
      .sort()
      .map((name) => {
        const code = hvStatusByName(name);
        const rate = random[name] ?? 0;
        if (code === undefined) throw new RangeError(`randomFaults.${name}: not an HV_STATUS name`);
        if (code === 0 || name === 'CALL_PENDING')
          throw new RangeError(`randomFaults.${name}: cannot be injected (see the faults module)`);
        if (!(rate >= 0 && rate <= 1)) throw new RangeError(`randomFaults.${name}: ${rate} is not in [0, 1]`);
        return [code, rate] as const;
      });
  }

  /**
   * Plan one more fault while the machine runs, for a call that has not happened yet: the model
   * checker arms "the next MAP_GPA_PAGES fails" at a step of its path. The same entry given to the
   * constructor has the same effect (a planned fault names a future call by its count), so a run
   * that armed faults is reproduced by a machine built with them. Throws for a call already made, and
   * for a call and nth already armed: a call answers one status, the later fault could never fire, and
   * a snapshot keeps the armed faults as a plan `faultPlanCodec` reads, which refuses such a pair.
   *
   * @example
   * plan.arm({ call: 'CREATE_VP', nth: 3, status: 0x0b, statusName: 'INSUFFICIENT_MEMORY' });
   */
  arm(entry: FaultPlanEntry): void {
    const made = this.#counts.get(entry.call) ?? 0;
    if (!Number.isSafeInteger(entry.nth) || entry.nth <= made)
      throw new RangeError(`arm: ${entry.call} call ${entry.nth} is not in the future (${made} made)`);
    const earlier = this.#armed.find((e) => e.call === entry.call && e.nth === entry.nth);
    if (earlier !== undefined)
      throw new RangeError(
        `arm: ${entry.call} call ${entry.nth} already answers ${hvStatusName(earlier.status)}; a call answers one status`,
      );
    this.#planned.push(entry);
    this.#armed.push(entry);
  }

  /**
   * Count one call of `call` and return the planned fault for it, if any: the call then returns that
   * status without running.
   */
  planned(call: string): InjectedFault | undefined {
    const nth = (this.#counts.get(call) ?? 0) + 1;
    this.#counts.set(call, nth);
    for (const p of this.#planned) {
      if (p.call === call && p.nth === nth) {
        const late = p.completionDelayNs === undefined ? {} : { completionDelayNs: p.completionDelayNs };
        return this.#record({ call, nth, status: p.status, source: 'planned', partialReps: 0, ...late });
      }
    }
    return undefined;
  }

  /**
   * Decide a random fault for a valid call already counted by `planned`. `declared` lists the
   * statuses its handler declares (the fault picks among `injectableStatuses(declared)`); `reps` is
   * the number of reps this call would run (0 for non-rep calls).
   */
  random(call: string, declared: readonly number[], reps: number): InjectedFault | undefined {
    if (this.#rates.length === 0) return undefined;
    const nth = this.#counts.get(call) ?? 0;
    const canReturn = injectableStatuses(declared);
    for (const [status, rate] of this.#rates) {
      if (!canReturn.includes(status)) continue;
      if (this.rng.chance(rate)) {
        const partialReps = reps > 1 ? this.rng.below(reps) : 0;
        return this.#record({ call, nth, status, source: 'random', partialReps });
      }
    }
    return undefined;
  }

  /**
   * The per-name call counters (the `nth` of the plan) and the armed faults still to come; the
   * random stream's position is `rng.state()`. The list of injected faults is a record of the past
   * and is not kept.
   *
   * @example
   * plan.save().counts; // [['CREATE_PARTITION', 1], ...]
   */
  save(): SavedFaultPlan {
    const armed = this.#armed.filter((e) => e.nth > (this.#counts.get(e.call) ?? 0));
    return { counts: [...this.#counts], ...(armed.length === 0 ? {} : { armed }) };
  }

  /**
   * A plan that continues from recorded counters and armed faults (each still in the future: a
   * broken invariant throws, as `arm` does).
   *
   * @example
   * const copy = FaultPlan.restore(config.faults ?? [], config.randomFaults ?? {}, Rng.fromState(s), plan.save());
   */
  static restore(
    planned: readonly FaultPlanEntry[],
    random: RandomFaultRates,
    rng: Rng,
    s: SavedFaultPlan,
  ): FaultPlan {
    const plan = new FaultPlan(planned, random, rng);
    for (const [call, n] of s.counts) plan.#counts.set(call, n);
    for (const entry of s.armed ?? []) plan.arm(entry);
    return plan;
  }

  /** Calls counted so far, by name. */
  calls(): ReadonlyMap<string, number> {
    return this.#counts;
  }

  #record(f: InjectedFault): InjectedFault {
    this.injected.push(f);
    return f;
  }
}
