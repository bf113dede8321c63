import type { TransitionMemo } from '../../machines/TransitionMemo.js';
import { makeHeader } from '../log/LogHeader.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { LiveInventory } from '../replay/liveInventory.js';
import { type RecoverReport, recoverRecords } from '../replay/recoverRecords.js';
import { type RunMeta, runHeader } from '../replay/RunMeta.js';
import type { CheckVariant } from './CheckVariant.js';

/** What a crash point came to: what the dead VMM held, and what `recover` made of its log. */
export interface CrashRecovery {
  /**
   * The crashed process's live set (partitions, regions, VPs, doorbells, pools, eventfds) as it died;
   * null for a crash inside an operation, where the kernel holds what the committed log does not.
   */
  readonly held: LiveInventory | null;
  /** `recover` on the log the process had committed: rebuilt, listed, torn down, audited. */
  readonly report: RecoverReport;
}

/**
 * Run `recover` on the log a crashed ControlPlane run committed, in memory: a header with the run
 * meta (`armedRunMeta`: the world with every fault the path armed, no snapshots), the records as the plane
 * and the driver wrote them (hypercalls with their bytes), the log not closed (a crash point). The
 * replay uses the planted variant's machines and driver stages when there is one: it must re-run
 * the code that wrote the log.
 *
 * @example
 * const report = recoverCrashedRun(armedRunMeta(spec, world.armed, undefined), sink.records, {});
 * report.status; // 'reconciled'
 */
export function recoverCrashedRun(
  meta: RunMeta,
  records: readonly LogRecord[],
  options: {
    readonly variant?: CheckVariant | undefined;
    /** The explorer's machine steps: the recovery replay re-takes the run's steps. */
    readonly memo?: TransitionMemo | undefined;
  },
): RecoverReport {
  const { variant, memo } = options;
  const header = makeHeader(runHeader(meta, 'mshv-control check (crash point)'));
  return recoverRecords(header, records, {
    closed: false,
    ...(variant?.machines === undefined ? {} : { machines: variant.machines }),
    ...(variant?.world === undefined ? {} : { world: variant.world }),
    ...(variant?.vmm === undefined ? {} : { vmmHooks: variant.vmm }),
    ...(memo === undefined ? {} : { memo }),
  });
}
