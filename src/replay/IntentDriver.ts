import type { JsonValue } from '../log/JsonValue.js';
import type { IntentRecord } from '../log/LogRecord.js';
import type { SimWorld } from '../runner/SimWorld.js';
import type { Vocabulary } from './RunMeta.js';

/** A partition the runtime holds an fd for, with its machine state where the runtime keeps one. */
export interface RuntimePartition {
  readonly name: string;
  readonly fd: number;
  /** The partition machine's state (`live.running`), or null (the scenario runner has no machines). */
  readonly state: string | null;
}

/** A VP the runtime holds an fd for. */
export interface RuntimeVp {
  readonly partition: string;
  readonly index: number;
  readonly fd: number;
  readonly state: string | null;
  /** Its thread sleeps in MSHV_RUN_VP (a run the plane keeps pending). */
  readonly runPending: boolean;
}

/**
 * The fds a runtime believes it holds, with its names for them. Recovery lists and closes what the
 * process's fd table holds (`liveInventory`), named from here.
 */
export interface RuntimeFds {
  readonly partitions: readonly RuntimePartition[];
  readonly vps: readonly RuntimeVp[];
  readonly eventfds: readonly number[];
  /** VP pages the runtime has mapped (VmmConfig.mapVpRegisterPages), by address; absent when none. */
  readonly mappings?: readonly bigint[];
}

/**
 * A runtime re-running a log's intents on a world: the ControlPlane for `control-plane` logs, the
 * scenario runner for `scenario` logs. The runtime writes its records to the sink it was made with;
 * replay compares them with the log.
 *
 * @example
 * const driver = createIntentDriver('scenario', world, sink);
 * driver.apply({ kind: 'intent', name: 'step', args: { index: 0, step } });
 */
export interface IntentDriver {
  readonly vocabulary: Vocabulary;
  readonly world: SimWorld;
  /** Re-run one intent; null when it ran, or why it cannot be run (a malformed intent). */
  apply(intent: IntentRecord): string | null;
  /** The runtime's state between intents (the snapshot record's `runtime`). */
  saveState(): JsonValue;
  /** The fds the runtime holds. */
  fds(): RuntimeFds;
}
