import type { RecoverReport } from '../../replay/recoverRecords.js';
import type { Invariant } from './Invariant.js';

/** Why a recover did not reconcile, in one clause. */
function whyNot(r: RecoverReport): string {
  if (r.replay.status === 'diverged') {
    const d = r.replay.divergence;
    return `its log does not replay: seq ${d.seq}: ${d.reason}`;
  }
  if (r.message !== undefined) return r.message;
  const a = r.audit;
  if (a === null) return 'no audit';
  const left = [
    a.conserved ? '' : `audit: ${a.violations.slice(0, 2).join('; ')}`,
    a.leakedPages > 0 ? `${a.leakedPages} pages still deposited in deleted partitions` : '',
    a.liveChildPartitions > 0 ? `${a.liveChildPartitions} child partitions not deleted` : '',
    a.driverPartitions > 0 ? `${a.driverPartitions} partitions still in the driver` : '',
    a.pinnedPages > 0 ? `${a.pinnedPages} host pages still pinned` : '',
  ].filter((s) => s !== '');
  return `after its teardown: ${left.join(', ')}`;
}

/**
 * Everything the audit found left after recover's teardown was already beyond any fd before it
 * (`RecoverReport.unreachable`): recover closed all it could reach and left nothing of its own.
 */
function onlyUnreachable(r: RecoverReport): boolean {
  const a = r.audit;
  const u = r.unreachable;
  if (a === null || u === null) return false;
  return (
    a.conserved &&
    a.driverPartitions === 0 &&
    a.pinnedPages === 0 &&
    a.openFds.length === 0 &&
    a.liveChildPartitions <= u.partitions.length &&
    a.leakedPages <= u.leakedPages
  );
}

/** The first top-level field where two inventories differ, for the message. */
function firstDifference(held: object, rebuilt: object): string {
  const h = held as Readonly<Record<string, unknown>>;
  const b = rebuilt as Readonly<Record<string, unknown>>;
  for (const k of Object.keys(h))
    if (JSON.stringify(h[k]) !== JSON.stringify(b[k]))
      return `${k}: the VMM held ${JSON.stringify(h[k])}, recover rebuilt ${JSON.stringify(b[k])}`;
  return 'field order';
}

/**
 * Recovery (issue 6, "crash points followed by recover"; issue 5, "a process killed at any instant
 * leaves a log readable up to its last committed record ... `recover` rebuilds the state from the
 * log ... and tears it down so nothing is leaked"). At a crash point the log the VMM committed is
 * handed to `recover`: its prefix must replay (every record reproduced byte for byte), the state it
 * rebuilds must be the one the process held when it died (the same partitions, fds, machine states,
 * regions, VPs, doorbells, irqfds, MSI routes, pools and eventfds), and its teardown must leave the
 * hypervisor with nothing (the audit `recover` reports: page conservation, no deposited page, no
 * child partition, no driver partition, no pin), beyond what the hypervisor already held out of
 * any fd's reach because the run's own teardown of it was refused. A crash inside an operation
 * (the kernel finished it, the log never got its result) checks the replay and the teardown only:
 * the log cannot know the last operation, and what the kernel still holds for it is released by
 * the fds' close, which conservation judges.
 *
 * @example
 * recovery.afterStep?.(crashStep, world); // 'recover after the crash: not-reconciled: after its teardown: 2 host pages still pinned'
 */
export const recovery: Invariant = {
  name: 'recovery',
  summary:
    'at a crash point recover replays the committed log, rebuilds exactly what the dead VMM held, and its teardown leaves nothing',
  afterStep(step, world) {
    if (step.step.kind !== 'crash' || world.recovery === undefined) return null;
    const { held, report } = world.recovery;
    // A leak left because the hypervisor refused a teardown call is its answer, not recover's (as
    // conservation takes it): one of recover's own teardown, or one of the run's, before the crash,
    // which left what recover found beyond any fd.
    if (report.status === 'not-reconciled' && (report.teardownRefused.length > 0 || onlyUnreachable(report)))
      return undefined;
    if (report.status !== 'reconciled') return `recover after the crash: ${report.status}: ${whyNot(report)}`;
    if (report.live === null) return 'recover after the crash listed nothing';
    // Dying inside an operation, the kernel holds what the committed log does not know (held is null):
    // recover must rebuild the committed state and leave nothing, which the audit above judged.
    if (held !== null && JSON.stringify(report.live) !== JSON.stringify(held))
      return `recover after the crash rebuilt another state than the VMM held: ${firstDifference(held, report.live)}`;
    return undefined;
  },
};
