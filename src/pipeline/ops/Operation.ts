import type { Observable } from 'rxjs';
import { Errno, type ErrnoName } from '../../hv/Errno.js';
import type { IoctlResult, MshvError } from '../driver/IoctlResult.js';

/**
 * A failed /dev/mshv operation as a value (design.md principle 4): the one error type of the
 * driver, `MshvError`, under the name the stream layer uses.
 */
export type OperationError = MshvError;

/** What a driver routine returns: a value, or an operating error as a value. */
export type OperationOutcome<T> = IoctlResult<T>;

/** The identity of an operation, shared by its request and its result. */
export interface OperationMeta {
  /** Sequence number assigned by the caller. */
  readonly id: number;
  /** The partition key: operations with the same key are ordered, different keys are independent. */
  readonly partition: string;
  /** The VP index, for VP operations (MSHV_RUN_VP, GET/SET_VP_STATE); absent for partition ones. */
  readonly vp?: number;
  /** The ioctl name, e.g. MSHV_RUN_VP. */
  readonly name: string;
}

/**
 * One /dev/mshv operation on its way to a driver routine. `run` is usually synchronous; it may
 * return a Promise, or an Observable whose first value is the outcome (how a routine waits in
 * virtual time under a test scheduler). A throw or rejection from `run` is a broken invariant.
 */
export interface OperationRequest<T> extends OperationMeta {
  readonly run: () =>
    OperationOutcome<T> | PromiseLike<OperationOutcome<T>> | Observable<OperationOutcome<T>>;
}

/** An operation's result: its identity plus the outcome. */
export type OperationResult<T> = OperationMeta & OperationOutcome<T>;

/**
 * An operation's result built from its request; errors are values.
 *
 * @example
 * resultOf(req, { ok: false, error: operationError('MSHV_RUN_VP', 'EINTR', 'signal pending') });
 */
export function resultOf<T>(req: OperationMeta, outcome: OperationOutcome<T>): OperationResult<T> {
  const meta = { id: req.id, partition: req.partition, ...(req.vp === undefined ? {} : { vp: req.vp }) };
  return outcome.ok
    ? { ...meta, name: req.name, ok: true, value: outcome.value }
    : { ...meta, name: req.name, ok: false, error: outcome.error };
}

/**
 * An operating error without a hypercall (validation, a full queue).
 *
 * @example
 * operationError('MSHV_RUN_VP', 'EAGAIN', 'queue vm0/vp0 is full (QUEUE_DEPTH_MAX 64)');
 */
export function operationError(op: string, errno: ErrnoName, message: string): OperationError {
  return { errno: Errno[errno], errnoName: errno, op, message };
}
