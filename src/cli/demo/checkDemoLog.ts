import { openLog } from '../../log/LogReader.js';
import { RECORD_KINDS } from '../../log/LogRecord.js';

/** What the demo's replay step found. */
export interface DemoLogVerdict {
  readonly ok: boolean;
  /** Lines for the demo's output, first the verdict. */
  readonly lines: readonly string[];
}

/**
 * The demo's replay step, one call. The replay engine (src/replay, `replayLog(path)`) is being built
 * on another branch; until it lands here this verifies the log the demo wrote instead: every record's
 * seq and chained checksum, its decoding, and the end marker of a closed log (`openLog(path).verify()`).
 * Wiring the replay is replacing the body of this function.
 *
 * @example
 * checkDemoLog('/tmp/mshv-demo-x/demo.log').ok; // true
 */
export function checkDemoLog(path: string): DemoLogVerdict {
  const log = openLog(path);
  try {
    const v = log.verify();
    const kinds = RECORD_KINDS.filter((k) => v.byKind[k] > 0).map((k) => `${k} ${v.byKind[k]}`);
    const state = v.ok ? 'every checksum verified' : `damaged: ${v.error?.message ?? 'unknown'}`;
    return {
      ok: v.ok && v.closed,
      lines: [
        `${v.records} records (${kinds.join(', ')}), ${v.closed ? 'closed' : 'not closed'}, ${state}`,
        'replay: the replay engine (src/replay) is not on this branch yet; the log was verified with openLog(path).verify()',
      ],
    };
  } finally {
    log.close();
  }
}
