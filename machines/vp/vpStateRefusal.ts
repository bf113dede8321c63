import type { Refusal } from '../MachineEmitted.js';
import { VP_REQUESTS } from './VpEvent.js';

/**
 * The answer to an event the VP's state does not take (the catch-all):
 * - an OP_OK/OP_FAILED matching nothing in flight: EINVAL (`resultMatchesInflight`);
 * - an unknown event type: EINVAL (`knownRequest`);
 * - deleted: EBADF (`vpOpen`): the VP fd is gone;
 * - running: EBUSY (`vpNotRunning`): MSHV_RUN_VP holds `vp_mutex` (§c.6); refused, not queued;
 * - otherwise: EINVAL (`requestLegalInState`), e.g. RUN before READY.
 *
 * @example
 * vpStateRefusal('running', 'SET_STATE'); // { errno: 'EBUSY', rule: 'vpNotRunning' }
 */
export function vpStateRefusal(state: 'running' | 'deleted' | 'other', request: string): Refusal {
  if (request === 'OP_OK' || request === 'OP_FAILED')
    return { errno: 'EINVAL', rule: 'resultMatchesInflight' };
  if (!(VP_REQUESTS as readonly string[]).includes(request)) return { errno: 'EINVAL', rule: 'knownRequest' };
  if (state === 'deleted') return { errno: 'EBADF', rule: 'vpOpen' };
  if (state === 'running') return { errno: 'EBUSY', rule: 'vpNotRunning' };
  return { errno: 'EINVAL', rule: 'requestLegalInState' };
}
