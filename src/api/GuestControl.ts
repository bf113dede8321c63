import { guestExitCodec } from '../scenario/guestExitCodec.js';
import type { GuestExit } from '../scenario/Scenario.js';
import { type HostError, argumentError, hostError } from './HostError.js';
import type { HostSession, PartitionRef } from './HostSession.js';
import { type Result, failure } from './Result.js';
import { codecJson, viaCodec } from './scenarioFieldError.js';

/** Most exits one `exits` call appends (a guest script is bounded like every other input). */
export const GUEST_EXITS_MAX = 4096;

/**
 * World control of the simulated adapter for one VP: what its guest does next and signals to its
 * VMM thread. Not a /dev/mshv call: on real hardware the guest does what it does. Each call is
 * logged as an intent, so a replay does the same. Made by `host.guest(partition, vp)`.
 *
 * @example
 * host.guest(partition, 0).exits([{ exit: 'IO_PORT', port: 0x3f8, write: true, size: 1, value: 0x48 }, { exit: 'HALT' }]);
 */
export class GuestControl {
  readonly #session: HostSession;
  /** The partitions the handles it was made from were made for (undefined: none had the name). */
  readonly #refs: readonly (PartitionRef | undefined)[];

  /** Why the VP argument `Host.guest` got names no VP (a string, a fraction): every call answers it. */
  readonly #badArgument: HostError | undefined;

  /** @internal Made by `Host.guest`. */
  constructor(
    session: HostSession,
    readonly partition: string,
    readonly vp: number,
    refs: readonly (PartitionRef | undefined)[],
    badArgument?: HostError,
  ) {
    this.#session = session;
    this.#refs = refs;
    this.#badArgument = badArgument;
  }

  /**
   * Append exits to the guest's script, in order. An exit the guest completes by itself (a write to
   * mapped RAM, which dirties the page; a doorbell write) never reaches the VMM; the others are the
   * exits later runs return. A run asleep in MSHV_RUN_VP wakes with the first of them.
   *
   * @example
   * guest.exits([{ exit: 'MMIO', gpa: 0x1000n, write: true, size: 8, value: 1n }, { exit: 'HALT' }]);
   */
  exits(list: readonly GuestExit[]): Result<void> {
    const op = 'guest.exits';
    if (!Array.isArray(list))
      return failure(argumentError(op, 'exits', 'array', 'expected an array of exits'));
    if (list.length > GUEST_EXITS_MAX)
      return failure(
        argumentError(op, 'exits', 'exitsMax', `${list.length} exits; at most ${GUEST_EXITS_MAX} a call`),
      );
    const read = viaCodec(op, 'exits', () =>
      list.map((e, i) => guestExitCodec.read(codecJson(e), `$[${i}]`)),
    );
    if (!read.ok) return read;
    const missing = this.#missing(op);
    if (missing !== undefined) return missing;
    const r = this.#session.worldControl(op, (plane) => {
      plane.guest(this.partition, this.vp, read.value);
    });
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /**
   * A signal arrives for the VP's thread: a run asleep in MSHV_RUN_VP returns EINTR (unless an
   * intercept is already in flight), and so does the next run if none is.
   *
   * @example
   * host.guest(partition, 3).signal();
   */
  signal(): Result<void> {
    const op = 'guest.signal';
    const missing = this.#missing(op);
    if (missing !== undefined) return missing;
    const r = this.#session.worldControl(op, (plane) => {
      plane.signal(this.partition, this.vp);
    });
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** EBADF when the partition is closed or the VP was never created: the world has no such thread. */
  #missing(op: string): Result<void> | undefined {
    if (!this.#session.open) return this.#session.closedError(op);
    if (this.#badArgument !== undefined) return failure(this.#badArgument);
    const plane = this.#session.plane;
    const phase = plane.partitionSnapshot(this.partition)?.context.phase;
    // A handle of a partition gone since (its name maybe taken again) never reaches the new one, and
    // a VP handle of another partition than the one named reaches neither.
    const first = this.#refs[0];
    const stale = this.#refs.some(
      (r) => r === undefined || r.name !== first?.name || r.serial !== first.serial || this.#session.stale(r),
    );
    if (stale || phase === undefined || phase === 'closing' || phase === 'closed')
      return failure(
        hostError(op, 'EBADF', 'partitionOpen', `no open partition '${this.partition}'`, 'partition'),
      );
    if (plane.vpSnapshot(this.partition, this.vp) === undefined)
      return failure(
        hostError(op, 'EBADF', 'vpExists', `partition '${this.partition}' has no VP ${this.vp}`, 'vp'),
      );
    return undefined;
  }
}
