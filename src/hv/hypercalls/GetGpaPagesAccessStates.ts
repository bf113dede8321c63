import type { HypercallDef } from '../Hypercall.js';
import { HypercallCode } from '../HypercallCode.js';
import { Layout, u64 } from '../Layout.js';

/** hv_input_get_gpa_pages_access_state (24 bytes); the rep count is the page count, no input list. */
export const GetGpaPagesAccessStatesInput = new Layout('hv_input_get_gpa_pages_access_state', 24, [
  u64('partitionId', 0),
  u64('flags', 8),
  u64('hvGpaPageNumber', 16),
] as const);

/** Bits of the 1-byte per-page output: the bitmap bit is `state & 1` (accessed) or `state & 2` (dirty). */
export const GpaAccessState = { ACCESSED: 0x1, DIRTY: 0x2 } as const;

/** HV_GET_GPA_ACCESS_STATES_BATCH_SIZE = (4096 − 1) / 1 = 4095, equal to the 12-bit rep-count maximum. */
export const GET_GPA_ACCESS_STATES_REPS_MAX = 4095;

/**
 * HVCALL_GET_GPA_PAGES_ACCESS_STATES (0x00C9, rep): MSHV_GET_GPAP_ACCESS_BITMAP and passthrough. The
 * bound comes from the 1-byte output element, not the input header. Review point e.7: the IRQ
 * restore now precedes the progress accounting.
 */
export const GetGpaPagesAccessStates = {
  name: 'GET_GPA_PAGES_ACCESS_STATES',
  code: HypercallCode.GET_GPA_PAGES_ACCESS_STATES,
  kind: 'rep',
  input: GetGpaPagesAccessStatesInput,
  outputElement: { name: 'accessState', size: 1 },
  doc: 'Read (and clear/set) accessed and dirty bits of a GPA run.',
} as const satisfies HypercallDef;
