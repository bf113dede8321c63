/** A tracker between windows, as a snapshot keeps it (window ids continue from `count`). */
export interface SavedWindowTracker {
  readonly count: number;
  readonly largestReps: number;
  readonly largestCalls: number;
}

/**
 * Interrupt windows (design principle 7): a window is the span in which a CPU owns its per-CPU
 * hypercall pages with interrupts off (local_irq_save … local_irq_restore in the kernel). Every slow
 * hypercall runs inside one, fast hypercalls never open one, every window closes on every path, and
 * the work done inside one is bounded. Opening a window while one is open is a broken invariant and
 * throws.
 *
 * @example
 * const w = new WindowTracker();
 * const id = w.open();
 * w.addReps(509);
 * w.close(id);
 * w.largestReps; // 509
 */
export class WindowTracker {
  #open: number | null = null;
  #reps = 0;
  #count = 0;
  #largestReps = 0;
  #largestCalls = 0;
  #calls = 0;
  #strayUse: string | null = null;

  /** Id of the open window, or null when interrupts are on. */
  get current(): number | null {
    return this.#open;
  }

  /** Windows opened so far; ids run 1, 2, 3, … */
  get count(): number {
    return this.#count;
  }

  /** Most reps issued inside any one window (the latency bound the kernel's batch sizes enforce). */
  get largestReps(): number {
    return this.#largestReps;
  }

  /** Most hypercall issues (first issue plus resumes) inside any one window. */
  get largestCalls(): number {
    return this.#largestCalls;
  }

  /**
   * The counters, for snapshots. Only between windows: saving inside one (from a hypercall) is a
   * broken invariant and throws.
   *
   * @example
   * new WindowTracker().save(); // { count: 0, largestReps: 0, largestCalls: 0 }
   */
  save(): SavedWindowTracker {
    if (this.#open !== null)
      throw new Error(`interrupt window ${this.#open} is open: no snapshot inside a window`);
    return { count: this.#count, largestReps: this.#largestReps, largestCalls: this.#largestCalls };
  }

  /**
   * A tracker that continues from recorded counters (the next window id is `count + 1`).
   *
   * @example
   * WindowTracker.restore({ count: 41, largestReps: 509, largestCalls: 2 }).open(); // 42
   */
  static restore(s: SavedWindowTracker): WindowTracker {
    const w = new WindowTracker();
    w.#count = s.count;
    w.#largestReps = s.largestReps;
    w.#largestCalls = s.largestCalls;
    return w;
  }

  open(): number {
    if (this.#open !== null) throw new Error(`interrupt window ${this.#open} is still open: nested window`);
    this.#count += 1;
    this.#open = this.#count;
    this.#reps = 0;
    this.#calls = 0;
    return this.#count;
  }

  /** Count reps the hypervisor completed inside the open window. */
  addReps(reps: number): void {
    if (this.#open === null) throw new Error('reps counted outside an interrupt window');
    this.#reps += reps;
    this.#calls += 1;
    if (this.#reps > this.#largestReps) this.#largestReps = this.#reps;
    if (this.#calls > this.#largestCalls) this.#largestCalls = this.#calls;
  }

  /**
   * Note that the driver took a per-CPU hypercall page (`what`, e.g. 'output'). With interrupts on
   * the page is not the driver's: an interrupt handler on the CPU may use it at any moment (review
   * point 7: the output is copied out before local_irq_restore). The first such use is kept until
   * `takeStrayUse` reads it.
   */
  noteUse(what: string): void {
    if (this.#open === null && this.#strayUse === null)
      this.#strayUse = `the per-CPU ${what} page was used with interrupts on (after window ${this.#count} closed)`;
  }

  /** The first per-CPU page use outside a window since the last call, and forget it. */
  takeStrayUse(): string | null {
    const s = this.#strayUse;
    this.#strayUse = null;
    return s;
  }

  close(id: number): void {
    if (this.#open !== id) throw new Error(`closing window ${id} but ${String(this.#open)} is open`);
    this.#open = null;
  }
}
