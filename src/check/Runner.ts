import type { CoverageData } from './Coverage.js';
import type { DfsOutcome } from './dfsFrom.js';
import type { Expansion, PathNode, WorkCounters } from './Explorer.js';
import type { WalkOutcome } from './randomWalk.js';

/**
 * Where exploration work runs: in this thread (`LocalRunner`) or in worker threads
 * (`WorkerRunner`). Strategies hand out work in a fixed order and merge results in that order, so a
 * verdict does not depend on which runner, or how many workers, did the work.
 */
export interface Runner {
  /** Tasks worth keeping in flight at once. */
  readonly parallelism: number;
  /** Expand each node (in order), as `Explorer.expand`. */
  expand(nodes: readonly PathNode[]): Promise<Expansion[]>;
  /**
   * Depth-first search under one node with its own visited set, as `dfsFrom`; with `timeLeftMs`, the
   * task stops (bounded) once that much time has passed on the runner's clock.
   */
  dfs(node: PathNode, statesMax: number, timeLeftMs?: number): Promise<DfsOutcome>;
  /** Random walk `index` of `seed`, as `randomWalk`. */
  walk(seed: number, index: number): Promise<WalkOutcome>;
  /** Coverage and work counters gathered so far, summed over workers. */
  totals(): Promise<{ readonly coverage: CoverageData; readonly work: WorkCounters }>;
  close(): Promise<void>;
}
