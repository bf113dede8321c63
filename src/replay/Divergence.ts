import type { RecordKind } from '../log/LogRecord.js';

/**
 * The first record a replay did not reproduce: its seq, the kind the log holds there (null past the
 * end of the log) and the kind the re-run produced (null when it produced nothing more), a one-line
 * reason, and both sides decoded (for a hypercall: call name, control word fields, status name,
 * which input or output bytes differ).
 */
export interface Divergence {
  readonly seq: number;
  readonly expectedKind: RecordKind | null;
  readonly actualKind: RecordKind | null;
  readonly reason: string;
  readonly expected: readonly string[];
  readonly actual: readonly string[];
}

/**
 * Thrown from inside a re-run (a sink append, a recorded hypercall) to stop it at the first
 * divergence; the replay catches it and returns the divergence as a value.
 *
 * @example
 * throw new DivergenceSignal({ seq: 12, expectedKind: 'result', actualKind: 'result', reason: 'result differs at outcome.value', expected: [], actual: [] });
 */
export class DivergenceSignal extends Error {
  constructor(readonly divergence: Divergence) {
    super(`seq ${divergence.seq}: ${divergence.reason}`);
    this.name = 'DivergenceSignal';
  }
}

/**
 * Thrown when a log that was not closed (its writer crashed) runs out while the re-run goes on: the
 * replay stops at the first record of something new past its last committed record (an operation,
 * a result, an intent, a snapshot or a hypercall; transitions the last result causes pass).
 * `insideOperation` is true when the log ended between an operation's record and its result, which
 * a log committed at operation boundaries never does.
 *
 * @example
 * throw new EndOfLogSignal(166, false); // the log ends at seq 166, between two operations
 */
export class EndOfLogSignal extends Error {
  constructor(
    readonly lastSeq: number,
    readonly insideOperation: boolean,
  ) {
    super(`the log ends at seq ${lastSeq}${insideOperation ? ' inside an operation' : ''}`);
    this.name = 'EndOfLogSignal';
  }
}

/**
 * A divergence as report lines: the seq and kinds, the reason, then expected and actual.
 *
 * @example
 * formatDivergence(d)[0]; // 'DIVERGED at seq 57 (hypercall): the simulated hypervisor answers ...'
 */
export function formatDivergence(d: Divergence): string[] {
  const kinds =
    d.expectedKind === d.actualKind
      ? (d.expectedKind ?? 'end of log')
      : `log: ${d.expectedKind ?? 'end of log'}, replay: ${d.actualKind ?? 'nothing more'}`;
  return [
    `DIVERGED at seq ${d.seq} (${kinds}): ${d.reason}`,
    '  expected (log):',
    ...d.expected.map((l) => `    ${l}`),
    '  actual (replay):',
    ...d.actual.map((l) => `    ${l}`),
  ];
}
