import type { IoctlResult } from '../pipeline/driver/IoctlResult.js';
import type { JsonValue } from './JsonValue.js';
import type { ResultRecord } from './LogRecord.js';

/**
 * The log record of an operation's outcome: the value (made JSON-safe by the caller), or the
 * driver's error with its errno, raw hypervisor status and failing hypercall.
 *
 * @example
 * resultRecordOf(7, 'MSHV_CREATE_VP', fail('MSHV_CREATE_VP', 'EINVAL', 'vp_index 256 >= MSHV_MAX_VPS (256)'));
 */
export function resultRecordOf(id: number | null, op: string, outcome: IoctlResult<JsonValue>): ResultRecord {
  if (outcome.ok) return { kind: 'result', id, op, outcome: { ok: true, value: outcome.value } };
  const e = outcome.error;
  return {
    kind: 'result',
    id,
    op,
    outcome: {
      ok: false,
      errno: e.errno,
      errnoName: e.errnoName,
      hvStatus: e.hvStatus ?? null,
      hvStatusName: e.hvStatusName ?? null,
      hypercall: e.hypercall ?? null,
      message: e.message,
    },
  };
}
