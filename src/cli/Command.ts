/** Where a command writes; injected so tests capture output without spawning a process. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** True when stdout is a terminal (progress displays redraw; otherwise plain lines). */
  readonly isTty: boolean;
  /** Redraw one status line in place (a terminal only); an empty line clears it. */
  readonly progress?: (line: string) => void;
}

export interface Command {
  readonly name: string;
  /** One-line summary for `mshv-control help`. */
  readonly summary: string;
  /** Full usage text. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number> | number;
}
