import type { CliIo } from '../Command.js';

/** Move the cursor up one line and clear it (ANSI): how a terminal line is redrawn. */
const REDRAW = '\u001b[1A\u001b[2K';

/**
 * The demo's progress display. On a terminal each step shows `[3/9] title …` while it runs and is
 * redrawn with its outcome when done; otherwise (a pipe, a file, a test) only the outcome lines are
 * written, so the output is plain and the same on every run.
 *
 * @example
 * const progress = new DemoProgress(io, 9);
 * progress.start('map memory');
 * progress.done('4 GiB RAM (2 MiB pages)');
 */
export class DemoProgress {
  #step = 0;
  #title = '';
  #pending = false;

  constructor(
    readonly io: CliIo,
    readonly steps: number,
  ) {}

  /** A step begins: on a terminal, its line appears with an ellipsis. */
  start(title: string): void {
    this.#step += 1;
    this.#title = title;
    this.#pending = this.io.isTty;
    if (this.io.isTty) this.io.out(`${this.#prefix()} ${title} …`);
  }

  /** The step ended: its line (redrawn on a terminal) with the first detail, then the rest indented. */
  done(first: string, ...more: readonly string[]): void {
    const line = `${this.#prefix()} ${this.#title}: ${first}`;
    this.io.out(this.#pending ? `${REDRAW}${line}` : line);
    this.#pending = false;
    for (const m of more) this.io.out(`      ${m}`);
  }

  #prefix(): string {
    return `[${this.#step}/${this.steps}]`;
  }
}
