import { DEFAULT_MODEL_JSON } from '../../src/check/defaultModel.js';

/**
 * The default model's JSON with a fixed world fault: the `nth` SET_PARTITION_PROPERTY answers
 * CALL_PENDING and never completes, so `liveness` breaks once that call is made.
 */
export function lostLateJson(nth = 3): Record<string, unknown> {
  return {
    ...DEFAULT_MODEL_JSON,
    name: 'lost-late',
    world: {
      ...DEFAULT_MODEL_JSON.world,
      hypervisor: {
        ...DEFAULT_MODEL_JSON.world.hypervisor,
        faults: [{ call: 'SET_PARTITION_PROPERTY', nth, status: 'CALL_PENDING' }],
      },
    },
  };
}
