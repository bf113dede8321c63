import { RECORD_KINDS } from '../log/LogRecord.js';
import { formatDivergence } from './Divergence.js';
import type { KindCounts, ReplayVerdict } from './replaySession.js';

/**
 * A replay verdict as the report lines `mshv-control replay` prints.
 *
 * @example
 * formatVerdict(verdict)[0]; // 'replay: identical: seq 1..2108 reproduced (scenario log)'
 */
export function formatVerdict(v: ReplayVerdict): string[] {
  switch (v.status) {
    case 'identical':
      return [
        `replay: identical: seq ${v.fromSeq}..${v.lastSeq} reproduced (${v.vocabulary} log${v.fromSeq > 1 ? `, restored from the snapshot at seq ${v.fromSeq - 1}` : ''})`,
        `  records: ${kinds(v.byKind)}`,
        ...(v.note === undefined ? [] : [`  note: ${v.note}`]),
      ];
    case 'diverged':
      return [
        `replay: ${formatDivergence(v.divergence)[0] ?? ''}`,
        ...formatDivergence(v.divergence).slice(1),
        `  reproduced before it: ${kinds(v.byKind)} (from seq ${v.fromSeq})`,
      ];
    case 'damaged':
      return [`replay: the log is damaged: ${v.message}`];
    case 'bad-input':
      return [`replay: not a replayable log: ${v.message}`];
  }
}

/**
 * `intent 12, transition 30, …` in the log's kind order (kinds with none left out).
 *
 * @example
 * kinds({ hypercall: 3, intent: 1 }); // 'intent 1, hypercall 3'
 */
export function kinds(byKind: KindCounts): string {
  const parts = RECORD_KINDS.filter((k) => (byKind[k] ?? 0) > 0).map((k) => `${k} ${byKind[k] ?? 0}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
