import { hypercallRecordOf } from '../log/hypercallRecordOf.js';
import type { HypercallEvent, HypercallRecorder } from '../pipeline/HypercallRecorder.js';
import type { RecordSink } from './RecordSink.js';

/**
 * The pipeline's hypercall recorder writing into a record sink: every hypercall, with its input and
 * output bytes, becomes a `hypercall` record between its operation's record and its result.
 *
 * @example
 * const world = new SimWorld(scenario, new SinkRecorder(sink));
 */
export class SinkRecorder implements HypercallRecorder {
  readonly wantsBytes: true | 'view';
  /** Hypercalls recorded so far. */
  count = 0;

  /**
   * @param options.views the sink reads each record inside `append` and keeps none (replay's
   *   comparing sink): hypercall bytes come as views of the pipeline's pages, not copies.
   */
  constructor(
    readonly sink: RecordSink,
    options: { readonly views?: boolean } = {},
  ) {
    this.wantsBytes = options.views === true ? 'view' : true;
  }

  record(event: HypercallEvent): void {
    this.count += 1;
    this.sink.append(hypercallRecordOf(event));
  }
}
