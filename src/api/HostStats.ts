import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { WindowTracker } from '../pipeline/WindowTracker.js';

/** What a host's hypervisor did so far: the demo's summary and a VMM's health counters. */
export interface HostStats {
  /** Hypercalls issued, every one (driver and passthrough). */
  readonly hypercalls: number;
  /** Hypercalls by name, sorted by name. */
  readonly byName: readonly (readonly [string, number])[];
  /** DEPOSIT_MEMORY calls and the pages they gave the hypervisor (reps completed). */
  readonly deposits: { readonly calls: number; readonly pages: number };
  /** Interrupt windows opened, and the most reps and issues inside one (design principle 7). */
  readonly windows: { readonly count: number; readonly largestReps: number; readonly largestCalls: number };
}

/**
 * Counts every hypercall by name and the pages deposited, and passes each call on to `inner` (the
 * log's recorder) when there is one; copies bytes only when `inner` wants them.
 *
 * @example
 * const stats = new StatsRecorder(new SinkRecorder(sink));
 * stats.snapshot(env.windows).hypercalls; // 0
 */
export class StatsRecorder implements HypercallRecorder {
  readonly wantsBytes: boolean | 'view';
  readonly #byName = new Map<string, number>();
  #total = 0;
  #depositCalls = 0;
  #depositPages = 0;

  constructor(readonly inner?: HypercallRecorder) {
    this.wantsBytes = inner?.wantsBytes ?? false;
  }

  record(event: HypercallEvent): void {
    this.#total += 1;
    this.#byName.set(event.name, (this.#byName.get(event.name) ?? 0) + 1);
    if (event.name === 'DEPOSIT_MEMORY') {
      this.#depositCalls += 1;
      this.#depositPages += event.repsCompleted;
    }
    this.inner?.record(event);
  }

  /** The counters now, with the window figures of the driver's tracker. */
  snapshot(windows: WindowTracker): HostStats {
    return {
      hypercalls: this.#total,
      byName: [...this.#byName].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      deposits: { calls: this.#depositCalls, pages: this.#depositPages },
      windows: { count: windows.count, largestReps: windows.largestReps, largestCalls: windows.largestCalls },
    };
  }
}
