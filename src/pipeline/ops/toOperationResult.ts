import { type Observable, defer, from, isObservable, map, of, take, throwIfEmpty } from 'rxjs';
import { type OperationError, type OperationRequest, type OperationResult, resultOf } from './Operation.js';

/**
 * True for a Promise or any other thenable.
 *
 * @example
 * isThenable(Promise.resolve(1)); // true; isThenable({ then: 1 }) is false
 */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

const isOperationError = (e: unknown): e is OperationError => {
  if (typeof e !== 'object' || e === null) return false;
  const f = e as Partial<Record<keyof OperationError, unknown>>;
  const strings =
    typeof f.errnoName === 'string' && typeof f.op === 'string' && typeof f.message === 'string';
  return typeof f.errno === 'number' && strings;
};

/**
 * Gives a routine's settled outcome its request's identity. The outcome must be `{ ok: true, value }`
 * or `{ ok: false, error: OperationError }`; anything else is a broken invariant and throws a
 * TypeError naming the operation.
 *
 * @example
 * settleOutcome(req, { ok: true, value: 3 }); // { id, partition, name, ok: true, value: 3 }
 */
export function settleOutcome<T>(req: OperationRequest<T>, outcome: unknown): OperationResult<T> {
  if (typeof outcome === 'object' && outcome !== null) {
    const o = outcome as { ok?: unknown; value?: unknown; error?: unknown };
    if (o.ok === true && 'value' in o) return resultOf(req, { ok: true, value: o.value as T });
    if (o.ok === false && isOperationError(o.error)) return resultOf(req, { ok: false, error: o.error });
  }
  throw new TypeError(
    `operation #${req.id} (${req.name}): routine returned ${describe(outcome)}, not { ok: true, value } ` +
      'or { ok: false, error: OperationError }',
  );
}

/**
 * Runs one request's routine and emits its result once: synchronous outcomes at once, a Promise's
 * when it settles, an Observable routine's first value. Operating errors arrive as values; a throw,
 * a rejection, or an Observable that completes without an outcome errors the stream, so a broken
 * invariant is loud.
 *
 * @example
 * toOperationResult({ id: 1, partition: 'vm0', name: 'MSHV_INITIALIZE_PARTITION', run: () => ok(0) })
 *   .subscribe((r) => r.ok); // true
 */
export function toOperationResult<T>(req: OperationRequest<T>): Observable<OperationResult<T>> {
  return defer(() => {
    const out = req.run();
    if (isObservable(out)) {
      const empty = () =>
        new Error(`operation #${req.id} (${req.name}): routine completed without an outcome`);
      return out.pipe(take(1), throwIfEmpty(empty));
    }
    return isThenable(out) ? from(out) : of(out);
  }).pipe(map((outcome) => settleOutcome(req, outcome)));
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys [${Object.keys(value).join(', ')}]`;
}
