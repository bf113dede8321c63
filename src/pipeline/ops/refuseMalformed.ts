import { type RequestFields, requestProblem } from './checkRequest.js';
import { type OperationResult, operationError } from './Operation.js';

/**
 * What the stream does with a request whose fields break a rule (design.md principle 5: bad input
 * gets an error naming the field and the rule, and leaves no state behind). Undefined for a well
 * formed request. A malformed one that still carries an identity its caller can match (an `id` that
 * is a non-negative safe integer, `partition` and `name` strings) is answered in place: an EINVAL
 * result naming the field, its lane never touched, so one caller's bad request does not stop the
 * other sources' operations. One without such an identity cannot be answered: the TypeError is
 * returned for the stream to error with.
 *
 * @example
 * refuseMalformed({ id: 4, partition: 'vm0', vp: 300, name: 'MSHV_RUN_VP', run });
 * // { id: 4, partition: 'vm0', vp: 300, name: 'MSHV_RUN_VP', ok: false, error: { errnoName: 'EINVAL', … } }
 */
export function refuseMalformed<T>(req: RequestFields): OperationResult<T> | TypeError | undefined {
  const problem = requestProblem(req);
  if (problem === undefined) return undefined;
  const { id, partition, vp, name } = req;
  const answerable =
    typeof id === 'number' &&
    Number.isSafeInteger(id) &&
    id >= 0 &&
    typeof partition === 'string' &&
    typeof name === 'string';
  if (!answerable) return new TypeError(problem);
  return {
    id,
    partition,
    ...(typeof vp === 'number' ? { vp } : {}),
    name,
    ok: false,
    error: operationError(name, 'EINVAL', problem),
  };
}
