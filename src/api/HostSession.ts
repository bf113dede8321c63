import type { JsonValue } from '../log/JsonValue.js';
import type { ControlPlane } from '../runtime/ControlPlane.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import type { SimWorld } from '../runner/SimWorld.js';
import { hostError } from './HostError.js';
import type { HostStats, StatsRecorder } from './HostStats.js';
import { outcomeResult, refusalError } from './outcomeResult.js';
import { type Result, failure } from './Result.js';

/** Which partition a handle was made for: its name and the control plane's serial for it. */
export interface PartitionRef {
  readonly name: string;
  readonly serial: number;
}

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
  /** The Partition and Vp handles this session made: a handle of another host is none of them. */
  readonly #handles = new WeakSet<object>();
  #open = true;

  constructor(
    readonly plane: ControlPlane,
    readonly world: SimWorld,
    readonly stats: StatsRecorder,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  /** Note a Partition or Vp handle this session made. */
  adopt(handle: object): void {
    this.#handles.add(handle);
  }

  /** Whether this session made `handle` (false for another host's, even one of the same name). */
  owns(handle: object): boolean {
    return this.#handles.has(handle);
  }

  /** The error of a call on a closed host. */
  closedError<T>(op: string): Result<T> {
    return failure(hostError(op, 'EBADF', 'hostOpen', 'the host is closed'));
  }

  /**
   * The refusal of a call through a closed host (EBADF `hostOpen`) or a handle whose partition is gone
   * (EBADF `partitionOpen`), made before anything is looked up or recorded; undefined when it may go on.
   */
  handleRefusal(op: string, ref?: PartitionRef): Result<never> | undefined {
    if (!this.#open) return this.closedError(op);
    if (ref !== undefined && this.stale(ref)) return failure(refusalError(op, 'EBADF', 'partitionOpen'));
    return undefined;
  }

  /** One control-plane request; runs it finished are delivered before this returns. */
  request(op: string, call: (plane: ControlPlane) => RequestOutcome, ref?: PartitionRef): Result<JsonValue> {
    const refused = this.handleRefusal(op, ref);
    if (refused !== undefined) return refused;
    const outcome = call(this.plane);
    this.#deliver();
    return outcomeResult(op, outcome);
  }

  /**
   * The partition a handle was made for is gone: closed in full (the control plane forgot it), and
   * its name maybe taken by a newer partition. Its calls are refused EBADF (`partitionOpen`) before
   * anything is recorded: a stale handle never reaches the partition that now has its name.
   */
  stale(ref: PartitionRef): boolean {
    return this.plane.partitionSerial(ref.name) !== ref.serial;
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
  run(
    op: string,
    call: (plane: ControlPlane) => RequestOutcome,
    ref?: PartitionRef,
  ): Promise<Result<JsonValue>> {
    if (!this.#open) return Promise.resolve(this.closedError(op));
    if (ref !== undefined && this.stale(ref))
      return Promise.resolve(failure(refusalError(op, 'EBADF', 'partitionOpen')));
    const outcome = call(this.plane);
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
