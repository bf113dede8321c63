import type { JsonValue } from '../log/JsonValue.js';
import type { ControlPlane } from '../runtime/ControlPlane.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import type { SimWorld } from '../runner/SimWorld.js';
import { hostError } from './HostError.js';
import type { HostStats, StatsRecorder } from './HostStats.js';
import { outcomeResult } from './outcomeResult.js';
import { type Result, failure } from './Result.js';

/**
 * What a host's handles share: the control plane they send requests to, the simulated world, the
 * hypercall counters, and the callers waiting for runs that sleep in MSHV_RUN_VP. Internal: users
 * reach it through Host, Partition, Vp and GuestControl.
 *
 * Every call runs to completion synchronously in the control plane; afterwards the runs it finished
 * (a pause kicked them, the guest got an exit) are handed to the promises their `vp.run()` returned,
 * in the order they finished.
 *
 * @example
 * const session = new HostSession(plane, world, stats);
 * session.request('partition.initialize', (p) => p.partition('vm0', { type: 'INITIALIZE' })); // { ok: true, value: null }
 */
export class HostSession {
  readonly #waiting = new Map<number, (outcome: RequestOutcome) => void>();
  #open = true;

  constructor(
    readonly plane: ControlPlane,
    readonly world: SimWorld,
    readonly stats: StatsRecorder,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  /** The error of a call on a closed host. */
  closedError<T>(op: string): Result<T> {
    return failure(hostError(op, 'EBADF', 'hostOpen', 'the host is closed'));
  }

  /** One control-plane request; runs it finished are delivered before this returns. */
  request(op: string, call: (plane: ControlPlane) => RequestOutcome): Result<JsonValue> {
    if (!this.#open) return this.closedError(op);
    const outcome = handleOutcome(call(this.plane));
    this.#deliver();
    return outcomeResult(op, outcome);
  }

  /** A world-control call (guest exits, signals); runs it let finish are delivered. */
  worldControl(op: string, call: (plane: ControlPlane) => void): Result<null> {
    if (!this.#open) return this.closedError(op);
    call(this.plane);
    this.#deliver();
    return { ok: true, value: null };
  }

  /**
   * A VP run: resolves at once when MSHV_RUN_VP returned (or was refused), or later, when the run
   * whose thread sleeps in the kernel finishes (an exit arrived, a signal or a kick woke it).
   */
  run(op: string, call: (plane: ControlPlane) => RequestOutcome): Promise<Result<JsonValue>> {
    if (!this.#open) return Promise.resolve(this.closedError(op));
    const outcome = handleOutcome(call(this.plane));
    if (outcome.status !== 'pending') {
      this.#deliver();
      return Promise.resolve(outcomeResult(op, outcome));
    }
    const settled = new Promise<RequestOutcome>((resolve) => {
      this.#waiting.set(outcome.ticket, resolve);
    });
    this.#deliver();
    return settled.then((o) => outcomeResult(op, o));
  }

  /** Runs still asleep in MSHV_RUN_VP. */
  get waitingRuns(): number {
    return this.#waiting.size;
  }

  currentStats(): HostStats {
    return this.stats.snapshot(this.world.device.env.windows);
  }

  /** No call is accepted after this; runs still waiting are a broken invariant (close kicks them all). */
  end(): void {
    this.#deliver();
    if (this.#waiting.size > 0)
      throw new Error(`host closed with ${this.#waiting.size} run(s) still asleep in MSHV_RUN_VP`);
    this.#open = false;
  }

  #deliver(): void {
    for (const s of this.plane.takeSettled()) {
      const resolve = this.#waiting.get(s.ticket);
      if (resolve === undefined)
        throw new Error(`run ticket ${s.ticket} (${s.partition}/vp${s.vp}) finished but nobody waits for it`);
      this.#waiting.delete(s.ticket);
      resolve(s.outcome);
    }
  }
}

/**
 * A request through a handle names a partition this host made, so when the control plane no longer
 * knows the name (it forgets a partition once closed in full) the partition is closed: the refusal
 * says so (`partitionOpen`: its fd is released), not that no partition has that name.
 */
function handleOutcome(outcome: RequestOutcome): RequestOutcome {
  return outcome.status === 'rejected' && outcome.rule === 'partitionExists'
    ? { ...outcome, rule: 'partitionOpen' }
    : outcome;
}
