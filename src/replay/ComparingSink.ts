import { hypercallRecordOf } from '../log/hypercallRecordOf.js';
import type { LogRecord } from '../log/LogRecord.js';
import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { RecordSink } from '../runtime/RecordSink.js';
import type { ReplayCursor } from './ReplayCursor.js';

/**
 * The sink and hypercall recorder of a re-run: every record it produces is compared with the log's
 * next record (`ReplayCursor.expect`), which stops the re-run at the first difference. Commits are
 * operation boundaries of the re-run; the log keeps no trace of them, so they pass.
 *
 * @example
 * const sink = new ComparingSink(cursor);
 * const plane = new ControlPlane(world, { sink });
 */
export class ComparingSink implements RecordSink, HypercallRecorder {
  readonly wantsBytes = true;

  constructor(readonly cursor: ReplayCursor) {}

  append(record: LogRecord): void {
    this.cursor.expect(record);
  }

  commit(): void {
    // Nothing to do: the log does not record where commits fell.
  }

  record(event: HypercallEvent): void {
    this.cursor.expect(hypercallRecordOf(event));
  }
}
