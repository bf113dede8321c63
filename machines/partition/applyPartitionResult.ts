import type { PartitionContext } from './PartitionContext.js';

const insertSorted = (xs: readonly number[], x: number): number[] => [...xs, x].sort((a, b) => a - b);

/**
 * The context with the snapshot's clock written. The machine's `assign` merges what this returns
 * into the context, so the field is cleared to undefined (which a persisted snapshot's JSON leaves
 * out), never to false.
 */
function withoutClockToRestore(c: PartitionContext): PartitionContext {
  return c.clockToRestore === undefined ? c : { ...c, clockToRestore: undefined };
}

/**
 * The context after the operation in flight succeeded: the only place a partition's counters and
 * sets change, so a failed operation (OP_FAILED) leaves them as they were. `released` is what the
 * OP_OK of an irqfd deassign reports the driver dropped (§c.11: a deassign that matches nothing
 * succeeds too); without a report a deassign counts one.
 *
 * @example
 * applyPartitionResult({ ...ctx, inflight: { type: 'op', op: 'MSHV_CREATE_VP', args: { vp: 1 } } }).vps; // [..., 1]
 */
export function applyPartitionResult(c: PartitionContext, released?: number): PartitionContext {
  const cmd = c.inflight;
  if (cmd === null) return c;
  const a = cmd.args;
  const next: PartitionContext = { ...c, inflight: null };
  switch (cmd.op) {
    case 'MSHV_INITIALIZE_PARTITION':
      return { ...next, initialized: true };
    case 'SET_PARTITION_PROPERTY':
      if (a.property === 'TIME_FREEZE') return { ...next, timeFrozen: a.value === 1 };
      if (a.property === 'REFERENCE_TIME') return withoutClockToRestore(next);
      if (a.property === 'GPA_PAGE_ACCESS_TRACKING')
        return { ...next, dirty: a.value === 1 ? (c.dirty === 'off' ? 'on' : c.dirty) : 'off' };
      return next;
    case 'MSHV_CREATE_VP':
      if (typeof a.vp !== 'number') return next;
      return {
        ...next,
        vps: insertSorted(c.vps, a.vp),
        // Before the first START only: a VP restored into a started partition joins its live clock.
        ...(a.restore === true && (c.phase === 'initialized' || c.phase === 'configured')
          ? { clockToRestore: true as const }
          : {}),
      };
    case 'MSHV_SET_GUEST_MEMORY': {
      const region = String(a.region);
      if (a.unmap === true) return { ...next, regions: c.regions.filter((r) => r !== region) };
      // A new region is not marked dirty: rule 7's mark-all must be redone before disabling.
      return { ...next, regions: [...c.regions, region], dirty: c.dirty === 'allMarked' ? 'on' : c.dirty };
    }
    case 'INSTALL_INTERCEPT':
      return { ...next, intercepts: c.intercepts + 1 };
    case 'MSHV_IOEVENTFD':
      return { ...next, ioeventfds: Math.max(0, c.ioeventfds + (a.assign === true ? 1 : -1)) };
    case 'MSHV_IRQFD':
      return { ...next, irqfds: Math.max(0, c.irqfds + (a.assign === true ? 1 : -(released ?? 1))) };
    case 'MSHV_SET_MSI_ROUTING':
      return { ...next, msiRoutes: typeof a.entries === 'number' ? a.entries : c.msiRoutes };
    case 'MSHV_GET_GPAP_ACCESS_BITMAP':
      // Read-and-clear clears the dirty bits, so a mark-all done before it no longer holds.
      if (a.mode === 'markAllDirty') return { ...next, dirty: 'allMarked' };
      return { ...next, dirty: c.dirty === 'allMarked' ? 'on' : c.dirty };
    case 'PARK_VPS':
      return { ...next, vpsParked: true };
    case 'UNPARK_VPS':
      return { ...next, vpsParked: false };
    case 'QUIESCE_DEVICES':
      return { ...next, devicesQuiesced: true };
    case 'RESUME_DEVICES':
      return { ...next, devicesQuiesced: false };
    case 'RELEASE_EVENTFDS':
      return { ...next, ioeventfds: 0, irqfds: 0 };
    case 'SUSPEND_VP':
      return { ...next, cursor: c.cursor + 1 };
    case 'RELEASE_VP':
      return { ...next, vps: c.vps.filter((v) => v !== a.vp) };
    case 'RELEASE_REGION':
      return { ...next, regions: c.regions.filter((r) => r !== a.region) };
    default:
      return next;
  }
}
