import type { TransitionMemo } from '../../machines/TransitionMemo.js';
import type { RandomFaultRates } from '../../adapters/simulated/faults/FaultPlan.js';
import { makeHeader } from '../log/LogHeader.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { LiveInventory } from '../replay/liveInventory.js';
import { planeRunMeta } from '../replay/openLoggedPlane.js';
import { type RecoverReport, recoverRecords } from '../replay/recoverRecords.js';
import { runHeader } from '../replay/RunMeta.js';
import type { Scenario } from '../scenario/Scenario.js';
import type { VmmConfig } from '../runtime/VmmConfig.js';
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
 * meta (`world` carries every fault the path armed, resolved to absolute call counts, so the
 * replay's simulated hypervisor answers as the run's did; no snapshots), the records as the plane
 * and the driver wrote them (hypercalls with their bytes), the log not closed (a crash point). The
 * replay uses the planted variant's machines and driver stages when there is one: it must re-run
 * the code that wrote the log.
 *
 * @example
 * const report = recoverCrashedRun(world, sink.records, {});
 * report.status; // 'reconciled'
 */
export function recoverCrashedRun(
  world: Scenario,
  records: readonly LogRecord[],
  options: {
    readonly randomFaults?: RandomFaultRates | undefined;
    readonly variant?: CheckVariant | undefined;
    /** The explorer's machine steps: the recovery replay re-takes the run's steps. */
    readonly memo?: TransitionMemo | undefined;
    /** How the run's VMM used the device (the world's `vmm`). */
    readonly vmm?: VmmConfig | undefined;
  },
): RecoverReport {
  const { randomFaults, variant, memo, vmm } = options;
  const meta = planeRunMeta(world, {
    snapshotEvery: 0,
    ...(randomFaults === undefined ? {} : { world: { randomFaults } }),
    ...(vmm === undefined ? {} : { vmm }),
  });
  const header = makeHeader(runHeader(meta, 'mshv-control check (crash point)'));
  return recoverRecords(header, records, {
    closed: false,
    ...(variant?.machines === undefined ? {} : { machines: variant.machines }),
    ...(variant?.world === undefined ? {} : { world: variant.world }),
    ...(variant?.vmm === undefined ? {} : { vmmHooks: variant.vmm }),
    ...(memo === undefined ? {} : { memo }),
  });
}
