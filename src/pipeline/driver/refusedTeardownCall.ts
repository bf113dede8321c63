import { HvStatus } from '../../hv/HvStatus.js';
import { HypercallCode } from '../../hv/HypercallCode.js';

/** The teardown calls whose refusal leaves the hypervisor holding what they would have released. */
const TEARDOWN_CODES: ReadonlySet<number> = new Set([
  HypercallCode.FINALIZE_PARTITION,
  HypercallCode.WITHDRAW_MEMORY,
  HypercallCode.DELETE_PARTITION,
]);

/**
 * The hypervisor refused a teardown call (FINALIZE_PARTITION, WITHDRAW_MEMORY, DELETE_PARTITION)
 * with `result`: the driver goes on, as the kernel does (inventory §c.12), and the hypervisor keeps
 * what the call would have released. WITHDRAW_MEMORY's NO_RESOURCES is its normal end, not a refusal.
 *
 * @example
 * refusedTeardownCall(HypercallCode.DELETE_PARTITION, HvStatus.ACCESS_DENIED); // true
 * refusedTeardownCall(HypercallCode.WITHDRAW_MEMORY, HvStatus.NO_RESOURCES); // false
 */
export function refusedTeardownCall(code: number, result: number): boolean {
  if (!TEARDOWN_CODES.has(code) || result === HvStatus.SUCCESS) return false;
  return !(code === HypercallCode.WITHDRAW_MEMORY && result === HvStatus.NO_RESOURCES);
}
