import { openLog } from '../../log/LogReader.js';
import { RECORD_KINDS } from '../../log/LogRecord.js';
import { formatVerdict } from '../../replay/formatVerdict.js';
import { replayLog } from '../../replay/replayLog.js';
import type { ReplayVerdict } from '../../replay/replaySession.js';

/** What the demo's replay step found. */
export interface DemoLogVerdict {
  readonly ok: boolean;
  /** Lines for the demo's output, first the integrity line, then one per replay. */
  readonly lines: readonly string[];
}

/**
 * The demo's replay step: the log's integrity (every seq, chained checksum, record decoding and the
 * end marker, `openLog(path).verify()`), then two replays against the recorded hypervisor with the
 * simulated one in lock step (`replayLog`): from the start, and from the log's last snapshot plus the
 * tail. Passes when the log is intact and closed and both replays reproduce every record.
 *
 * @example
 * replayDemoLog('/tmp/mshv-demo-x/demo.log').ok; // true
 */
export function replayDemoLog(path: string): DemoLogVerdict {
  const log = openLog(path);
  let integrity: string;
  let intact: boolean;
  try {
    const v = log.verify();
    const kinds = RECORD_KINDS.filter((k) => v.byKind[k] > 0).map((k) => `${k} ${v.byKind[k]}`);
    intact = v.ok && v.closed;
    integrity = `${v.records} records (${kinds.join(', ')}), ${v.closed ? 'closed' : 'not closed'}, ${
      v.ok ? 'every checksum verified' : `damaged: ${v.error?.message ?? 'unknown'}`
    }`;
  } finally {
    log.close();
  }
  const fromStart = replayLog(path);
  const fromSnapshot = replayLog(path, { from: 'snapshot' });
  const reproduced = (v: ReplayVerdict): boolean => v.status === 'identical' && v.complete;
  return {
    ok: intact && reproduced(fromStart) && reproduced(fromSnapshot),
    lines: [integrity, ...formatVerdict(fromStart), ...formatVerdict(fromSnapshot)],
  };
}
