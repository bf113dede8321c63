import type { HypercallEvent } from '../pipeline/HypercallRecorder.js';
import type { HypercallRecord } from './LogRecord.js';

/**
 * The log record of a hypercall as the pipeline's recorder saw it (`HypercallRecorder.record`).
 * Fields the control and status words already hold (fast, rep count and start, result) are not
 * repeated. The recorder must want bytes (`wantsBytes: true`), or the input is empty.
 *
 * @example
 * const recorder = { wantsBytes: true, record: (e) => writer.append(hypercallRecordOf(e)) };
 */
export function hypercallRecordOf(e: HypercallEvent): HypercallRecord {
  return {
    kind: 'hypercall',
    name: e.name,
    code: e.code,
    control: e.control,
    input: e.input,
    status: e.statusWord,
    repsCompleted: e.repsCompleted,
    output: e.output ?? null,
    window: e.window,
    op: e.op,
  };
}
