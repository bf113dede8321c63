import {
  GetGpaPagesAccessStates,
  GetGpaPagesAccessStatesInput,
} from '../../../src/hv/hypercalls/GetGpaPagesAccessStates.js';
import { gfnRangeFits } from '../model/GpaMap.js';
import { S, partitionIn, repHandler } from './Handler.js';

/** hv_gpa_page_access_state_flags: clear_accessed 0, set_access 1, clear_dirty 2, set_dirty 3, reserved 4–63. */
const CLEAR_ACCESSED = 1n;
const SET_ACCESSED = 2n;
const CLEAR_DIRTY = 4n;
const SET_DIRTY = 8n;

/**
 * GET_GPA_PAGES_ACCESS_STATES (rep, ≤ 4095): rep i writes the state byte of guest page
 * hv_gpa_page_number + i at output offset i (bit 0 accessed, bit 1 dirty; 0 for unmapped pages), then
 * applies the flags: clear and set of the same bit together, or a reserved bit, is INVALID_PARAMETER,
 * and so is a range (rep count from the control word, checked at every resume) beyond 2^40 pages.
 * Setting only marks mapped pages. The bits live as extents of equal state, so a clean 1 TiB guest
 * costs nothing.
 */
export const GetGpaPagesAccessStatesHandler = repHandler(
  GetGpaPagesAccessStates,
  [S.INVALID_PARTITION_ID, S.INVALID_PARTITION_STATE, S.INVALID_PARAMETER],
  (ctx, from, to) => {
    const h = GetGpaPagesAccessStatesInput.decode(ctx.input);
    const found = partitionIn(ctx, h.partitionId, ['initialized']);
    if (!found.ok) return { status: found.status, done: 0 };
    const f = h.flags;
    if (
      f >> 4n !== 0n ||
      ((f & CLEAR_ACCESSED) !== 0n && (f & SET_ACCESSED) !== 0n) ||
      ((f & CLEAR_DIRTY) !== 0n && (f & SET_DIRTY) !== 0n)
    )
      return { status: S.INVALID_PARAMETER, done: 0 };
    // The whole call's range, not this slice's: the answer may not depend on the time slice.
    if (!gfnRangeFits(h.hvGpaPageNumber, ctx.control.repCount))
      return { status: S.INVALID_PARAMETER, done: 0 };
    const out = ctx.output;
    if (out === null) return { status: S.INVALID_HYPERCALL_INPUT, done: 0 };
    const gpa = found.value.gpa;
    const base = Number(h.hvGpaPageNumber);
    out.bytes.fill(0, from, to);
    gpa.access.forEachOverlap(base + from, base + to, (e) => {
      const s = Math.max(e.start, base + from);
      const en = Math.min(e.end, base + to);
      out.bytes.fill(e.value, s - base, en - base);
    });
    const clearBits = ((f & CLEAR_ACCESSED) !== 0n ? 1 : 0) | ((f & CLEAR_DIRTY) !== 0n ? 2 : 0);
    const setBits = ((f & SET_ACCESSED) !== 0n ? 1 : 0) | ((f & SET_DIRTY) !== 0n ? 2 : 0);
    gpa.modifyAccess(base + from, to - from, clearBits, setBits);
    return { status: S.SUCCESS, done: to - from };
  },
);
