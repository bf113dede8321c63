import { Errno } from '../hv/Errno.js';
import type { JsonValue } from '../log/JsonValue.js';
import type { RequestOutcome } from '../runtime/RequestOutcome.js';
import type { HostError } from './HostError.js';
import { type Result, failure, success } from './Result.js';
import { ruleText } from './ruleText.js';

/**
 * A settled control-plane outcome as a Host API result: `done` is the value, `rejected` a HostError
 * from the refusing guard (errno and rule, with the rule's text), `failed` the driver's MshvError as
 * a HostError. A `pending` outcome here is a broken invariant (only runs wait) and throws.
 *
 * @example
 * outcomeResult('partition.snapshot', { status: 'rejected', errno: 'EBUSY', rule: 'snapshotOnlyWhileQuiesced' });
 * // { ok: false, error: { source: 'refused', errnoName: 'EBUSY', rule: 'snapshotOnlyWhileQuiesced', ... } }
 */
export function outcomeResult(op: string, outcome: RequestOutcome): Result<JsonValue> {
  switch (outcome.status) {
    case 'done':
      return success(outcome.value);
    case 'rejected':
      return failure(refusalError(op, outcome.errno, outcome.rule));
    case 'failed':
      return failure({ ...outcome.error, source: 'driver' });
    case 'pending':
      throw new Error(`${op}: the control plane left a non-run request pending (ticket ${outcome.ticket})`);
  }
}

/**
 * The HostError of a machine refusal.
 *
 * @example
 * refusalError('vp.run', 'EPERM', 'portIoRipAdvanced').message;
 * // 'vp.run: refused: after a port-I/O exit the VMM advances RIP before running again (rule 9) [portIoRipAdvanced, EPERM]'
 */
export function refusalError(op: string, errno: keyof typeof Errno, rule: string): HostError {
  return {
    source: 'refused',
    errno: Errno[errno],
    errnoName: errno,
    op,
    rule,
    message: `${op}: refused: ${ruleText(rule)} [${rule}, ${errno}]`,
  };
}
