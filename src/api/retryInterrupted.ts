import type { Result } from './Result.js';

/**
 * Attempts a create makes at most while the driver fails it EINTR or EAGAIN (vmm-lifecycle-rules 4:
 * a create interrupted by a signal, or told to try again, is retried).
 */
export const CREATE_ATTEMPTS_MAX = 8;

/**
 * Make a create request again while the driver fails it EINTR or EAGAIN (rule 4), at most
 * `CREATE_ATTEMPTS_MAX` attempts in all; any other outcome, and the last attempt's, is returned as
 * it is. Each attempt is a request of its own, its intent logged, so a replay re-runs every one. A
 * refusal or a bad argument is never retried: only the driver's answer can change.
 *
 * @example
 * const p = retryInterrupted(() => session.request(op, (plane) => plane.createPartition(name, args)));
 */
export function retryInterrupted<T>(create: () => Result<T>): Result<T> {
  for (let attempt = 1; ; attempt++) {
    const r = create();
    if (r.ok || attempt >= CREATE_ATTEMPTS_MAX || r.error.source !== 'driver') return r;
    if (r.error.errnoName !== 'EINTR' && r.error.errnoName !== 'EAGAIN') return r;
  }
}
